//! The authentication layer for tonic servers: reads `authorization: Bearer <token>` from gRPC
//! metadata, verifies it, and puts `Arc<VerifiedClaims>` into the request extensions. Failure is
//! answered at the edge with `UNAUTHENTICATED`, a fixed message (never the token) and a security
//! event in the log; handlers only read facts through [`claims`].

use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::{Either, Ready, ready};
use tonic::Status;
use tower::{Layer, Service};

use crate::bearer::bearer_token;
use crate::claims::VerifiedClaims;
use crate::clock::{Clock, SystemClock};
use crate::verifier::TokenVerifier;

/// Path prefix of the standard gRPC health service, usually exempt from authentication.
pub const GRPC_HEALTH_PATH_PREFIX: &str = "/grpc.health.v1.Health/";
/// The message sent with every authentication failure: deliberately the same for every cause.
pub const UNAUTHENTICATED_MESSAGE: &str = "missing, invalid or expired credentials";

/// A tower layer adding bearer-token authentication to a tonic service.
#[derive(Debug, Clone)]
pub struct AuthLayer {
    verifier: Arc<TokenVerifier>,
    clock: Arc<dyn Clock>,
    exempt_prefixes: Arc<[String]>,
}

impl AuthLayer {
    /// Authenticates every request with `verifier` against the system clock.
    pub fn new(verifier: Arc<TokenVerifier>) -> Self {
        Self { verifier, clock: Arc::new(SystemClock), exempt_prefixes: Arc::from(Vec::new()) }
    }

    /// Uses `clock` instead of the system clock (tests, reproducible demos).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// Lets requests whose path starts with `prefix` through unauthenticated (e.g.
    /// [`GRPC_HEALTH_PATH_PREFIX`]). They get no claims, so handlers still refuse data.
    pub fn exempt_path_prefix(self, prefix: &str) -> Self {
        let mut prefixes = self.exempt_prefixes.to_vec();
        prefixes.push(prefix.to_owned());
        Self { exempt_prefixes: Arc::from(prefixes), ..self }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService { inner, layer: self.clone() }
    }
}

/// The service produced by [`AuthLayer`].
#[derive(Debug, Clone)]
pub struct AuthService<S> {
    inner: S,
    layer: AuthLayer,
}

impl<S> AuthService<S> {
    fn is_exempt(&self, path: &str) -> bool {
        self.layer.exempt_prefixes.iter().any(|prefix| path.starts_with(prefix.as_str()))
    }

    fn authenticate<B>(&self, request: &http::Request<B>) -> Result<VerifiedClaims, Status> {
        let path = request.uri().path();
        let token = bearer_token(request.headers()).map_err(|error| refuse(path, &error))?;
        let now = self.layer.clock.now();
        let claims = self.layer.verifier.verify(token, now).map_err(|error| refuse(path, &error))?;
        tracing::debug!(subject = %claims.subject, path, "authenticated");
        Ok(claims)
    }
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for AuthService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    ResBody: Default,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Self::Response, Self::Error>>, S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        if self.is_exempt(request.uri().path()) {
            return Either::Right(self.inner.call(request));
        }
        match self.authenticate(&request) {
            Ok(claims) => {
                request.extensions_mut().insert(Arc::new(claims));
                Either::Right(self.inner.call(request))
            }
            Err(status) => Either::Left(ready(Ok(status.into_http()))),
        }
    }
}

/// The verified claims the [`AuthLayer`] attached to this request, or `UNAUTHENTICATED` if there
/// are none (an exempt path, or a server built without the layer: fail closed).
pub fn claims<T>(request: &tonic::Request<T>) -> Result<Arc<VerifiedClaims>, Status> {
    request
        .extensions()
        .get::<Arc<VerifiedClaims>>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated(UNAUTHENTICATED_MESSAGE))
}

/// Logs why a request was refused (the reason names no token content) and returns the one
/// uniform refusal every cause gets.
fn refuse(path: &str, reason: &dyn std::fmt::Display) -> Status {
    tracing::warn!(target: "toex::security", event = "authentication_refused", path, reason = %reason, "authentication refused");
    Status::unauthenticated(UNAUTHENTICATED_MESSAGE)
}
