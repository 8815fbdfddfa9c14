//! The real `toex` binary, run as a user would: the demo, and the exit codes of `toex sql`.

use std::process::{Command, Output};

use toex_tests::Federation;
use toex_tests::baseline::{centralised_context, run as baseline_run};
use toex_tests::federation::generate_regions;

fn toex(args: &[&str]) -> Output {
    toex_with(args, &[])
}

/// Runs the binary with extra environment variables (a token goes in `TOEX_TOKEN`, never argv).
fn toex_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_toex"));
    command.args(args).env("RUST_LOG", "warn");
    for variable in ["TOEX_HUB", "TOEX_TOKEN", "TOEX_CA", "TOEX_JUSTIFICATION", "TOEX_CASE"] {
        command.env_remove(variable);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the toex binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn demo_once_runs_a_whole_federation_and_exits_zero() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("demo");
    let output =
        toex(&["demo", "--once", "--scale", "200", "--data-dir", dir.to_str().unwrap(), "--hub-listen", "127.0.0.1:0"]);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", output.status);
    assert!(stdout.contains("Sample national query"), "{stdout}");
    assert!(stdout.contains("msisdn"), "the sample answer is printed: {stdout}");
    assert!(stderr.contains("complete: every region in scope answered"), "{stderr}");
    for region in ["NERSOU", "NWROCU", "YHROCU", "EMSOU", "ROCUWM", "ERSOU", "SEROCU", "SWROCU", "TARIAN", "LONDON"] {
        assert!(stderr.contains(region), "region {region} accounted for: {stderr}");
        assert!(dir.join("data").join(region).join("persons").is_dir(), "data generated for {region}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_exit_codes_say_complete_partial_or_caller_error() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &["ERSOU", "SEROCU"], 200, 3)?;
    let mut federation = Federation::start(data.path(), &["ERSOU", "SEROCU"]).await?;
    let hub = federation.hub_url.clone();
    let ca = federation.security.pki.ca.cert.display().to_string();
    let token = federation.national_token.clone();
    let purpose = ["--justification", "Checking exit codes in a test", "--case", "OP-TEST-0002"];
    let run = |query: &'static str, format: &'static str| {
        let (hub, ca, token) = (hub.clone(), ca.clone(), token.clone());
        tokio::task::spawn_blocking(move || {
            let mut args = vec!["sql", query, "--hub", hub.as_str(), "--ca", ca.as_str(), "--format", format];
            args.extend(purpose);
            toex_with(&args, &[("TOEX_TOKEN", token.as_str())])
        })
    };

    let complete = run("SELECT region, count(*) AS n FROM persons GROUP BY region ORDER BY region", "json").await?;
    assert_eq!(complete.status.code(), Some(0), "{}", text(&complete.stderr));
    let lines: Vec<serde_json::Value> =
        text(&complete.stdout).lines().map(|line| serde_json::from_str(line).expect("NDJSON")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["region"], "ERSOU");
    let baseline = centralised_context(data.path(), &federation.regions).await?;
    let visible =
        baseline_run(&baseline, "SELECT count(*) FROM persons WHERE region = 'ERSOU' AND handling_code = 'P'").await?;
    let expected = arrow::array::cast::as_primitive_array::<arrow::datatypes::Int64Type>(visible[0].column(0)).value(0);
    assert_eq!(lines[0]["n"], expected, "a national analyst counts every record except other regions' C records");

    let no_token = tokio::task::spawn_blocking({
        let (hub, ca) = (hub.clone(), ca.clone());
        move || {
            let mut args = vec!["sql", "SELECT 1", "--hub", hub.as_str(), "--ca", ca.as_str()];
            args.extend(purpose);
            toex_with(&args, &[("TOEX_TOKEN", "not-a-token")])
        }
    })
    .await?;
    assert_eq!(no_token.status.code(), Some(2), "{}", text(&no_token.stderr));
    assert!(text(&no_token.stderr).contains("missing, invalid or expired credentials"), "{}", text(&no_token.stderr));

    let refused = run("DROP TABLE persons", "table").await?;
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("only SELECT"), "{}", text(&refused.stderr));

    federation.stop_node("SEROCU").await;
    let partial = run("SELECT count(*) FROM persons", "csv").await?;
    assert_eq!(partial.status.code(), Some(3), "{}", text(&partial.stderr));
    assert!(text(&partial.stderr).contains("SEROCU   UNAVAILABLE"), "{}", text(&partial.stderr));
    assert!(text(&partial.stderr).contains("PARTIAL"), "{}", text(&partial.stderr));
    federation.shutdown().await;
    Ok(())
}

#[test]
fn every_subcommand_parses_its_arguments() {
    // clap checks argument definitions (unique names, flags) only when a command is built.
    for command in [
        vec!["audit", "search", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "reconcile", "--help"],
        vec!["check", "--help"],
        vec!["explain", "--help"],
        vec!["certs", "--help"],
        vec!["keys", "--help"],
        vec!["token", "--help"],
        vec!["sql", "--help"],
        vec!["demo", "--help"],
        vec!["bench", "--help"],
    ] {
        let output = toex(&command);
        assert!(output.status.success(), "{command:?}: {}", text(&output.stderr));
    }
}

#[test]
fn bench_measures_a_small_federation_and_refuses_a_region_count_it_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bench-data");
    let json = dir.path().join("figures.json");
    let (data_arg, json_arg) = (data.to_str().unwrap(), json.to_str().unwrap());

    let too_many = toex(&["bench", "--regions", "11", "--scales", "40", "--data", data_arg, "--json", json_arg]);
    assert!(!too_many.status.success());
    assert!(text(&too_many.stderr).contains("regions: between 1 and 10"), "{}", text(&too_many.stderr));
    let none = toex(&["bench", "--regions", "0", "--data", data_arg, "--json", json_arg]);
    assert!(text(&none.stderr).contains("--regions must be at least 1"), "{}", text(&none.stderr));
    assert!(!data.exists() && !json.exists(), "a refused run generates and writes nothing");

    let output = toex(&[
        "bench",
        "--regions",
        "2",
        "--scales",
        "40",
        "--iterations",
        "2",
        "--workloads",
        "w1,w5",
        "--targets",
        "hub,direct",
        "--node-partitions",
        "1",
        "--data",
        data_arg,
        "--json",
        json_arg,
    ]);
    assert!(output.status.success(), "stderr:\n{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("regions: 2  partitions per node query: 1"), "{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["regions"], 2);
    assert_eq!(report["node_partitions"], 1);
    let measurements = report["measurements"].as_array().unwrap();
    assert_eq!(measurements.len(), 4, "two workloads on two targets: {measurements:?}");
    let stream = measurements
        .iter()
        .find(|measured| measured["workload"] == "W5BulkStream" && measured["target"] == "Hub")
        .expect("W5 through the hub was measured");
    // Every row came through (the bench fails on a truncated answer), so the hub received
    // the whole table from the two nodes.
    assert!(stream["bytes_from_nodes_per_call"].as_u64().unwrap() > 10_000, "{stream}");
    assert!(data.join("scale-40").join("NERSOU").is_dir(), "the generated data is kept for the next run");
}
