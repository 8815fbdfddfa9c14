//! Reads the bearer token from an `authorization` header value (RFC 6750 §2.1). The scheme is
//! matched case-insensitively, as RFC 9110 §11.1 requires, followed by exactly one space and a
//! non-empty token; anything else (`Basic ...`, a bare token, stray spaces) is refused
//! (threat catalogue item 16).

use http::HeaderMap;
use http::header::AUTHORIZATION;

const BEARER_SCHEME: &str = "Bearer";

/// Why no bearer token could be read. Never carries header text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    /// No `authorization` header.
    #[error("no authorization header")]
    Missing,
    /// More than one `authorization` header.
    #[error("more than one authorization header")]
    Repeated,
    /// The header is not visible ASCII.
    #[error("authorization header is not visible ASCII")]
    NotAscii,
    /// The scheme is not `Bearer`.
    #[error("authorization scheme is not Bearer")]
    WrongScheme,
    /// `Bearer` with no token, or with extra whitespace.
    #[error("bearer token is empty or badly spaced")]
    BadlyFormed,
}

/// The bearer token from the single `authorization` header in `headers`.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, BearerError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let value = values.next().ok_or(BearerError::Missing)?;
    if values.next().is_some() {
        return Err(BearerError::Repeated);
    }
    let text = value.to_str().map_err(|_| BearerError::NotAscii)?;
    let Some((scheme, token)) = text.split_once(' ') else {
        return Err(if text.eq_ignore_ascii_case(BEARER_SCHEME) {
            BearerError::BadlyFormed
        } else {
            BearerError::WrongScheme
        });
    };
    if !scheme.eq_ignore_ascii_case(BEARER_SCHEME) {
        return Err(BearerError::WrongScheme);
    }
    if token.is_empty() || token.contains(|character: char| character.is_ascii_whitespace()) {
        return Err(BearerError::BadlyFormed);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            if let Ok(header) = HeaderValue::from_str(value) {
                map.append(AUTHORIZATION, header);
            }
        }
        map
    }

    #[test]
    fn bearer_header_table() {
        let cases: Vec<(Vec<&str>, Result<&str, BearerError>)> = vec![
            (vec!["Bearer abc.def.ghi"], Ok("abc.def.ghi")),
            (vec!["bearer abc.def.ghi"], Ok("abc.def.ghi")),
            (vec![], Err(BearerError::Missing)),
            (vec!["Basic dXNlcjpwYXNz"], Err(BearerError::WrongScheme)),
            (vec!["abc.def.ghi"], Err(BearerError::WrongScheme)),
            (vec!["Bearer"], Err(BearerError::BadlyFormed)),
            (vec!["Bearer "], Err(BearerError::BadlyFormed)),
            (vec!["Bearer  abc"], Err(BearerError::BadlyFormed)),
            (vec!["Bearer abc def"], Err(BearerError::BadlyFormed)),
            (vec!["Bearer a", "Bearer b"], Err(BearerError::Repeated)),
        ];
        for (values, expected) in cases {
            let map = headers(&values);
            assert_eq!(bearer_token(&map), expected, "headers {values:?}");
        }
    }

    #[test]
    fn non_ascii_header_is_refused() {
        let mut map = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(b"Bearer \xff\xfe") {
            map.insert(AUTHORIZATION, value);
        }
        assert_eq!(bearer_token(&map), Err(BearerError::NotAscii));
    }
}

/// A client-side interceptor that sends `authorization: Bearer <token>` with every call. Its
/// `Debug` never shows the token.
#[derive(Clone)]
pub struct BearerInterceptor {
    value: tonic::metadata::MetadataValue<tonic::metadata::Ascii>,
}

impl std::fmt::Debug for BearerInterceptor {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("BearerInterceptor").finish_non_exhaustive()
    }
}

impl BearerInterceptor {
    /// An interceptor sending `token`; refuses a token that cannot be a header value.
    pub fn new(token: &str) -> Result<Self, BearerError> {
        let value = format!("{BEARER_SCHEME} {}", token.trim()).parse().map_err(|_| BearerError::NotAscii)?;
        Ok(Self { value })
    }
}

impl tonic::service::Interceptor for BearerInterceptor {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        request.metadata_mut().insert(AUTHORIZATION.as_str(), self.value.clone());
        Ok(request)
    }
}
