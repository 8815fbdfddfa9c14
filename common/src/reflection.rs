//! gRPC server reflection (`grpc.reflection.v1` and `v1alpha`) over the `toex.v1` descriptors.
//! Reflection reveals the whole schema to anyone who can call (threat catalogue 68), so it is
//! served only in dev mode, where it is on unless switched off; the configurations refuse it
//! elsewhere.

use tonic::transport::server::Router;

/// Adds the reflection services to `router` when `enabled`.
pub fn with_reflection<L>(router: Router<L>, enabled: bool) -> Result<Router<L>, tonic_reflection::server::Error> {
    if !enabled {
        return Ok(router);
    }
    let builder = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(toex_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    Ok(router.add_service(builder().build_v1()?).add_service(builder().build_v1alpha()?))
}

/// Whether a server with `configured` (its `reflection` key) and `dev_mode` serves reflection,
/// or why the configuration is refused.
pub fn reflection_enabled(configured: Option<bool>, dev_mode: bool) -> Result<bool, &'static str> {
    match configured {
        Some(true) if !dev_mode => Err("reflection reveals the API schema to callers: only with dev_mode = true"),
        Some(enabled) => Ok(enabled),
        None => Ok(dev_mode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflection_is_on_in_dev_mode_switchable_and_refused_in_production() {
        assert_eq!(reflection_enabled(None, true), Ok(true));
        assert_eq!(reflection_enabled(Some(false), true), Ok(false));
        assert_eq!(reflection_enabled(None, false), Ok(false));
        assert_eq!(reflection_enabled(Some(false), false), Ok(false));
        assert!(reflection_enabled(Some(true), false).is_err());
    }
}
