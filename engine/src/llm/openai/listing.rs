//! Listings of a key's resources, not chat: the models it can use and its
//! vector stores. Refusals map to [`LlmErrorKind`]s the same way as a chat
//! call's (one mapping, in `errors`); the body is read there and dropped.

use super::call::json_answer;
use crate::llm::LlmErrorKind;
use contract::projects::VectorStoreInfo;
use serde::Deserialize;
use std::time::Duration;

/// How long a listing may take in all (these are small, non-streaming answers).
const LISTING_TIMEOUT: Duration = Duration::from_secs(20);

/// The chat models `api_key` can use at `base_url`, sorted by id. On OpenAI
/// itself embeddings, audio, image and moderation models are left out; other
/// providers' lists are kept whole (their names follow no common pattern).
pub(super) async fn models(
    http: &reqwest::Client,
    base_url: &str,
    api_key: &str,
) -> Result<Vec<String>, LlmErrorKind> {
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
    Ok(ids)
}

/// True for OpenAI model ids that answer chat.
fn is_openai_chat_model(id: &str) -> bool {
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
pub(super) async fn vector_stores(
    http: &reqwest::Client,
    base_url: &str,
    api_key: &str,
) -> Result<Vec<VectorStoreInfo>, LlmErrorKind> {
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

/// A listing's answer (a `404` means the base URL is not an API).
async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    api_key: &str,
) -> Result<T, LlmErrorKind> {
    json_answer(http.get(url).timeout(LISTING_TIMEOUT), api_key).await
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
