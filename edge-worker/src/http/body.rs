//! Request bodies: a size limit, then strict JSON.

use crate::error::{ApiError, ApiResult};
use serde::Deserialize;
use worker::Request;

/// Largest request body read, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// The body's bytes (`422 invalid_request` past [`MAX_BODY`]).
pub async fn bytes(req: &mut Request) -> ApiResult<Vec<u8>> {
    let bytes = req
        .bytes()
        .await
        .map_err(|_| ApiError::InvalidRequest("unreadable body".into()))?;
    if bytes.len() > MAX_BODY {
        return Err(ApiError::InvalidRequest("body too large".into()));
    }
    Ok(bytes)
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
