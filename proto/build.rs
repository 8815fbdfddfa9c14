//! Compiles the `toex.v1` contract with protox (pure Rust), so building needs no system `protoc`.

/// Entity search results other systems and `toex search --format json` read as JSON (a
/// message's attribute also covers its oneofs).
const JSON_MESSAGES: [&str; 16] = [
    "Provenance",
    "Person",
    "Phone",
    "Vehicle",
    "Address",
    "Ocg",
    "OcgMembership",
    "IntelSummary",
    "GradeCount",
    "Linked",
    "SafeguardingFlag",
    "EntityMatch",
    "SearchedValue",
    "RecordRef",
    "PersonGroup",
    "RegionHit",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["proto/toex/v1/hub.proto", "proto/toex/v1/node.proto"];
    for file in files.iter().chain(["proto/toex/v1/common.proto", "proto/toex/v1/search.proto"].iter()) {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(files, ["proto"])?;
    // The encoded set backs gRPC server reflection (served only where configured).
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("toex_descriptor.bin"), prost::Message::encode_to_vec(&descriptors))?;
    let mut config = tonic_prost_build::configure().build_client(true).build_server(true);
    for message in JSON_MESSAGES {
        config = config.type_attribute(format!(".toex.v1.{message}"), "#[derive(serde::Serialize)]");
    }
    config = config.type_attribute(".toex.v1.EntityMatch.entity", "#[serde(rename_all = \"snake_case\")]");
    config.compile_fds(descriptors)?;
    Ok(())
}
