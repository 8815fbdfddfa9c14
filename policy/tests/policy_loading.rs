//! Start-up validation: the shipped files load from disk, and a policy or schema that does not
//! validate refuses with an error naming the file and Cedar's diagnostic.

use std::path::{Path, PathBuf};

use toex_policy::{PolicyEngine, PolicyLoadError, PolicyText};

fn cedar_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cedar")
}

fn load_hub_with(policy: &str) -> Result<PolicyEngine, PolicyLoadError> {
    PolicyEngine::new(
        "hub",
        &PolicyText::default_schema(),
        &[PolicyText::default_hub_policy(), PolicyText::new("extra.cedar", policy)],
    )
}

#[test]
fn shipped_files_load_from_disk() {
    let directory = cedar_dir();
    for policy_file in ["hub.cedar", "node.cedar"] {
        let loaded =
            PolicyEngine::from_files("disk", &directory.join("toex.cedarschema"), &[directory.join(policy_file)]);
        assert!(loaded.is_ok(), "{policy_file}: {:?}", loaded.err());
    }
}

#[test]
fn missing_file_error_names_the_path() {
    let missing = cedar_dir().join("no-such-policy.cedar");
    let error = PolicyEngine::from_files("hub", &cedar_dir().join("toex.cedarschema"), &[missing])
        .expect_err("a missing file refuses");
    assert!(matches!(error, PolicyLoadError::Read { .. }));
    assert!(error.to_string().contains("no-such-policy.cedar"), "{error}");
}

#[test]
fn unknown_attribute_is_refused_naming_the_file() {
    let error = load_hub_with(
        r#"@id("uses-unknown-attribute")
        permit (principal, action == Action::"ReadRecords", resource)
        when { principal.vetting_level > 2 };"#,
    )
    .expect_err("an unknown attribute refuses");
    let message = error.to_string();
    assert!(matches!(error, PolicyLoadError::Validation { .. }), "{message}");
    assert!(message.contains("extra.cedar"), "{message}");
    assert!(message.contains("vetting_level"), "{message}");
}

#[test]
fn unknown_action_is_refused_naming_the_file() {
    let error = load_hub_with(r#"permit (principal, action == Action::"DeleteRecords", resource);"#)
        .expect_err("an unknown action refuses");
    let message = error.to_string();
    assert!(matches!(error, PolicyLoadError::Validation { .. }), "{message}");
    assert!(message.contains("extra.cedar"), "{message}");
    assert!(message.contains("DeleteRecords"), "{message}");
}

#[test]
fn syntax_error_is_refused_naming_the_file() {
    let error = load_hub_with("permit (principal, action, resource) when { ");
    let message = error.expect_err("bad syntax refuses").to_string();
    assert!(message.contains("cannot parse Cedar policy file extra.cedar"), "{message}");
}

#[test]
fn bad_schema_is_refused_naming_the_file() {
    let error = PolicyEngine::new(
        "hub",
        &PolicyText::new("broken.cedarschema", "entity User { roles: Set<Strin> };"),
        &[PolicyText::default_hub_policy()],
    )
    .expect_err("a bad schema refuses");
    let message = error.to_string();
    assert!(message.contains("broken.cedarschema"), "{message}");
}

#[test]
fn duplicate_policy_ids_and_templates_are_refused() {
    let duplicate = load_hub_with(
        r#"@id("national-analyst-records")
        permit (principal, action == Action::"ReadAudit", resource);"#,
    )
    .expect_err("a duplicate id refuses");
    assert!(duplicate.to_string().contains("extra.cedar"), "{duplicate}");
    let template =
        load_hub_with(r#"permit (principal == ?principal, action, resource);"#).expect_err("a template refuses");
    assert!(template.to_string().contains("templates are not supported"), "{template}");
}

#[test]
fn empty_policy_set_is_refused() {
    let error = PolicyEngine::new("hub", &PolicyText::default_schema(), &[PolicyText::new("empty.cedar", "")])
        .expect_err("no policies refuses");
    assert!(error.to_string().contains("empty.cedar"), "{error}");
}
