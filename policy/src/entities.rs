//! Translating a request into Cedar terms: the `User`, `Region`, `Dataset` and `AuditLog`
//! entities, and the context carrying the purpose. Entities and requests are checked against the
//! schema, so a request the schema does not describe is refused rather than half-evaluated.

use std::collections::{HashMap, HashSet};

use cedar_policy::{Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression, Schema};

use crate::decision::PolicyAction;
use crate::request::{Request, RequestKind, clearance_level};

/// Cedar entity type of callers.
const USER_TYPE: &str = "User";
/// Cedar entity type of regions.
const REGION_TYPE: &str = "Region";
/// Cedar entity type of per-region datasets.
const DATASET_TYPE: &str = "Dataset";
/// Cedar entity type of per-region audit trails.
const AUDIT_LOG_TYPE: &str = "AuditLog";
/// Cedar entity type of actions.
const ACTION_TYPE: &str = "Action";
/// Separator between region and table in a dataset's entity id.
const DATASET_ID_SEPARATOR: &str = "/";

/// Why a request could not be put to Cedar; the engine turns it into a denial.
#[derive(Debug, thiserror::Error)]
pub enum EntityError {
    /// A built-in entity type name did not parse.
    #[error("bad entity type name {name}: {diagnostic}")]
    TypeName {
        /// The type name.
        name: &'static str,
        /// Cedar's diagnostic.
        diagnostic: String,
    },
    /// An entity does not conform to the schema.
    #[error("request entities do not conform to the schema: {0}")]
    Entities(String),
    /// An entity attribute could not be evaluated.
    #[error("bad entity attribute: {0}")]
    Attribute(String),
    /// The context does not build.
    #[error("bad request context: {0}")]
    Context(String),
    /// The request does not conform to the schema.
    #[error("request does not conform to the schema: {0}")]
    Request(String),
}

/// A request translated into Cedar entities, ready to authorize one action at a time.
#[derive(Debug)]
pub(crate) struct CedarQuestion {
    pub(crate) principal: EntityUid,
    pub(crate) resource: EntityUid,
    pub(crate) context: Context,
    pub(crate) entities: Entities,
}

impl CedarQuestion {
    /// Builds the entities and context for a request, validated against the schema.
    pub(crate) fn build(request: &Request, schema: &Schema) -> Result<Self, EntityError> {
        let principal = uid(USER_TYPE, &request.principal.subject)?;
        let home_region = uid(REGION_TYPE, &request.principal.home_region)?;
        let target_region = uid(REGION_TYPE, &request.region)?;
        let user = user_entity(request, principal.clone(), home_region.clone())?;
        let (resource, resource_entity) = resource_entity(request, &target_region)?;
        let target_region_entity = Entity::new_no_attrs(target_region.clone(), HashSet::new());
        let mut entity_list = vec![user, resource_entity, target_region_entity];
        if home_region != target_region {
            entity_list.push(Entity::new_no_attrs(home_region, HashSet::new()));
        }
        let entities = Entities::from_entities(entity_list, Some(schema))
            .map_err(|error| EntityError::Entities(error.to_string()))?;
        let context = Context::from_pairs([
            ("justification".to_owned(), string(&request.purpose.justification)),
            ("case_reference".to_owned(), string(&request.purpose.case_reference)),
            ("request_kind".to_owned(), string(request.kind.as_str())),
        ])
        .map_err(|error| EntityError::Context(error.to_string()))?;
        Ok(Self { principal, resource, context, entities })
    }

    /// The Cedar request for one action, validated against the schema.
    pub(crate) fn request_for(
        &self,
        action: PolicyAction,
        schema: &Schema,
    ) -> Result<cedar_policy::Request, EntityError> {
        let action_uid = uid(ACTION_TYPE, action.as_str())?;
        cedar_policy::Request::new(
            self.principal.clone(),
            action_uid,
            self.resource.clone(),
            self.context.clone(),
            Some(schema),
        )
        .map_err(|error| EntityError::Request(error.to_string()))
    }
}

fn uid(type_name: &'static str, id: &str) -> Result<EntityUid, EntityError> {
    let parsed: EntityTypeName = type_name.parse().map_err(|error: cedar_policy::ParseErrors| {
        EntityError::TypeName { name: type_name, diagnostic: error.to_string() }
    })?;
    Ok(EntityUid::from_type_name_and_id(parsed, EntityId::new(id)))
}

fn string(value: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(value.to_owned())
}

fn user_entity(request: &Request, principal: EntityUid, home_region: EntityUid) -> Result<Entity, EntityError> {
    let roles = request.principal.roles.iter().map(|role| string(role));
    let mut attributes = HashMap::from([
        ("home_region".to_owned(), RestrictedExpression::new_entity_uid(home_region)),
        ("roles".to_owned(), RestrictedExpression::new_set(roles)),
    ]);
    if let Some(clearance) = request.principal.clearance {
        attributes.insert("clearance".to_owned(), RestrictedExpression::new_long(clearance_level(clearance)));
    }
    Entity::new(principal, attributes, HashSet::new()).map_err(|error| EntityError::Attribute(error.to_string()))
}

fn resource_entity(request: &Request, target_region: &EntityUid) -> Result<(EntityUid, Entity), EntityError> {
    let region_attribute = ("region".to_owned(), RestrictedExpression::new_entity_uid(target_region.clone()));
    let parents = HashSet::from([target_region.clone()]);
    let (resource, attributes) = match request.kind {
        RequestKind::Audit => (uid(AUDIT_LOG_TYPE, &request.region)?, HashMap::from([region_attribute])),
        RequestKind::Sql | RequestKind::Search | RequestKind::Check | RequestKind::Aggregate => {
            let dataset_id = format!("{}{DATASET_ID_SEPARATOR}{}", request.region, request.dataset);
            let attributes = HashMap::from([region_attribute, ("table".to_owned(), string(&request.dataset))]);
            (uid(DATASET_TYPE, &dataset_id)?, attributes)
        }
    };
    let entity = Entity::new(resource.clone(), attributes, parents)
        .map_err(|error| EntityError::Attribute(error.to_string()))?;
    Ok((resource, entity))
}
