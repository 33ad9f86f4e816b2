//! One non-streaming call to the provider (listings, files, vector stores):
//! sent with the key, its JSON answer read, its refusal mapped.

use super::errors::{ErrorInfo, status_kind};
use crate::llm::LlmErrorKind;
use serde::de::DeserializeOwned;

/// Sends `request` (its time-out set by the caller) with `api_key` and reads
/// its JSON answer. A `404` is [`LlmErrorKind::NotFound`] (a listing's base
/// URL is not an API; a store or file is gone); any other refusal is mapped
/// as a chat call's, and the body is dropped here.
pub(super) async fn json_answer<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    api_key: &str,
) -> Result<T, LlmErrorKind> {
    let response = request.bearer_auth(api_key).send().await.map_err(|err| {
        let kind = if err.is_timeout() {
            LlmErrorKind::Timeout
        } else {
            LlmErrorKind::Unreachable
        };
        tracing::warn!(error = %err.without_url(), "provider unreachable");
        kind
    })?;
    let status = response.status().as_u16();
    if status == 404 {
        return Err(LlmErrorKind::NotFound);
    }
    if !(200..300).contains(&status) {
        let body = response.bytes().await.unwrap_or_default();
        return Err(status_kind(status, &ErrorInfo::from_body(&body)));
    }
    response.json().await.map_err(|_| LlmErrorKind::BadResponse)
}
