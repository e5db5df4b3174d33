//! Request bodies: a size limit enforced before and while reading, then strict JSON.
//!
//! A body is refused by its `Content-Length` before a byte is read, and a body without one
//! (chunked) is read only up to the limit: an unauthenticated caller cannot make the Worker
//! buffer more than [`MAX_BODY`].

use crate::error::{ApiError, ApiResult};
use futures_util::StreamExt;
use serde::Deserialize;
use worker::Request;

/// Largest request body read, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// The body's bytes (`422 invalid_request` past [`MAX_BODY`]).
pub async fn bytes(req: &mut Request) -> ApiResult<Vec<u8>> {
    capped(req).await.map_err(refused)
}

fn refused(reason: &'static str) -> ApiError {
    ApiError::InvalidRequest(reason.into())
}

async fn capped(req: &mut Request) -> Result<Vec<u8>, &'static str> {
    const TOO_LARGE: &str = "body too large";
    const UNREADABLE: &str = "unreadable body";
    if let Some(len) = req
        .headers()
        .get("content-length")
        .map_err(|_| UNREADABLE)?
    {
        let len: usize = len.trim().parse().map_err(|_| "invalid content-length")?;
        if len > MAX_BODY {
            return Err(TOO_LARGE);
        }
        // The runtime frames the body by its length: read it whole, no stream reader.
        return req.bytes().await.map_err(|_| UNREADABLE);
    }
    // No body at all (a GET, an empty POST) reads as empty.
    let Ok(mut stream) = req.stream() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| UNREADABLE)?;
        if out.len() + chunk.len() > MAX_BODY {
            return Err(TOO_LARGE);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A request's body, read once before routing (within the limits of [`bytes`]); a body
/// that was refused is that refusal for whichever handler reads it, so the order of checks a
/// caller sees (origin, rate limit, then the body) stays as if each handler read it itself.
pub struct Body(Result<Vec<u8>, &'static str>);

impl Body {
    pub async fn read(req: &mut Request) -> Self {
        Self(capped(req).await)
    }

    pub fn bytes(&self) -> ApiResult<&[u8]> {
        self.0.as_deref().map_err(|r| refused(r))
    }

    /// The body as JSON of type `T`.
    pub fn json<T: for<'de> Deserialize<'de>>(&self) -> ApiResult<T> {
        json(self.bytes()?)
    }

    /// The body as JSON of type `T`, or `T::default()` when it is empty.
    pub fn json_or_default<T: for<'de> Deserialize<'de> + Default>(&self) -> ApiResult<T> {
        let bytes = self.bytes()?;
        if bytes.is_empty() {
            Ok(T::default())
        } else {
            json(bytes)
        }
    }
}

/// A JSON body of type `T`.
pub fn json<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::InvalidRequest(format!("invalid body: {e}")))
}

/// Reads and parses a JSON body.
pub async fn read_json<T: for<'de> Deserialize<'de>>(req: &mut Request) -> ApiResult<T> {
    json(&bytes(req).await?)
}
