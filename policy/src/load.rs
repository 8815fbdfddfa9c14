//! Loading and validating Cedar policy at start-up: the schema and the policy files are parsed,
//! every file is validated against the schema in strict mode, and policy ids are taken from each
//! policy's `@id` annotation so that decisions can name them. Any problem refuses with an error
//! naming the file and carrying Cedar's diagnostic.

use std::path::Path;

use cedar_policy::{Policy, PolicyId, PolicySet, Schema, ValidationMode, Validator};

/// File name of the shipped default schema.
pub const DEFAULT_SCHEMA_FILE: &str = "toex.cedarschema";
/// File name of the shipped default hub policy.
pub const DEFAULT_HUB_POLICY_FILE: &str = "hub.cedar";
/// File name of the shipped default node policy.
pub const DEFAULT_NODE_POLICY_FILE: &str = "node.cedar";
/// The shipped default schema.
pub const DEFAULT_SCHEMA: &str = include_str!("../cedar/toex.cedarschema");
/// The shipped default hub policy.
pub const DEFAULT_HUB_POLICY: &str = include_str!("../cedar/hub.cedar");
/// The shipped default node policy (the node's own; it can only narrow the hub's decision).
pub const DEFAULT_NODE_POLICY: &str = include_str!("../cedar/node.cedar");
/// Annotation whose value becomes the policy id used in decisions and explanations.
pub const ID_ANNOTATION: &str = "id";
/// Annotation carrying a human-readable description shown in explanations.
pub const DESCRIPTION_ANNOTATION: &str = "description";

/// Why a schema or policy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyLoadError {
    /// The file could not be read.
    #[error("cannot read policy file {file}: {source}")]
    Read {
        /// Path of the file.
        file: String,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The schema does not parse or is not well formed.
    #[error("invalid Cedar schema {file}: {diagnostic}")]
    Schema {
        /// Name of the schema file.
        file: String,
        /// Cedar's diagnostic.
        diagnostic: String,
    },
    /// A policy file does not parse.
    #[error("cannot parse Cedar policy file {file}: {diagnostic}")]
    Parse {
        /// Name of the policy file.
        file: String,
        /// Cedar's diagnostic.
        diagnostic: String,
    },
    /// A policy file parses but does not validate against the schema (strict mode).
    #[error("Cedar policy file {file} does not validate against schema {schema_file}: {diagnostic}")]
    Validation {
        /// Name of the policy file.
        file: String,
        /// Name of the schema file.
        schema_file: String,
        /// Cedar's validation errors, joined.
        diagnostic: String,
    },
    /// A policy file holds something this engine refuses (templates, duplicate ids, no policies).
    #[error("Cedar policy file {file}: {problem}")]
    Unsupported {
        /// Name of the policy file.
        file: String,
        /// What is wrong.
        problem: String,
    },
}

/// The text of one schema or policy file, with the name used in errors and explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyText {
    /// File name or path, as shown in errors.
    pub name: String,
    /// File content.
    pub text: String,
}

impl PolicyText {
    /// A named text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }

    /// Reads a file; the error names the path.
    pub fn read(path: &Path) -> Result<Self, PolicyLoadError> {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Self { name, text }),
            Err(source) => Err(PolicyLoadError::Read { file: name, source }),
        }
    }

    /// The shipped default schema.
    pub fn default_schema() -> Self {
        Self::new(DEFAULT_SCHEMA_FILE, DEFAULT_SCHEMA)
    }

    /// The shipped default hub policy.
    pub fn default_hub_policy() -> Self {
        Self::new(DEFAULT_HUB_POLICY_FILE, DEFAULT_HUB_POLICY)
    }

    /// The shipped default node policy.
    pub fn default_node_policy() -> Self {
        Self::new(DEFAULT_NODE_POLICY_FILE, DEFAULT_NODE_POLICY)
    }
}

/// A schema and a policy set that validated against it.
#[derive(Debug, Clone)]
pub(crate) struct ValidatedPolicies {
    pub(crate) schema: Schema,
    pub(crate) policies: PolicySet,
}

/// Parses the schema and every policy file, validates each file in strict mode and merges them.
pub(crate) fn load_validated(
    schema_text: &PolicyText,
    policy_texts: &[PolicyText],
) -> Result<ValidatedPolicies, PolicyLoadError> {
    let schema = parse_schema(schema_text)?;
    let validator = Validator::new(schema.clone());
    let mut merged = PolicySet::new();
    for policy_text in policy_texts {
        let file_policies = parse_policy_file(policy_text)?;
        validate_file(&validator, &file_policies, policy_text, schema_text)?;
        for policy in file_policies.policies() {
            if let Err(error) = merged.add(policy.clone()) {
                return Err(unsupported(policy_text, format!("policy {}: {error}", policy.id())));
            }
        }
    }
    if merged.is_empty() {
        let names: Vec<&str> = policy_texts.iter().map(|text| text.name.as_str()).collect();
        let file = if names.is_empty() { "(none)".to_owned() } else { names.join(", ") };
        return Err(PolicyLoadError::Unsupported { file, problem: "no policies".to_owned() });
    }
    Ok(ValidatedPolicies { schema, policies: merged })
}

fn parse_schema(schema_text: &PolicyText) -> Result<Schema, PolicyLoadError> {
    match Schema::from_cedarschema_str(&schema_text.text) {
        Ok((schema, warnings)) => {
            for warning in warnings {
                tracing::warn!(file = %schema_text.name, %warning, "cedar schema warning");
            }
            Ok(schema)
        }
        Err(error) => Err(PolicyLoadError::Schema { file: schema_text.name.clone(), diagnostic: error.to_string() }),
    }
}

/// Parses one file and renames each policy after its `@id` annotation.
fn parse_policy_file(policy_text: &PolicyText) -> Result<PolicySet, PolicyLoadError> {
    let parsed: PolicySet = match policy_text.text.parse() {
        Ok(parsed) => parsed,
        Err(errors) => {
            let diagnostic: Vec<String> = errors.iter().map(|error| error.to_string()).collect();
            return Err(PolicyLoadError::Parse { file: policy_text.name.clone(), diagnostic: diagnostic.join("; ") });
        }
    };
    if parsed.templates().next().is_some() {
        return Err(unsupported(policy_text, "policy templates are not supported".to_owned()));
    }
    let mut renamed = PolicySet::new();
    for policy in parsed.policies() {
        let named = rename_by_annotation(policy);
        if let Err(error) = renamed.add(named) {
            return Err(unsupported(policy_text, format!("duplicate policy id: {error}")));
        }
    }
    Ok(renamed)
}

fn rename_by_annotation(policy: &Policy) -> Policy {
    match policy.annotation(ID_ANNOTATION) {
        Some(id) => policy.new_id(PolicyId::new(id)),
        None => policy.clone(),
    }
}

fn validate_file(
    validator: &Validator,
    policies: &PolicySet,
    policy_text: &PolicyText,
    schema_text: &PolicyText,
) -> Result<(), PolicyLoadError> {
    let result = validator.validate(policies, ValidationMode::Strict);
    for warning in result.validation_warnings() {
        tracing::warn!(file = %policy_text.name, %warning, "cedar validation warning");
    }
    if result.validation_passed() {
        return Ok(());
    }
    let diagnostic: Vec<String> = result.validation_errors().map(|error| error.to_string()).collect();
    Err(PolicyLoadError::Validation {
        file: policy_text.name.clone(),
        schema_file: schema_text.name.clone(),
        diagnostic: diagnostic.join("; "),
    })
}

fn unsupported(policy_text: &PolicyText, problem: String) -> PolicyLoadError {
    PolicyLoadError::Unsupported { file: policy_text.name.clone(), problem }
}
