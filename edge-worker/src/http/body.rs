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

fn too_large() -> ApiError {
    ApiError::InvalidRequest("body too large".into())
}

/// The body's bytes (`422 invalid_request` past [`MAX_BODY`]).
pub async fn bytes(req: &mut Request) -> ApiResult<Vec<u8>> {
    if let Some(len) = req.headers().get("content-length")? {
        let len: usize = len
            .trim()
            .parse()
            .map_err(|_| ApiError::InvalidRequest("invalid content-length".into()))?;
        if len > MAX_BODY {
            return Err(too_large());
        }
    }
    // No body at all (a GET, an empty POST) reads as empty.
    let Ok(mut stream) = req.stream() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::InvalidRequest("unreadable body".into()))?;
        if out.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
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
