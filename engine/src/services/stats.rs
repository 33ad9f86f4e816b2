//! The owner's numbers (`docs/analytics.md`): what happened in a period of
//! days, per day and in all, counted by queries over what is stored when it
//! is asked. No counter is kept that could drift; the moments that events
//! alone would forget (a conversation's first handoff, its timeout, the
//! first human answer) are kept on the conversation's row as they happen.
//!
//! Days are the project's (`time_zone`). Conversation figures belong to the
//! day the conversation started, visitor messages to the day they were
//! written, and AI usage to the budget's own days, which are UTC days
//! (`usage_daily`).

pub mod export;

use crate::db::entities::{conversations, messages, projects, usage_daily};
use crate::services::auth::CurrentUser;
use crate::state::AppState;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use contract::AppError;
use contract::chat::{MessageRole, MessageStatus};
use contract::stats::{
    Budget, DEFAULT_DAYS, DayStats, Figures, Handoffs, MAX_DAYS, Ratings, Stats, StatsQuery,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

/// Who asked for the human, as `conversations.handoff_by` keeps it.
const BY_VISITOR: &str = "visitor";
const BY_AI: &str = "ai";

/// Visitor messages are counted in slices of this many seconds, then each
/// slice is given to its day: every time zone's midnight falls on one.
const SLICE_SECONDS: i64 = 900;

/// The projects and the days a request counts.
#[derive(Debug)]
pub struct Scope {
    /// The projects counted.
    pub projects: Vec<projects::Model>,
    /// The zone the days are counted in.
    pub zone: Tz,
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// The first day's midnight.
    pub start: DateTime<Utc>,
    /// The midnight after the last day.
    pub end: DateTime<Utc>,
}

impl Scope {
    /// The ids of the projects.
    #[must_use]
    pub fn project_ids(&self) -> Vec<Uuid> {
        self.projects.iter().map(|project| project.id).collect()
    }

    /// The day of `at` in the scope's zone.
    #[must_use]
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    fn index_of(&self, day: NaiveDate) -> Option<usize> {
        usize::try_from((day - self.from).num_days())
            .ok()
            .filter(|_| day <= self.to)
    }

    fn days(&self) -> usize {
        usize::try_from((self.to - self.from).num_days() + 1).unwrap_or(0)
    }
}

/// Which projects and days `query` asks for, as `user` may see them.
///
/// # Errors
/// `404 project_not_found`; `400 validation_failed` for `from`/`to` that are
/// not dates, in the wrong order or more than [`MAX_DAYS`] apart.
pub async fn scope(
    state: &AppState,
    user: &CurrentUser,
    query: &StatsQuery,
) -> Result<Scope, AppError> {
    let projects = if let Some(id) = query.project_id {
        vec![crate::services::projects::find_visible(state, user, id).await?]
    } else {
        let mut select = projects::Entity::find();
        if !user.is_admin() {
            select = select.filter(projects::Column::Id.is_in(user.project_ids.clone()));
        }
        select.all(&state.db).await?
    };
    let zone = common_zone(&projects);
    let today = Utc::now().with_timezone(&zone).date_naive();
    let to = date(query.to.as_deref(), "to")?.unwrap_or(today);
    let from = date(query.from.as_deref(), "from")?
        .unwrap_or_else(|| to - Duration::days(DEFAULT_DAYS - 1));
    if from > to {
        return Err(invalid("from", "the first day comes after the last (`to`)"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(invalid("to", "at most 366 days in one request"));
    }
    Ok(Scope {
        start: midnight(zone, from),
        end: midnight(zone, to + Duration::days(1)),
        projects,
        zone,
        from,
        to,
    })
}

/// The figures of `query`'s period, per day and in all.
///
/// # Errors
/// As [`scope`]; a database failure.
#[tracing::instrument(name = "stats::of_period", skip_all, fields(user_id = %user.id))]
pub async fn of_period(
    state: &AppState,
    user: &CurrentUser,
    query: &StatsQuery,
) -> Result<Stats, AppError> {
    let scope = scope(state, user, query).await?;
    let mut tally = Tally::new(scope.days());
    for row in conversation_facts(&state.db, &scope).await? {
        if let Some(day) = scope.index_of(scope.day_of(row.created_at)) {
            tally.add_conversation(day, &row);
        }
    }
    for (slice, count) in visitor_messages(&state.db, &scope).await? {
        let at = DateTime::from_timestamp(slice * SLICE_SECONDS, 0).unwrap_or_default();
        if let Some(day) = scope.index_of(scope.day_of(at)) {
            tally.days[day].figures.visitor_messages += count;
        }
    }
    for usage in ai_usage(&state.db, &scope).await? {
        let day = NaiveDate::parse_from_str(&usage.day, "%Y-%m-%d").ok();
        if let Some(day) = day.and_then(|day| scope.index_of(day)) {
            let figures = &mut tally.days[day].figures;
            figures.ai_messages += u64::try_from(usage.ai_messages).unwrap_or(0);
            figures.ai_tokens += u64::try_from(usage.ai_tokens).unwrap_or(0);
        }
    }
    let budget = Budget {
        daily_ai_messages: scope
            .projects
            .iter()
            .map(|project| u64::try_from(project.limit_daily_ai_messages).unwrap_or(0))
            .sum(),
        daily_ai_tokens: scope
            .projects
            .iter()
            .map(|project| u64::try_from(project.limit_daily_ai_tokens).unwrap_or(0))
            .sum(),
    };
    let (totals, days) = tally.finish(scope.from);
    Ok(Stats {
        project_ids: scope.project_ids(),
        from: scope.from.to_string(),
        to: scope.to.to_string(),
        time_zone: scope.zone.name().to_owned(),
        budget,
        totals,
        days,
    })
}

/// What one conversation of the period adds to the figures.
#[derive(Debug)]
struct ConversationFacts {
    created_at: DateTime<Utc>,
    /// It waited for a human: `handoff_at`, or for conversations from before
    /// that column, the `handoff_reason` every handoff leaves.
    waited: bool,
    handoff_at: Option<DateTime<Utc>>,
    handoff_by: Option<String>,
    timed_out: bool,
    first_human_reply_at: Option<DateTime<Utc>>,
    rating: Option<i32>,
    ai_answered: bool,
}

async fn conversation_facts(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<ConversationFacts>, DbErr> {
    use conversations::Column;
    let ai_answer = Query::select()
        .expr(Expr::val(1))
        .from(messages::Entity)
        .and_where(
            Expr::col((messages::Entity, messages::Column::ConversationId))
                .equals((conversations::Entity, Column::Id)),
        )
        .and_where(messages::Column::Role.eq(MessageRole::Ai.as_str()))
        .and_where(messages::Column::Status.eq(MessageStatus::Complete.as_str()))
        .to_owned();
    let rows: Vec<(
        DateTime<Utc>,
        bool,
        Option<DateTime<Utc>>,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<i32>,
        bool,
    )> = started_in(conversations::Entity::find(), scope)
        .select_only()
        .column(Column::CreatedAt)
        .expr_as(Expr::col(Column::HandoffReason).is_not_null(), "waited")
        .column(Column::HandoffAt)
        .column(Column::HandoffBy)
        .column(Column::HandoffTimedOutAt)
        .column(Column::FirstHumanReplyAt)
        .column(Column::RatingScore)
        .expr_as(Expr::exists(ai_answer), "ai_answered")
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                created_at,
                reason,
                handoff_at,
                handoff_by,
                timed_out,
                first_human_reply_at,
                rating,
                ai,
            )| {
                ConversationFacts {
                    created_at,
                    waited: reason || handoff_at.is_some(),
                    handoff_at,
                    handoff_by,
                    timed_out: timed_out.is_some(),
                    first_human_reply_at,
                    rating,
                    ai_answered: ai,
                }
            },
        )
        .collect())
}

/// The conversations of the scope's projects that started in its period and
/// hold a message (as the inbox lists them).
pub(crate) fn started_in(
    select: sea_orm::Select<conversations::Entity>,
    scope: &Scope,
) -> sea_orm::Select<conversations::Entity> {
    select
        .filter(conversations::Column::ProjectId.is_in(scope.project_ids()))
        .filter(conversations::Column::CreatedAt.gte(scope.start))
        .filter(conversations::Column::CreatedAt.lt(scope.end))
        .filter(conversations::Column::LastMessagePreview.is_not_null())
}

/// Visitor messages written in the period, counted per slice of
/// [`SLICE_SECONDS`] since the epoch (the database does the counting).
async fn visitor_messages(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<(i64, u64)>, DbErr> {
    let slice = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            format!("CAST(FLOOR(EXTRACT(EPOCH FROM \"created_at\") / {SLICE_SECONDS}) AS BIGINT)")
        }
        _ => format!("CAST(strftime('%s', \"created_at\") AS INTEGER) / {SLICE_SECONDS}"),
    };
    // A conversation with a message in the period was active after its start.
    let conversations_active = Query::select()
        .column(conversations::Column::Id)
        .from(conversations::Entity)
        .and_where(conversations::Column::ProjectId.is_in(scope.project_ids()))
        .and_where(conversations::Column::LastMessageAt.gte(scope.start))
        .and_where(conversations::Column::CreatedAt.lt(scope.end))
        .to_owned();
    let rows: Vec<(i64, i64)> = messages::Entity::find()
        .select_only()
        .expr_as(Expr::cust(slice.clone()), "slice")
        .expr_as(Expr::col(messages::Column::Id).count(), "count")
        .filter(messages::Column::ConversationId.in_subquery(conversations_active))
        .filter(messages::Column::Role.eq(MessageRole::Visitor.as_str()))
        .filter(messages::Column::CreatedAt.gte(scope.start))
        .filter(messages::Column::CreatedAt.lt(scope.end))
        .group_by(Expr::cust(slice))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(slice, count)| (slice, u64::try_from(count).unwrap_or(0)))
        .collect())
}

/// The stored daily usage of the period's days (UTC days, as the budget counts).
async fn ai_usage(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<usage_daily::Model>, DbErr> {
    usage_daily::Entity::find()
        .filter(usage_daily::Column::ProjectId.is_in(scope.project_ids()))
        .filter(usage_daily::Column::Day.gte(scope.from.format("%Y-%m-%d").to_string()))
        .filter(usage_daily::Column::Day.lte(scope.to.format("%Y-%m-%d").to_string()))
        .all(db)
        .await
}

/// The figures being added up: one per day, and the waits and scores that
/// medians and averages are made of.
struct Tally {
    days: Vec<DayStats>,
    waits: Vec<Vec<i64>>,
    scores: Vec<u64>,
}

impl Tally {
    fn new(days: usize) -> Self {
        Self {
            days: vec![DayStats::default(); days],
            waits: vec![Vec::new(); days],
            scores: vec![0; days],
        }
    }

    fn add_conversation(&mut self, day: usize, row: &ConversationFacts) {
        let figures = &mut self.days[day].figures;
        figures.conversations += 1;
        if row.waited {
            let handoffs = &mut figures.handed_to_human;
            handoffs.total += 1;
            match row.handoff_by.as_deref() {
                Some(BY_VISITOR) => handoffs.visitor_asked += 1,
                Some(BY_AI) => handoffs.ai_handed_off += 1,
                _ => {}
            }
            handoffs.timed_out += u64::from(row.timed_out);
            if let Some((handoff_at, reply)) = row.handoff_at.zip(row.first_human_reply_at)
                && reply >= handoff_at
            {
                self.waits[day].push((reply - handoff_at).num_seconds());
            }
        } else if row.first_human_reply_at.is_none() && row.ai_answered {
            figures.ai_alone += 1;
        }
        if let Some(score) = row.rating.and_then(|score| u64::try_from(score).ok()) {
            figures.ratings.count += 1;
            self.scores[day] += score;
        }
    }

    /// The totals and the days, with medians and averages worked out.
    fn finish(mut self, from: NaiveDate) -> (Figures, Vec<DayStats>) {
        let mut totals = Figures::default();
        let mut all_waits = Vec::new();
        let mut all_scores = 0;
        for (index, day) in self.days.iter_mut().enumerate() {
            day.date = (from + Duration::days(i64::try_from(index).unwrap_or(0))).to_string();
            let figures = &mut day.figures;
            figures.median_first_reply_seconds = median(&mut self.waits[index]);
            figures.ratings.average = average(self.scores[index], figures.ratings.count);
            all_waits.append(&mut self.waits[index]);
            all_scores += self.scores[index];
            add(&mut totals, figures);
        }
        totals.median_first_reply_seconds = median(&mut all_waits);
        totals.ratings.average = average(all_scores, totals.ratings.count);
        (totals, self.days)
    }
}

/// Adds the counts of `day` to `totals` (medians and averages are not sums).
fn add(totals: &mut Figures, day: &Figures) {
    totals.conversations += day.conversations;
    totals.visitor_messages += day.visitor_messages;
    totals.ai_alone += day.ai_alone;
    let (sum, one): (&mut Handoffs, &Handoffs) =
        (&mut totals.handed_to_human, &day.handed_to_human);
    sum.total += one.total;
    sum.visitor_asked += one.visitor_asked;
    sum.ai_handed_off += one.ai_handed_off;
    sum.timed_out += one.timed_out;
    let (sum, one): (&mut Ratings, &Ratings) = (&mut totals.ratings, &day.ratings);
    sum.count += one.count;
    totals.ai_messages += day.ai_messages;
    totals.ai_tokens += day.ai_tokens;
}

/// The median of `values` in whole seconds (the lower of the middle two).
fn median(values: &mut [i64]) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    u64::try_from(values[(values.len() - 1) / 2]).ok()
}

/// `sum / count` to two decimals.
#[allow(
    clippy::cast_precision_loss,
    reason = "scores of 1 to 5 over at most a few million ratings are exact in f64"
)]
fn average(sum: u64, count: u64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / count as f64 * 100.0).round() / 100.0)
}

/// The zone the projects share, else UTC.
fn common_zone(projects: &[projects::Model]) -> Tz {
    let mut zones = projects
        .iter()
        .map(|project| project.time_zone.parse::<Tz>().unwrap_or(Tz::UTC));
    match zones.next() {
        Some(first) if zones.all(|zone| zone == first) => first,
        _ => Tz::UTC,
    }
}

/// The first moment of `day` in `zone` (the first hour that exists, where a
/// clock change skips midnight).
#[must_use]
pub fn midnight(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    (0..4)
        .find_map(|hour| {
            day.and_hms_opt(hour, 0, 0)
                .and_then(|local| zone.from_local_datetime(&local).earliest())
        })
        .map_or_else(
            || day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            |at| at.with_timezone(&Utc),
        )
}

fn date(value: Option<&str>, field: &str) -> Result<Option<NaiveDate>, AppError> {
    value
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(|value| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .filter(|day| (2000..=9999).contains(&day.year()))
                .ok_or_else(|| invalid(field, "a day as YYYY-MM-DD (years 2000 to 9999)"))
        })
        .transpose()
}

fn invalid(field: &str, reason: &str) -> AppError {
    AppError::Validation {
        message: "some fields are not valid: see `fields`".into(),
        fields: [(field.to_owned(), reason.to_owned())].into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{average, median, midnight};
    use chrono::NaiveDate;
    use chrono_tz::Tz;

    #[test]
    fn the_median_is_the_lower_middle_and_the_average_has_two_decimals() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [30, 10, 20]), Some(20));
        assert_eq!(median(&mut [40, 10, 30, 20]), Some(20));
        assert_eq!(average(0, 0), None);
        assert_eq!(average(14, 3), Some(4.67));
    }

    #[test]
    fn a_day_starts_at_the_zones_midnight_or_the_first_hour_after_it() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        let moscow: Tz = "Europe/Moscow".parse().unwrap_or(Tz::UTC);
        assert_eq!(
            midnight(moscow, day).to_rfc3339(),
            "2026-11-29T21:00:00+00:00"
        );
        assert_eq!(
            midnight(Tz::UTC, day).to_rfc3339(),
            "2026-11-30T00:00:00+00:00"
        );
        // Santiago skipped from 00:00 to 01:00 on 2022-09-11.
        let santiago: Tz = "America/Santiago".parse().unwrap_or(Tz::UTC);
        let skipped = NaiveDate::from_ymd_opt(2022, 9, 11).unwrap_or_default();
        assert_eq!(
            midnight(santiago, skipped).to_rfc3339(),
            "2022-09-11T04:00:00+00:00"
        );
    }
}
