//! The AI call: one streaming request to a project's provider, in the
//! `responses` or `chat_completions` style, behind [`LlmProvider`] so that the
//! relay does not care which (and tests swap the upstream URL, not the code).
//!
//! # Layout
//! - this file: the request, the events, the errors and the trait.
//! - `openai`: [`OpenAiProvider`], the one implementation (both styles), with
//!   connect / first-byte / idle time-outs and bounded retries before the first token.
//! - [`addresses`]: which addresses a provider may be reached at (no private
//!   ones in production), checked on the resolved addresses.

pub mod addresses;
mod openai;

pub use openai::OpenAiProvider;

use contract::chat::Source;
use contract::projects::ApiStyle;
use contract::projects::VectorStoreInfo;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use std::fmt;
use std::time::Duration;

/// One AI call, with everything the provider needs.
#[derive(Clone)]
pub struct LlmRequest {
    /// `https://api.openai.com/v1` or a compatible base, without a trailing slash.
    pub base_url: String,
    /// The project's key. Never logged (see the `Debug` impl).
    pub api_key: String,
    /// `responses` or `chat_completions`: the endpoint and the body's shape.
    pub style: ApiStyle,
    /// The model, as the project names it.
    pub model: String,
    /// System instructions; empty for none.
    pub instructions: String,
    /// The conversation, oldest first, already cut to the token budget.
    pub turns: Vec<Turn>,
    /// The knowledge base: a `file_search` tool in the `responses` style (ignored otherwise).
    pub vector_store_ids: Vec<String>,
    /// Whether the model may hand the conversation to a human (the
    /// [`HANDOFF_TOOL`] function tool, in both styles).
    pub handoff_tool: bool,
    /// The most tokens the answer may use (`max_output_tokens` in the
    /// `responses` style, `max_tokens` in `chat_completions`); `None`: the
    /// provider's own limit.
    pub max_output_tokens: Option<u32>,
}

/// The function tool the AI calls to hand the conversation to a human.
pub const HANDOFF_TOOL: &str = "handoff_to_human";

/// What the model is told the tool is for.
pub const HANDOFF_TOOL_DESCRIPTION: &str = "Hand the conversation to a human operator. Use it \
    when you cannot help with the request, or when the visitor insists on talking to a person. \
    Tell the visitor briefly that a human will join.";

/// The tool's JSON Schema: one short reason, shown to the operator.
#[must_use]
pub fn handoff_parameters() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "reason": {
                "type": "string",
                "description": "Why a human is needed, in a few words, for the operator."
            }
        },
        "required": ["reason"],
        "additionalProperties": false
    })
}

/// The reason in a `handoff_to_human` call's JSON arguments (a fixed text
/// when the model sent none or malformed ones), cut to 500 characters.
#[must_use]
pub fn handoff_reason(arguments: &str) -> String {
    let reason = serde_json::from_str::<serde_json::Value>(arguments)
        .ok()
        .and_then(|value| value["reason"].as_str().map(str::trim).map(str::to_owned))
        .filter(|reason| !reason.is_empty())
        .unwrap_or_else(|| "the AI asked for a human".to_owned());
    reason.chars().take(500).collect()
}

impl fmt::Debug for LlmRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmRequest")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("style", &self.style)
            .field("model", &self.model)
            .field("turns", &self.turns.len())
            .field("vector_store_ids", &self.vector_store_ids)
            .field("handoff_tool", &self.handoff_tool)
            .field("max_output_tokens", &self.max_output_tokens)
            .finish()
    }
}

/// One turn of the conversation as the model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// Who said it, to the model.
    pub role: TurnRole,
    /// What was said (an operator's turn starts with a mark that a human wrote it).
    pub text: String,
}

/// `user` or `assistant` (operator turns are assistant turns marked as human in their text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnRole {
    /// The visitor.
    User,
    /// The AI, or an operator.
    Assistant,
}

/// Token counts of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Tokens of the request (instructions and history).
    pub input_tokens: i64,
    /// Tokens of the answer.
    pub output_tokens: i64,
    /// True when the provider sent no usage and these were estimated from the text.
    pub estimated: bool,
}

/// What a stream yields: deltas, then exactly one `Completed` (or one error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmEvent {
    /// Text appended to the answer.
    Delta(String),
    /// The answer is complete.
    Completed {
        /// The whole answer.
        text: String,
        /// The citations of the knowledge base (`file_search`), in order.
        sources: Vec<Source>,
        /// What the call cost.
        usage: Usage,
        /// The reason, when the model called [`HANDOFF_TOOL`].
        handoff: Option<String>,
    },
}

/// How a call failed, mapped from the provider's status, code or stream; the
/// raw body is never kept (it may echo parts of the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmErrorKind {
    /// 401: the key was refused.
    InvalidKey,
    /// 403 other than a region refusal: the key may not use this.
    Forbidden,
    /// The model does not exist for this key.
    ModelNotFound,
    /// A vector store of the project does not exist for this key.
    VectorStoreNotFound,
    /// 403 `unsupported_country_region_territory`: a proxy is needed.
    RegionRefused,
    /// 429 after the bounded retries (or a wait longer than we retry for);
    /// also an in-stream `rate_limit_exceeded`.
    RateLimited,
    /// 429 `insufficient_quota`: the account's billing is spent (never retried).
    QuotaExceeded,
    /// 5xx after the bounded retries.
    Unavailable,
    /// Another 4xx: the provider did not accept the request.
    BadRequest,
    /// A listing (models, vector stores) answered 404: the base URL is not an
    /// OpenAI-compatible API. (A chat call's 404 stays [`Self::BadRequest`]
    /// unless it names the model or a vector store.)
    NotFound,
    /// An answer that is not what an OpenAI-compatible API sends.
    BadResponse,
    /// The connection could not be made.
    Unreachable,
    /// No first byte, or no next chunk, in time.
    Timeout,
    /// The stream ended before the answer was complete.
    StreamCut,
    /// The provider reported an error inside the stream (`error`, `response.failed`).
    UpstreamError,
}

impl LlmErrorKind {
    /// The stable code stored as the message's `error_kind`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidKey => "invalid_api_key",
            Self::Forbidden => "forbidden",
            Self::ModelNotFound => "model_not_found",
            Self::VectorStoreNotFound => "vector_store_not_found",
            Self::RegionRefused => "region_refused",
            Self::RateLimited => "rate_limited",
            Self::QuotaExceeded => "quota_exceeded",
            Self::Unavailable => "upstream_unavailable",
            Self::BadRequest => "bad_request",
            Self::NotFound => "not_found",
            Self::BadResponse => "bad_response",
            Self::Unreachable => "unreachable",
            Self::Timeout => "timeout",
            Self::StreamCut => "stream_cut",
            Self::UpstreamError => "upstream_error",
        }
    }
}

/// A failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the AI call failed: {}", kind.code())]
pub struct LlmError {
    /// How it failed.
    pub kind: LlmErrorKind,
}

impl From<LlmErrorKind> for LlmError {
    fn from(kind: LlmErrorKind) -> Self {
        Self { kind }
    }
}

/// Time-outs and retries of AI calls. Never one total deadline: long answers are fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPolicy {
    /// From sending the request to the first event of the stream.
    pub first_byte: Duration,
    /// Between two chunks of the stream.
    pub idle: Duration,
    /// Retries on 429/5xx before the first token.
    pub max_retries: u32,
    /// A `retry-after` longer than this is not waited for: the call fails as rate limited.
    pub max_retry_wait: Duration,
    /// Whether a base URL may be a private IP literal (`ALLOW_PRIVATE_UPSTREAMS`
    /// or development); names are checked by the client's resolver
    /// ([`addresses::PublicOnly`]).
    pub allow_private: bool,
}

impl Default for CallPolicy {
    fn default() -> Self {
        Self {
            first_byte: Duration::from_secs(60),
            idle: Duration::from_secs(30),
            max_retries: 2,
            max_retry_wait: Duration::from_secs(10),
            allow_private: false,
        }
    }
}

/// A project's AI provider: answers a conversation, streamed, and lists what
/// a key can use (the dashboard suggests from these lists).
pub trait LlmProvider: Send + Sync {
    /// Starts the call. The stream yields [`LlmEvent::Delta`]s then one
    /// [`LlmEvent::Completed`], or ends with one error. Dropping the stream
    /// drops the upstream request.
    fn stream(&self, request: LlmRequest) -> BoxStream<'static, Result<LlmEvent, LlmError>>;

    /// The ids of the chat models `api_key` can use at `base_url`, sorted.
    fn list_models<'a>(
        &'a self,
        base_url: &'a str,
        api_key: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, LlmError>>;

    /// The vector stores of `api_key` at `base_url`, as the provider lists them.
    fn list_vector_stores<'a>(
        &'a self,
        base_url: &'a str,
        api_key: &'a str,
    ) -> BoxFuture<'a, Result<Vec<VectorStoreInfo>, LlmError>>;

    /// Uploads `bytes` as `filename` for vector stores; the file's id.
    fn upload_file<'a>(
        &'a self,
        account: Account<'a>,
        filename: &'a str,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<String, LlmError>>;

    /// Makes a vector store named `name`; its id.
    fn create_vector_store<'a>(
        &'a self,
        account: Account<'a>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<String, LlmError>>;

    /// Attaches an uploaded file to a vector store with `attributes` (at
    /// most 16; strings up to 512 characters, numbers or booleans).
    fn attach_file<'a>(
        &'a self,
        account: Account<'a>,
        store_id: &'a str,
        file_id: &'a str,
        attributes: &'a serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'a, Result<StoreFileStatus, LlmError>>;

    /// Where a file of a vector store stands.
    fn store_file_status<'a>(
        &'a self,
        account: Account<'a>,
        store_id: &'a str,
        file_id: &'a str,
    ) -> BoxFuture<'a, Result<StoreFileStatus, LlmError>>;

    /// Reads the vector store `id` with this key (`GET /vector_stores/{id}`):
    /// [`LlmErrorKind::VectorStoreNotFound`] when the key cannot see it (it
    /// belongs to another organisation or project, or it is gone).
    fn read_vector_store<'a>(
        &'a self,
        account: Account<'a>,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), LlmError>>;

    /// Deletes what aiwidget put at the provider (it bills storage by the
    /// day); what is already gone counts as deleted.
    fn delete<'a>(
        &'a self,
        account: Account<'a>,
        what: Stored<'a>,
    ) -> BoxFuture<'a, Result<(), LlmError>>;

    /// The vectors of `inputs` with the embedding model `model`
    /// (`POST /embeddings`), in order; [`LlmErrorKind::NotFound`] when the
    /// provider has no embeddings endpoint.
    fn embed<'a>(
        &'a self,
        account: Account<'a>,
        model: &'a str,
        inputs: &'a [String],
    ) -> BoxFuture<'a, Result<Embeddings, LlmError>>;
}

/// What an embeddings call gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// One vector per input, in the inputs' order, all of one length.
    pub vectors: Vec<Vec<f32>>,
    /// The tokens the provider counted (`None`: it reported none).
    pub tokens: Option<i64>,
}

/// Where and as whom a provider is called: a project's base URL and key.
#[derive(Clone, Copy)]
pub struct Account<'a> {
    /// `https://api.openai.com/v1` or a compatible base, without a trailing slash.
    pub base_url: &'a str,
    /// The project's key. Never logged (see the `Debug` impl).
    pub api_key: &'a str,
}

impl fmt::Debug for Account<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// Something aiwidget stored at the provider, to delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored<'a> {
    /// An uploaded file (it leaves every vector store too).
    File(&'a str),
    /// A file's place in a vector store (the file itself stays).
    StoreFile {
        /// The vector store.
        store_id: &'a str,
        /// The file.
        file_id: &'a str,
    },
    /// A vector store.
    VectorStore(&'a str),
}

impl<'a> Stored<'a> {
    /// What an API path made by [`Self::path`] names.
    #[must_use]
    pub fn parse(path: &'a str) -> Option<Self> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let plain = |id: &str| !id.is_empty() && !id.contains(['?', '#', '.']);
        match parts.as_slice() {
            ["files", id] if plain(id) => Some(Self::File(id)),
            ["vector_stores", id] if plain(id) => Some(Self::VectorStore(id)),
            ["vector_stores", store_id, "files", file_id] if plain(store_id) && plain(file_id) => {
                Some(Self::StoreFile { store_id, file_id })
            }
            _ => None,
        }
    }

    /// The API path that names it, after the base URL.
    #[must_use]
    pub fn path(self) -> String {
        match self {
            Self::File(id) => format!("/files/{id}"),
            Self::StoreFile { store_id, file_id } => {
                format!("/vector_stores/{store_id}/files/{file_id}")
            }
            Self::VectorStore(id) => format!("/vector_stores/{id}"),
        }
    }
}

/// How a file of a vector store stands at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreFileStatus {
    /// Being parsed, chunked and embedded.
    InProgress,
    /// Ready for `file_search`.
    Completed,
    /// The provider could not use it, with its reason.
    Failed {
        /// `server_error`, `unsupported_file`, `invalid_file`, …
        code: String,
        /// The provider's words.
        message: String,
    },
    /// Processing was cancelled.
    Cancelled,
}

#[cfg(test)]
mod tests {
    use super::handoff_reason;

    #[test]
    fn a_handoff_reason_is_read_trimmed_and_cut_or_defaulted() {
        assert_eq!(handoff_reason(r#"{"reason":"  refund  "}"#), "refund");
        assert_eq!(handoff_reason("not json"), "the AI asked for a human");
        assert_eq!(
            handoff_reason(r#"{"reason":""}"#),
            "the AI asked for a human"
        );
        let long = format!(r#"{{"reason":"{}"}}"#, "я".repeat(600));
        assert_eq!(handoff_reason(&long).chars().count(), 500);
    }
}
