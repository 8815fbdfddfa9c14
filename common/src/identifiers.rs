//! Where each kind of identifier of a hit/no-hit check lives in the common data model, shared by
//! the hub (which decides policy per table) and the nodes (which count the hits).

use toex_proto::v1::IdentifierKind;

/// The table and column holding one kind of identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentifierColumn {
    /// Common-data-model table.
    pub table: &'static str,
    /// Column compared for equality with the normalised identifier.
    pub column: &'static str,
}

/// The most identifiers one check may carry (threat catalogue 66: oversized repeated fields).
pub const MAX_CHECK_IDENTIFIERS: usize = 1_000;

/// The longest identifier value accepted, in bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 128;

/// Where identifiers of `kind` are found; `None` for an unspecified or unknown kind.
pub fn identifier_column(kind: IdentifierKind) -> Option<IdentifierColumn> {
    let (table, column) = match kind {
        IdentifierKind::Phone => ("phones", "msisdn"),
        IdentifierKind::Vehicle => ("vehicles", "vrm"),
        IdentifierKind::Person => ("persons", "pnc_id"),
        IdentifierKind::Postcode => ("addresses", "postcode"),
        IdentifierKind::Unspecified => return None,
    };
    Some(IdentifierColumn { table, column })
}

/// Lower-case name of a kind, as the CLI writes it.
pub fn kind_name(kind: IdentifierKind) -> &'static str {
    match kind {
        IdentifierKind::Phone => "phone",
        IdentifierKind::Vehicle => "vehicle",
        IdentifierKind::Person => "person",
        IdentifierKind::Postcode => "postcode",
        IdentifierKind::Unspecified => "unspecified",
    }
}
