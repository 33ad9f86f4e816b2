//! A project's knowledge base as the admin API and the dashboard see it:
//! files uploaded, websites imported page by page, question/answer pairs,
//! and the project check (key, model, vector stores) (`docs/knowledge.md`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The largest file a site owner may upload (the dashboard shows it).
pub const MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// The most pages one website import fetches, and its default.
pub const MAX_SITE_PAGES: u32 = 500;
/// The page limit of an import that gives none.
pub const DEFAULT_SITE_PAGES: u32 = 100;

/// Where a file of the knowledge base came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KnowledgeSource {
    /// Uploaded in the dashboard.
    Upload,
    /// A page of an imported website.
    Site,
    /// A question/answer pair written in the dashboard.
    Qa,
}

/// Where a file stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KnowledgeStatus {
    /// Being uploaded or processed by the provider.
    Processing,
    /// Searchable by the AI.
    Ready,
    /// Refused; `error` says why.
    Failed,
}

/// A file of the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct KnowledgeFile {
    /// The file's id in aiwidget.
    pub id: Uuid,
    /// The file name (for a page: its address's path).
    pub name: String,
    /// Where it came from.
    pub source: KnowledgeSource,
    /// The page's address, for a page of a website.
    pub url: Option<String>,
    /// The page's title, for a page of a website.
    pub title: Option<String>,
    /// The size of the text sent to the provider, in bytes.
    pub bytes: i64,
    /// Processing, ready or failed.
    pub status: KnowledgeStatus,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// False when aiwidget could not read the file's text (a scanned PDF, say)
    /// and the provider reads the file itself.
    pub extracted: bool,
    /// The website it belongs to, for a page.
    pub site_id: Option<Uuid>,
    /// When it was added or last replaced.
    pub updated_at: DateTime<Utc>,
}

/// How often a website is imported again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SyncSchedule {
    /// Every day.
    Daily,
    /// Every week (the default).
    #[default]
    Weekly,
    /// Only on demand.
    Never,
}

impl SyncSchedule {
    /// Parses a stored schedule; anything unknown is `never`.
    #[must_use]
    pub fn parse(stored: &str) -> Self {
        match stored {
            "daily" => Self::Daily,
            "weekly" => Self::Weekly,
            _ => Self::Never,
        }
    }

    /// The stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Never => "never",
        }
    }
}

/// Where an import of a website stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SiteStatus {
    /// Waiting for its turn.
    Queued,
    /// Pages are being fetched and uploaded.
    Syncing,
    /// The last import finished.
    Ready,
    /// The last import could not run (`error` says why).
    Failed,
}

/// A page that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PageFailure {
    /// The page's address.
    pub url: String,
    /// Why, in words.
    pub reason: String,
}

/// The counts of the running (or last) import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SiteProgress {
    /// Pages found (sitemap entries and links on the site).
    pub found: i32,
    /// Pages fetched.
    pub fetched: i32,
    /// Pages new or changed, uploaded to the provider.
    pub uploaded: i32,
    /// Pages unchanged since the last import, left as they were.
    pub unchanged: i32,
    /// Pages gone from the site, removed.
    pub removed: i32,
    /// Pages that failed.
    pub failed: i32,
}

/// A website imported into the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct KnowledgeSite {
    /// The site's id in aiwidget.
    pub id: Uuid,
    /// The sitemap or start address given.
    pub url: String,
    /// The most pages imported.
    pub max_pages: i32,
    /// How often it is imported again.
    pub schedule: SyncSchedule,
    /// Pages in the knowledge base now.
    pub pages: i64,
    /// When the last import finished.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// When the schedule imports it next.
    pub next_sync_at: Option<DateTime<Utc>>,
    /// Queued, syncing, ready or failed.
    pub status: SiteStatus,
    /// The counts of the running (or last) import.
    pub progress: SiteProgress,
    /// The pages that failed in it (the first few), with reasons.
    pub failures: Vec<PageFailure>,
    /// Why the import could not run, in words.
    pub error: Option<String>,
}

/// A question/answer pair of the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct KnowledgeQa {
    /// The pair's id.
    pub id: Uuid,
    /// The question, as a visitor would ask it.
    pub question: String,
    /// The exact answer.
    pub answer: String,
    /// Where its file stands at the provider.
    pub status: KnowledgeStatus,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// When it was written or last changed.
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/v1/admin/projects/{id}/knowledge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct KnowledgeView {
    /// Every file, newest first: uploads, pages of imported websites and the
    /// files of Q&A pairs (`source` tells which; the pairs themselves are in `qa`).
    pub files: Vec<KnowledgeFile>,
    /// Imported websites.
    pub sites: Vec<KnowledgeSite>,
    /// Question/answer pairs.
    pub qa: Vec<KnowledgeQa>,
    /// The project's own vector store, made at the first addition.
    pub vector_store_id: Option<String>,
    /// The largest upload, in bytes.
    pub max_upload_bytes: u64,
    /// Retrieval by aiwidget (projects on `chat_completions` only): how far
    /// the files are embedded; `null` for projects searched by `file_search`.
    #[serde(default)]
    pub retrieval: Option<RetrievalStatus>,
}

/// How far a knowledge base searched by aiwidget is embedded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RetrievalStatus {
    /// The embedding model chosen on the project; `null`: none yet (nothing
    /// is embedded or searched).
    pub embedding_model: Option<String>,
    /// The model answers search now (the previous one while a new one is
    /// embedding); `null`: none yet.
    pub in_use: Option<String>,
    /// The files that can be searched (not failed).
    pub files: u64,
    /// Those embedded with `embedding_model`.
    pub embedded: u64,
    /// The reason the embedding is held up (no embeddings endpoint, an
    /// unknown model, the budget spent), from a file still to embed.
    pub error: Option<String>,
}

/// `POST …/knowledge/sites`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SiteInput {
    /// A sitemap (`…/sitemap.xml`) or a start page, `http(s)`.
    pub url: String,
    /// The most pages to import, 1 to 500 (default 100).
    #[serde(default)]
    pub max_pages: Option<u32>,
    /// How often to import it again (default weekly).
    #[serde(default)]
    pub schedule: Option<SyncSchedule>,
}

/// `PATCH …/knowledge/sites/{site_id}`: the schedule or the page limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SitePatch {
    /// The most pages to import, 1 to 500.
    #[serde(default)]
    pub max_pages: Option<u32>,
    /// How often to import it again.
    #[serde(default)]
    pub schedule: Option<SyncSchedule>,
}

/// `POST …/knowledge/qa`, and `PATCH` (absent fields keep their value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct QaInput {
    /// The question, 1 to 1,000 characters.
    #[serde(default)]
    pub question: Option<String>,
    /// The answer, 1 to 10,000 characters.
    #[serde(default)]
    pub answer: Option<String>,
}

/// `POST /api/v1/admin/projects/{id}/playground`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlaygroundInput {
    /// The question, as a visitor would ask it.
    pub text: String,
}

/// One finding of the project check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CheckItem {
    /// True when it works.
    pub ok: bool,
    /// The provider's refusal as a stable code (`upstream_invalid_key`, …) when not.
    pub code: Option<String>,
    /// Why not, in words.
    pub reason: Option<String>,
}

/// The check of one vector store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct VectorStoreCheck {
    /// The vector store's id.
    pub id: String,
    /// True for the project's own store (made by aiwidget).
    pub own: bool,
    /// Whether this key can read it.
    #[serde(flatten)]
    pub result: CheckItem,
}

/// `GET /api/v1/admin/projects/{id}/check`: whether the key works, the
/// model answers, and each vector store is readable with this key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ProjectCheck {
    /// The key is accepted by the provider.
    pub key: CheckItem,
    /// The model answers a one-word request.
    pub model: CheckItem,
    /// Each vector store of the project.
    pub vector_stores: Vec<VectorStoreCheck>,
}

/// The playground's first event, `instructions`: what the AI is asked with
/// (the dashboard shows "the instructions in effect").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlaygroundInstructions {
    /// The project's instructions, as sent.
    pub instructions: String,
    /// The model asked.
    pub model: String,
    /// The vector stores searched: the project's own first, then those chosen.
    pub vector_store_ids: Vec<String>,
}

/// The playground's `delta` event: text appended to the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlaygroundDelta {
    /// The text appended.
    pub text: String,
}

/// The playground's last event, `message`: the whole answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlaygroundAnswer {
    /// The answer as a visitor would get it.
    pub text: String,
    /// The knowledge base's citations, pages with their address and title.
    pub sources: Vec<crate::chat::Source>,
    /// The AI's reason when it would hand this visitor to a human.
    pub handoff: Option<String>,
}

/// One event of `POST …/playground`'s stream: `instructions` first, then
/// `delta`s, then one `message`, or one `error` (`{"error", "message"}`)
/// once the stream has begun.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum PlaygroundEvent {
    /// What the AI is asked with.
    Instructions(PlaygroundInstructions),
    /// The chunks aiwidget's own search found for the question and gave the
    /// model (projects on `chat_completions` only), best first.
    Retrieved(PlaygroundRetrieved),
    /// Text appended to the answer.
    Delta(PlaygroundDelta),
    /// The whole answer.
    Message(PlaygroundAnswer),
    /// The provider refused or failed (`upstream_*`), or `internal`.
    Error(crate::error::ErrorBody),
}

/// The `retrieved` event of the playground.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlaygroundRetrieved {
    /// Each chunk with its score, best first; empty when nothing was close enough.
    pub chunks: Vec<RetrievedChunk>,
}

/// One chunk of the knowledge base found for a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RetrievedChunk {
    /// Its file (`knowledge_files` id).
    pub file_id: String,
    /// The file's name (a page's is its address).
    pub name: String,
    /// A page's title or a pair's question.
    pub title: Option<String>,
    /// A page's address.
    pub url: Option<String>,
    /// Its cosine similarity to the question, -1 to 1.
    pub score: f32,
    /// The chunk's text as the model reads it.
    pub text: String,
}

impl PlaygroundEvent {
    /// The SSE event name (`event:`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Instructions(_) => "instructions",
            Self::Retrieved(_) => "retrieved",
            Self::Delta(_) => "delta",
            Self::Message(_) => "message",
            Self::Error(_) => "error",
        }
    }
}
