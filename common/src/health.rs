//! `grpc.health.v1` for the hub and the nodes, kept in step with the audit trail: `NOT_SERVING`
//! while records cannot be written (every data request fails closed then), `SERVING` again once
//! the trail is writable.

use std::sync::Arc;
use std::time::Duration;

use toex_audit::AuditLog;
use tonic::server::NamedService;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// How often the health service re-reads the audit trail's state.
pub const HEALTH_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Reports service `S` (and the server as a whole) as serving exactly while `audit` is healthy.
/// Runs until aborted.
pub async fn report_audit_health<S: NamedService>(health: HealthReporter, audit: Arc<AuditLog>) {
    let mut serving = None;
    loop {
        let healthy = audit.is_healthy();
        if serving != Some(healthy) {
            let status = if healthy { ServingStatus::Serving } else { ServingStatus::NotServing };
            if !healthy {
                tracing::error!(target: "toex::audit", reason = ?audit.unavailable_reason(), "audit trail down: not serving");
            }
            health.set_service_status(S::NAME, status).await;
            health.set_service_status("", status).await;
            serving = Some(healthy);
        }
        tokio::time::sleep(HEALTH_POLL_INTERVAL).await;
    }
}

/// Marks service `S` and the server as not serving (the start of a drain).
pub async fn report_draining<S: NamedService>(health: &HealthReporter) {
    health.set_service_status(S::NAME, ServingStatus::NotServing).await;
    health.set_service_status("", ServingStatus::NotServing).await;
    tracing::info!("draining: not serving, finishing calls in flight");
}

/// Closes the audit trail after the last call drained, with a final signed checkpoint.
pub async fn seal_trail(audit: &AuditLog) {
    match audit.close().await {
        Ok(checkpoint) => tracing::info!(target: "toex::audit", sealed = checkpoint.is_some(), "audit trail closed"),
        Err(error) => tracing::error!(target: "toex::audit", %error, "audit trail could not be sealed"),
    }
}
