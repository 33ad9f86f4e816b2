//! The provider's refusals mapped to [`LlmErrorKind`]s, from the status and the
//! error JSON `{"error":{"message","type","param","code"}}`. The body's text is
//! read here and dropped here: it may echo parts of the key.

use crate::llm::LlmErrorKind;
use serde_json::Value;

/// The fields of an error that decide its kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct ErrorInfo {
    pub message: String,
    pub param: String,
    pub code: String,
}

impl ErrorInfo {
    /// Reads an error answer's body; anything that is not the usual JSON gives empty fields.
    pub(super) fn from_body(body: &[u8]) -> Self {
        serde_json::from_slice::<Value>(body)
            .map(|value| Self::from_error(value.get("error").unwrap_or(&value)))
            .unwrap_or_default()
    }

    /// Reads an error object (`{"message","param","code"}`); a bare string is its message.
    pub(super) fn from_error(error: &Value) -> Self {
        if let Some(message) = error.as_str() {
            return Self {
                message: message.to_owned(),
                ..Self::default()
            };
        }
        let field = |name: &str| match error.get(name) {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(number)) => number.to_string(),
            _ => String::new(),
        };
        Self {
            message: field("message"),
            param: field("param"),
            code: field("code"),
        }
    }

    /// True if the message or the param names `word` (case-insensitive).
    pub(super) fn mentions(&self, word: &str) -> bool {
        self.message.to_lowercase().contains(word) || self.param.to_lowercase().contains(word)
    }

    fn says_model_is_missing(&self) -> bool {
        let message = self.message.to_lowercase();
        message.contains("model")
            && ["does not exist", "not found", "not exist"]
                .iter()
                .any(|phrase| message.contains(phrase))
    }
}

/// The kind of a refused request, from its status and error.
pub(super) fn status_kind(status: u16, error: &ErrorInfo) -> LlmErrorKind {
    let client_error = (400..500).contains(&status) && status != 429;
    if status == 401 {
        LlmErrorKind::InvalidKey
    } else if status == 403 && error.code == "unsupported_country_region_territory" {
        LlmErrorKind::RegionRefused
    } else if error.code == "model_not_found"
        || (matches!(status, 400 | 404) && error.says_model_is_missing())
    {
        LlmErrorKind::ModelNotFound
    } else if status == 403 {
        LlmErrorKind::Forbidden
    } else if client_error && (error.mentions("vector store") || error.mentions("vector_store")) {
        LlmErrorKind::VectorStoreNotFound
    } else if status == 429 && error.code == "insufficient_quota" {
        LlmErrorKind::QuotaExceeded
    } else if status == 429 {
        LlmErrorKind::RateLimited
    } else if status >= 500 {
        LlmErrorKind::Unavailable
    } else {
        LlmErrorKind::BadRequest
    }
}

/// The kind of an error reported inside the stream (`error`, `response.failed`,
/// a chat chunk `{"error":…}`).
pub(super) fn stream_kind(error: &ErrorInfo) -> LlmErrorKind {
    match error.code.as_str() {
        "rate_limit_exceeded" => LlmErrorKind::RateLimited,
        "insufficient_quota" => LlmErrorKind::QuotaExceeded,
        _ => LlmErrorKind::UpstreamError,
    }
}

/// True for answers worth another try: 429 and 5xx.
pub(super) fn is_retryable(status: u16) -> bool {
    status == 429 || status >= 500
}

#[cfg(test)]
mod tests {
    use super::*;
    use LlmErrorKind::*;

    /// Each status and error body maps to the kind the operator sees.
    #[test]
    fn maps_statuses_and_codes_to_kinds() {
        let cases: [(u16, &str, LlmErrorKind, &str); 14] = [
            (
                401,
                r#"{"error":{"message":"Incorrect API key provided: sk-abc***","code":"invalid_api_key"}}"#,
                InvalidKey,
                "bad key",
            ),
            (
                403,
                r#"{"error":{"code":"unsupported_country_region_territory","message":"Country, region, or territory not supported"}}"#,
                RegionRefused,
                "region",
            ),
            (
                403,
                r#"{"error":{"message":"You are not allowed to sample from this model","code":null}}"#,
                Forbidden,
                "other 403",
            ),
            (
                404,
                r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","code":"model_not_found"}}"#,
                ModelNotFound,
                "model code",
            ),
            (
                400,
                r#"{"error":{"message":"The model `gpt-9` does not exist","code":null}}"#,
                ModelNotFound,
                "model message on 400",
            ),
            (
                404,
                r#"{"error":{"message":"model 'llama9' not found"}}"#,
                ModelNotFound,
                "compatible provider's wording",
            ),
            (
                400,
                r#"{"error":{"message":"Vector store with id 'vs_1' not found.","param":"tools[0].vector_store_ids","code":null}}"#,
                VectorStoreNotFound,
                "vector store message",
            ),
            (
                404,
                r#"{"error":{"message":"No such thing","param":"vector_store_ids"}}"#,
                VectorStoreNotFound,
                "vector store param",
            ),
            (
                429,
                r#"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#,
                RateLimited,
                "429",
            ),
            (
                500,
                r#"{"error":{"message":"The server had an error"}}"#,
                Unavailable,
                "500",
            ),
            (
                503,
                "<html>Service Unavailable</html>",
                Unavailable,
                "non-JSON 503",
            ),
            (
                400,
                r#"{"error":{"message":"Unknown parameter: 'foo'","param":"foo"}}"#,
                BadRequest,
                "other 400",
            ),
            (422, "not json", BadRequest, "non-JSON 422"),
            (
                404,
                r#"{"error":"Not Found"}"#,
                BadRequest,
                "a bare error string without a model",
            ),
        ];
        for (status, body, expected, case) in cases {
            let info = ErrorInfo::from_body(body.as_bytes());
            assert_eq!(status_kind(status, &info), expected, "{case}");
        }
    }

    /// Errors inside the stream are upstream errors, except rate limits.
    #[test]
    fn maps_stream_error_codes() {
        let rate = ErrorInfo {
            code: "rate_limit_exceeded".into(),
            ..ErrorInfo::default()
        };
        assert_eq!(stream_kind(&rate), RateLimited);
        assert_eq!(stream_kind(&ErrorInfo::default()), UpstreamError);
    }
}
