//! Federated query planning: the hub's DataFusion catalogue of federated tables, the rewrite that
//! pushes work down to the nodes, and the execution plan that calls them.
//!
//! A federated table is planned like any DataFusion table. After DataFusion's own optimizer has
//! pushed projections, filters and limits into the scans, [`rewrite::federate`] replaces every scan
//! of a federated table with a [`remote::RemoteQuery`] (a sub-plan to run at each region), then
//! grows those sub-plans upwards through top-k sorts, limits, projections and aggregates (split
//! into partial aggregates at the nodes and a final aggregate at the hub). Joins and anything
//! spanning tables run at the hub. [`exec::RemoteExec`] runs a remote query with one partition
//! per region, checks each region's Arrow schema and records each region's outcome.

pub mod aggregate;
pub mod catalog;
pub mod exec;
pub mod remote;
pub mod rewrite;
pub mod table;
