//! The owner's numbers: `GET /api/v1/admin/stats` and the conversations'
//! CSV export (`docs/analytics.md`). Every figure is counted from what is
//! stored when it is asked, so it covers what retention keeps.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest period one request may ask, in days (a leap year).
pub const MAX_DAYS: i64 = 366;

/// The period when the query names none: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// `GET /api/v1/admin/stats` and `GET /api/v1/admin/conversations/export.csv`:
/// which projects and which days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct StatsQuery {
    /// One project (else every project the caller may see).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<Uuid>,
    /// The first day, `YYYY-MM-DD`, inclusive (default: 29 days before `to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD`, inclusive (default: today in the time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// How many conversations waited for a human, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Handoffs {
    /// Conversations that waited for a human (whoever asked).
    pub total: u64,
    /// Of those, the visitor asked ("Talk to a human").
    pub visitor_asked: u64,
    /// Of those, the AI handed off.
    pub ai_handed_off: u64,
    /// Of those, nobody came before the project's deadline.
    pub timed_out: u64,
}

/// The visitors' ratings of conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Ratings {
    /// How many conversations were rated.
    pub count: u64,
    /// Their average score, 1 to 5, to two decimals; `null` with none.
    pub average: Option<f64>,
}

/// The figures of a period or of one day.
///
/// Conversation figures count the conversations that started in it;
/// `visitor_messages` the messages written in it; `ai_messages` and
/// `ai_tokens` the AI usage of the budget's days, which are UTC days.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Conversations started (the visitor wrote at least once).
    pub conversations: u64,
    /// Messages visitors wrote.
    pub visitor_messages: u64,
    /// Conversations the AI answered with no human: none waited for one and
    /// no operator wrote.
    pub ai_alone: u64,
    /// Conversations that waited for a human, and why.
    pub handed_to_human: Handoffs,
    /// The median wait from a conversation's first handoff to a human's
    /// first answer, in seconds; `null` when no handed conversation was answered.
    pub median_first_reply_seconds: Option<u64>,
    /// The visitors' ratings.
    pub ratings: Ratings,
    /// AI answers counted against the daily budget.
    pub ai_messages: u64,
    /// AI tokens counted against the daily budget.
    pub ai_tokens: u64,
}

/// One day of the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DayStats {
    /// The day, `YYYY-MM-DD`, in the response's `time_zone`.
    #[cfg_attr(feature = "server", schema(format = Date))]
    pub date: String,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// The daily AI budget of the projects counted (their sum).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Budget {
    /// AI answers a day.
    pub daily_ai_messages: u64,
    /// AI tokens a day.
    pub daily_ai_tokens: u64,
}

/// `GET /api/v1/admin/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Stats {
    /// The projects counted.
    pub project_ids: Vec<Uuid>,
    /// The first day counted, `YYYY-MM-DD`.
    #[cfg_attr(feature = "server", schema(format = Date))]
    pub from: String,
    /// The last day counted, `YYYY-MM-DD`.
    #[cfg_attr(feature = "server", schema(format = Date))]
    pub to: String,
    /// The IANA time zone of the days: the project's, the projects' when
    /// they share one, else `UTC`.
    pub time_zone: String,
    /// The daily AI budget the AI figures are measured against.
    pub budget: Budget,
    /// The whole period.
    pub totals: Figures,
    /// Each day of the period, oldest first, days without anything included.
    pub days: Vec<DayStats>,
}
