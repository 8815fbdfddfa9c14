//! Splits a compact JWS (`header.payload.signature`) and decodes its parts strictly, before any key
//! is looked up: a size limit first, exactly three segments, unpadded base64url, UTF-8, and JSON
//! objects without duplicate keys (threat catalogue items 14 and 15). Nothing here trusts the
//! content; it only makes it safe to inspect.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::strict_json::parse_without_duplicate_keys;

/// The part of a token a defect was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// The JOSE header.
    Header,
    /// The claims.
    Payload,
    /// The signature.
    Signature,
}

impl std::fmt::Display for Segment {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// Why a token's shape was refused. Never carries token text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedToken {
    /// Longer than the limit; refused before any decoding.
    #[error("token longer than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Empty token.
    #[error("empty token")]
    Empty,
    /// Not exactly three `.`-separated segments.
    #[error("token does not have exactly three segments")]
    SegmentCount,
    /// A segment is not unpadded base64url.
    #[error("{0} is not base64url")]
    Base64(Segment),
    /// A decoded segment is not UTF-8.
    #[error("{0} is not UTF-8")]
    NotUtf8(Segment),
    /// A decoded segment is not a JSON object without duplicate keys.
    #[error("{0} is not a JSON object without duplicate keys")]
    NotJsonObject(Segment),
}

/// A token split and decoded, not yet verified.
#[derive(Debug)]
pub struct DecodedJws<'token> {
    /// The JOSE header as a JSON object.
    pub header: Map<String, Value>,
    /// The claims as a JSON object.
    pub payload: Map<String, Value>,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'token str,
    /// The base64url signature segment.
    pub signature: &'token str,
}

/// Splits and decodes `token`, refusing anything longer than `max_bytes`.
pub fn decode_compact_jws(token: &str, max_bytes: usize) -> Result<DecodedJws<'_>, MalformedToken> {
    if token.len() > max_bytes {
        return Err(MalformedToken::TooLarge { limit: max_bytes });
    }
    if token.is_empty() {
        return Err(MalformedToken::Empty);
    }
    let segments: Vec<&str> = token.split('.').collect();
    let [header_text, payload_text, signature] = segments.as_slice() else {
        return Err(MalformedToken::SegmentCount);
    };
    let header = decode_json_object(header_text, Segment::Header)?;
    let payload = decode_json_object(payload_text, Segment::Payload)?;
    URL_SAFE_NO_PAD.decode(signature).map_err(|_| MalformedToken::Base64(Segment::Signature))?;
    let signing_input_length = header_text.len() + 1 + payload_text.len();
    Ok(DecodedJws { header, payload, signing_input: &token[..signing_input_length], signature })
}

fn decode_json_object(encoded: &str, segment: Segment) -> Result<Map<String, Value>, MalformedToken> {
    let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| MalformedToken::Base64(segment))?;
    let text = String::from_utf8(bytes).map_err(|_| MalformedToken::NotUtf8(segment))?;
    match parse_without_duplicate_keys(&text) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(MalformedToken::NotJsonObject(segment)),
    }
}
