//! Compiles the `toex.v1` contract with protox (pure Rust), so building needs no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["proto/toex/v1/hub.proto", "proto/toex/v1/node.proto"];
    for file in files.iter().chain(["proto/toex/v1/common.proto"].iter()) {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure().build_client(true).build_server(true).compile_fds(descriptors)?;
    Ok(())
}
