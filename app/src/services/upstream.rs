//! Calls to a project's AI provider that are not chat: which models and which
//! vector stores its key can use. Failures map to `502 upstream_*` codes, never
//! the provider's raw body (which may echo parts of the key).

use crate::AppError;
use crate::projects::{ModelInfo, VectorStoreInfo};
use serde::Deserialize;
use std::time::Duration;

/// How long a listing may take in all (these are small, non-streaming answers).
const LISTING_TIMEOUT: Duration = Duration::from_secs(20);

/// The HTTP client for providers: connect time-out only, so streamed answers
/// are never cut by a total deadline (listings set their own).
///
/// # Errors
/// [`AppError::Internal`] if the TLS backend cannot start (logged).
pub fn http_client() -> Result<reqwest::Client, AppError> {
    reqwest::Client::builder()
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

/// The chat models `api_key` can use at `base_url`, sorted by id. On OpenAI
/// itself embeddings, audio, image and moderation models are left out; other
/// providers' lists are kept whole (their names follow no common pattern).
///
/// # Errors
/// `502 upstream_*` when the provider refuses or fails.
pub async fn list_models(
    http: &reqwest::Client,
    base_url: &str,
    api_key: &str,
) -> Result<Vec<ModelInfo>, AppError> {
    #[derive(Deserialize)]
    struct Listing {
        data: Vec<Model>,
    }
    #[derive(Deserialize)]
    struct Model {
        id: String,
    }
    let listing: Listing = get_json(http, &format!("{base_url}/models"), api_key).await?;
    let openai = base_url.starts_with("https://api.openai.com/");
    let mut ids: Vec<String> = listing
        .data
        .into_iter()
        .map(|model| model.id)
        .filter(|id| !openai || is_openai_chat_model(id))
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids.into_iter().map(|id| ModelInfo { id }).collect())
}

/// True for OpenAI model ids that answer chat.
pub fn is_openai_chat_model(id: &str) -> bool {
    const CHAT: [&str; 5] = ["gpt-", "o1", "o3", "o4", "chatgpt-"];
    const NOT_CHAT: [&str; 8] = [
        "embedding",
        "whisper",
        "tts",
        "dall-e",
        "moderation",
        "audio",
        "realtime",
        "image",
    ];
    CHAT.iter().any(|prefix| id.starts_with(prefix))
        && !NOT_CHAT.iter().any(|word| id.contains(word))
        && !id.contains("transcribe")
}

/// The vector stores of `api_key` at `base_url`, newest first, as the provider lists them.
///
/// # Errors
/// `502 upstream_*` when the provider refuses or fails.
pub async fn list_vector_stores(
    http: &reqwest::Client,
    base_url: &str,
    api_key: &str,
) -> Result<Vec<VectorStoreInfo>, AppError> {
    #[derive(Deserialize)]
    struct Listing {
        data: Vec<Store>,
    }
    #[derive(Deserialize)]
    struct Store {
        id: String,
        name: Option<String>,
        status: Option<String>,
        file_counts: Option<FileCounts>,
    }
    #[derive(Deserialize)]
    struct FileCounts {
        completed: Option<i64>,
    }
    let url = format!("{base_url}/vector_stores?limit=100");
    let listing: Listing = get_json(http, &url, api_key).await?;
    Ok(listing
        .data
        .into_iter()
        .map(|store| VectorStoreInfo {
            id: store.id,
            name: store.name,
            file_count: store.file_counts.and_then(|counts| counts.completed),
            status: store.status,
        })
        .collect())
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    api_key: &str,
) -> Result<T, AppError> {
    let response = http
        .get(url)
        .bearer_auth(api_key)
        .timeout(LISTING_TIMEOUT)
        .send()
        .await
        .map_err(|err| {
            tracing::warn!(error = %err.without_url(), "provider unreachable");
            upstream(
                "upstream_unreachable",
                "the provider did not answer: check the base URL, or try again",
            )
        })?;
    let status = response.status();
    if !status.is_success() {
        let code = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|body| body["error"]["code"].as_str().map(str::to_owned));
        return Err(map_status(status.as_u16(), code.as_deref()));
    }
    response.json().await.map_err(|_| {
        upstream(
            "upstream_bad_response",
            "the provider's answer is not what an OpenAI-compatible API sends",
        )
    })
}

/// The error for a provider's non-success status and its error code.
pub fn map_status(status: u16, code: Option<&str>) -> AppError {
    match (status, code) {
        (403, Some("unsupported_country_region_territory")) => upstream(
            "upstream_region_refused",
            "the provider refuses requests from this server's region: set a proxy as the base URL",
        ),
        (401, _) => upstream("upstream_invalid_key", "the provider refused the API key"),
        (403, _) => upstream(
            "upstream_forbidden",
            "the provider refused access with this key",
        ),
        (404, _) => upstream(
            "upstream_not_found",
            "the base URL does not look like an OpenAI-compatible API",
        ),
        (429, _) => upstream(
            "upstream_rate_limited",
            "the provider's rate limit or quota is reached: try again later or check billing",
        ),
        _ => upstream(
            "upstream_unavailable",
            "the provider failed: try again later",
        ),
    }
}

fn upstream(code: &str, message: &str) -> AppError {
    AppError::Upstream {
        code: code.into(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_openai_chat_model;

    #[test]
    fn only_chat_models_are_suggested_on_openai() {
        for id in [
            "gpt-4.1-mini",
            "gpt-4o",
            "o4-mini",
            "o3",
            "chatgpt-4o-latest",
            "gpt-5",
        ] {
            assert!(is_openai_chat_model(id), "{id}");
        }
        for id in [
            "text-embedding-3-small",
            "whisper-1",
            "tts-1",
            "dall-e-3",
            "omni-moderation-latest",
            "gpt-4o-audio-preview",
            "gpt-4o-realtime-preview",
            "gpt-image-1",
            "gpt-4o-transcribe",
        ] {
            assert!(!is_openai_chat_model(id), "{id}");
        }
    }
}
