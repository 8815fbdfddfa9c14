//! Every example node configuration in `deploy/` loads and validates.

use toex_node::NodeConfig;

#[test]
fn every_example_node_config_loads() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/config/nodes");
    let mut regions = Vec::new();
    for entry in std::fs::read_dir(&directory).expect("deploy/config/nodes exists") {
        let path = entry.expect("readable entry").path();
        let config = NodeConfig::load(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        regions.push(config.region);
    }
    regions.sort();
    assert_eq!(
        regions,
        ["EMSOU", "ERSOU", "LONDON", "NERSOU", "NWROCU", "ROCUWM", "SEROCU", "SWROCU", "TARIAN", "YHROCU"]
    );
}

#[test]
fn every_compose_node_config_loads() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/compose/config/nodes");
    let mut regions = Vec::new();
    for entry in std::fs::read_dir(&directory).expect("deploy/compose/config/nodes exists") {
        let path = entry.expect("readable entry").path();
        let config = NodeConfig::load(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert!(!config.dev_mode, "{}: the kit runs without dev mode", path.display());
        regions.push(config.region);
    }
    regions.sort();
    assert_eq!(regions, ["LONDON", "NERSOU", "NWROCU"]);
}
