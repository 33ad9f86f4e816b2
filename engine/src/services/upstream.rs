//! The project's AI provider as the admin API sees it: the HTTP client all
//! provider calls share, and a failed call as `502 upstream_*` (never the
//! provider's raw body, which may echo parts of the key).

use crate::llm::LlmErrorKind;
use contract::AppError;
use std::time::Duration;

/// The HTTP client for providers: connect time-out only, so streamed answers
/// are never cut by a total deadline (listings set their own). Unless
/// `allow_private`, names resolve to public addresses only
/// ([`PublicOnly`](crate::llm::addresses::PublicOnly)).
///
/// # Errors
/// [`AppError::Internal`] if the TLS backend cannot start (logged).
pub fn http_client(allow_private: bool) -> Result<reqwest::Client, AppError> {
    let mut builder = reqwest::Client::builder();
    if !allow_private {
        // No proxy from the environment either: a proxy resolves the name
        // itself, out of reach of the check.
        builder = builder
            .dns_resolver(std::sync::Arc::new(crate::llm::addresses::PublicOnly))
            .no_proxy();
    }
    builder
        .connect_timeout(Duration::from_secs(10))
        // A redirect could lead a project's key and chat to an address its
        // base URL was not allowed to name (private upstreams are refused).
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("aiwidget/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| {
            tracing::error!(error = %err, "cannot build the HTTP client");
            AppError::Internal
        })
}

/// The admin API's error for a provider call that failed with `kind`.
#[must_use]
pub fn error(kind: LlmErrorKind) -> AppError {
    use LlmErrorKind as K;
    let (code, message) = match kind {
        K::RegionRefused => (
            "upstream_region_refused",
            "the provider refuses requests from this server's region: set a proxy as the base URL",
        ),
        K::InvalidKey => ("upstream_invalid_key", "the provider refused the API key"),
        K::Forbidden => (
            "upstream_forbidden",
            "the provider refused access with this key",
        ),
        K::NotFound => (
            "upstream_not_found",
            "the base URL does not look like an OpenAI-compatible API",
        ),
        K::RateLimited | K::QuotaExceeded => (
            "upstream_rate_limited",
            "the provider's rate limit or quota is reached: try again later or check billing",
        ),
        K::Unreachable | K::Timeout => (
            "upstream_unreachable",
            "the provider did not answer: check the base URL, or try again",
        ),
        K::BadResponse | K::StreamCut => (
            "upstream_bad_response",
            "the provider's answer is not what an OpenAI-compatible API sends",
        ),
        K::Unavailable
        | K::BadRequest
        | K::ModelNotFound
        | K::VectorStoreNotFound
        | K::UpstreamError => (
            "upstream_unavailable",
            "the provider failed: try again later",
        ),
    };
    AppError::Upstream {
        code: code.into(),
        message: message.into(),
    }
}
