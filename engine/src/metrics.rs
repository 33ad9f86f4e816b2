//! What the engine counts for `GET /metrics`, through the `metrics` facade:
//! cheap calls that do nothing until the server installs a recorder (unit
//! tests and the CLI commands install none).
//!
//! Every name the server exports is here, so the list is in one place; the
//! server adds the HTTP and pool metrics, describes them all and renders them
//! (`server::metrics`).

use crate::llm::Usage;
use contract::chat::MessageRole;

/// Counter `{route,method,status}`: answered requests (counted by the server).
pub const HTTP_REQUESTS: &str = "aiwidget_http_requests_total";
/// Histogram `{route,method}`: seconds to the response's head (counted by the server).
pub const HTTP_DURATION: &str = "aiwidget_http_request_duration_seconds";
/// Gauge `{kind}`: event streams open on this instance, `visitor` or `operator`.
pub const STREAMS_OPEN: &str = "aiwidget_event_streams_open";
/// Counter `{outcome}`: AI calls by how they ended (see [`AiOutcome`]).
pub const AI_CALLS: &str = "aiwidget_ai_calls_total";
/// Counter `{kind}`: tokens the providers reported, `input` or `output`.
pub const AI_TOKENS: &str = "aiwidget_ai_tokens_total";
/// Counter `{role}`: messages stored, by `visitor`, `ai`, `operator`, `system`.
pub const MESSAGES: &str = "aiwidget_messages_total";
/// Gauge `{state}`: database connections, `idle` or `in_use` (read at scrape time by the server).
pub const DB_POOL: &str = "aiwidget_db_pool_connections";

/// Which event stream: a visitor's widget or an operator's dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// `GET /api/v1/widget/events`.
    Visitor,
    /// `GET /api/v1/admin/events`.
    Operator,
}

impl StreamKind {
    /// Both kinds (the server shows each at 0 from the start).
    pub const ALL: [Self; 2] = [Self::Visitor, Self::Operator];

    /// The `kind` label.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Operator => "operator",
        }
    }
}

/// One open event stream in [`STREAMS_OPEN`]: counted when made, uncounted
/// when dropped, so a client that disconnects (the stream is dropped) leaves
/// the gauge as a clean end does.
#[derive(Debug)]
pub struct OpenStream(StreamKind);

impl OpenStream {
    /// Counts one more open stream of `kind`.
    #[must_use]
    pub fn open(kind: StreamKind) -> Self {
        metrics::gauge!(STREAMS_OPEN, "kind" => kind.as_str()).increment(1.0);
        Self(kind)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!(STREAMS_OPEN, "kind" => self.0.as_str()).decrement(1.0);
    }
}

/// How an AI call ended, as the relay tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiOutcome {
    /// The provider completed the answer (a handoff to a human included).
    Completed,
    /// The provider refused or failed, or the stream was cut.
    Failed,
    /// The provider sent nothing for too long (first byte or idle time-out).
    Timeout,
    /// The run was cancelled: a newer message, a takeover, a lost lease, shutdown.
    Cancelled,
}

impl AiOutcome {
    /// Every outcome (the server shows each at 0 from the start).
    pub const ALL: [Self; 4] = [
        Self::Completed,
        Self::Failed,
        Self::Timeout,
        Self::Cancelled,
    ];

    /// The `outcome` label.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Counts one AI call that ended with `outcome`.
pub fn ai_call(outcome: AiOutcome) {
    metrics::counter!(AI_CALLS, "outcome" => outcome.as_str()).increment(1);
}

/// Counts the tokens of a completed call, when the provider reported them
/// (estimates made from the text, for providers that send no usage, are
/// left out: they are not what the provider bills).
pub fn ai_tokens(usage: Usage) {
    if usage.estimated {
        return;
    }
    let count = |tokens: i64| u64::try_from(tokens).unwrap_or(0);
    let [input, output] = TOKEN_KINDS;
    metrics::counter!(AI_TOKENS, "kind" => input).increment(count(usage.input_tokens));
    metrics::counter!(AI_TOKENS, "kind" => output).increment(count(usage.output_tokens));
}

/// The `kind` labels of [`AI_TOKENS`].
pub const TOKEN_KINDS: [&str; 2] = ["input", "output"];

/// The roles of stored messages, the `role` labels of [`MESSAGES`].
pub const MESSAGE_ROLES: [MessageRole; 4] = [
    MessageRole::Visitor,
    MessageRole::Ai,
    MessageRole::Operator,
    MessageRole::System,
];

/// Counts one stored message of `role`.
pub fn message(role: MessageRole) {
    metrics::counter!(MESSAGES, "role" => role.as_str()).increment(1);
}
