//! The example hub configuration in `deploy/` loads, validates and names all ten regions.

use toex_broker::HubConfig;

#[test]
fn the_example_hub_config_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/config/hub.toml");
    let config = HubConfig::load(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    assert_eq!(config.regions.len(), 10);
    assert!(config.regions.iter().all(|region| region.endpoint.starts_with("https://")));
    assert!(!config.dev_mode, "the example is a production configuration");
}

#[test]
fn the_compose_hub_config_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/compose/config/hub.toml");
    let config = HubConfig::load(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let mut regions: Vec<_> = config.regions.iter().map(|region| region.code.as_str()).collect();
    regions.sort();
    assert_eq!(regions, ["LONDON", "NERSOU", "NWROCU"]);
    assert!(!config.dev_mode);
}
