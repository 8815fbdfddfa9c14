//! Load shedding at the edge: while every in-flight slot is taken, a data call is refused with
//! `UNAVAILABLE` and a retry hint as soon as its HTTP/2 headers arrive: before its token is
//! verified, its body decoded or anything planned, so that an overloaded hub spends
//! microseconds, not milliseconds, on each call it cannot serve. The handler still takes the
//! real slot (this check is only the cheap early answer); health checks are never shed.

use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::{Either, Ready, ready};
use toex_security::GRPC_HEALTH_PATH_PREFIX;
use tower::{Layer, Service};

use crate::error::HubError;
use crate::query::Hub;

/// A tower layer shedding data calls while the hub is at its in-flight limit.
#[derive(Clone)]
pub struct ShedLayer {
    hub: Arc<Hub>,
}

impl ShedLayer {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

impl<S> Layer<S> for ShedLayer {
    type Service = ShedService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ShedService { inner, hub: Arc::clone(&self.hub) }
    }
}

/// The service produced by [`ShedLayer`].
#[derive(Clone)]
pub struct ShedService<S> {
    inner: S,
    hub: Arc<Hub>,
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for ShedService<S>
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

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let admission = self.hub.admission();
        if admission.is_full() && !request.uri().path().starts_with(GRPC_HEALTH_PATH_PREFIX) {
            let status = tonic::Status::from(admission.shed());
            return Either::Left(ready(Ok(status.into_http())));
        }
        Either::Right(self.inner.call(request))
    }
}

/// The refusal a shed call gets (also what the handler answers when it loses the race).
pub fn overloaded(max_in_flight: usize) -> HubError {
    HubError::Overloaded(format!("the hub is at its limit of {max_in_flight} requests in flight; retry shortly"))
}
