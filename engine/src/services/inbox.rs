//! The operators' inbox: conversations of the projects an operator may see,
//! newest activity first, filtered and searched, a page at a time; and one
//! conversation with its visitor and messages.
//!
//! Conversations without a message (a visitor who opened the widget and
//! never wrote) are not listed. A conversation of a project the operator may
//! not see answers `404`, as if it did not exist.

use crate::db::entities::{conversations, messages as message_rows, users, visitors};
use crate::services::auth::CurrentUser;
use crate::services::events::{self, Scope};
use crate::services::messages;
use crate::state::AppState;
use chrono::{DateTime, SecondsFormat, Utc};
use contract::AppError;
use contract::chat::ConversationStatus;
use contract::inbox::{
    ConversationDetail, ConversationSummary, InboxQuery, OperatorRef, Rating, VisitorInfo,
};
use contract::list::Page;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Page size when the query names none, and the largest allowed.
const DEFAULT_PAGE: u64 = 50;
const MAX_PAGE: u64 = 100;

/// A page of the inbox.
///
/// # Errors
/// `400 validation_failed` for an unknown status or a malformed cursor.
#[tracing::instrument(name = "inbox::list", skip_all, fields(user_id = %user.id))]
pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    query: &InboxQuery,
) -> Result<Page<ConversationSummary>, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let mut select = conversations::Entity::find()
        .filter(conversations::Column::LastMessagePreview.is_not_null());
    if !user.is_admin() {
        select = select.filter(conversations::Column::ProjectId.is_in(user.project_ids.clone()));
    }
    if let Some(project_id) = query.project_id {
        select = select.filter(conversations::Column::ProjectId.eq(project_id));
    }
    if let Some(status) = &query.status {
        select = select.filter(conversations::Column::Status.eq(parse_status(status)?.as_str()));
    }
    if let Some(words) = query.q.as_deref().map(contract::text::search_text)
        && !words.is_empty()
    {
        select = select.filter(matching(&words));
    }
    if let Some(cursor) = &query.cursor {
        let (at, id) = parse_cursor(cursor)?;
        select = select.filter(
            Condition::any()
                .add(conversations::Column::LastMessageAt.lt(at))
                .add(
                    Condition::all()
                        .add(conversations::Column::LastMessageAt.eq(at))
                        .add(conversations::Column::Id.lt(id)),
                ),
        );
    }
    let mut rows = select
        .order_by_desc(conversations::Column::LastMessageAt)
        .order_by_desc(conversations::Column::Id)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = more.then(|| rows.last().map(cursor_of)).flatten();
    Ok(Page {
        items: summaries(&state.db, &rows).await?,
        next_cursor,
    })
}

/// One conversation the user may see, with its visitor and messages.
///
/// # Errors
/// `404 conversation_not_found`.
#[tracing::instrument(name = "inbox::detail", skip_all, fields(conversation_id = %id, user_id = %user.id))]
pub async fn detail(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<ConversationDetail, AppError> {
    let conversation = visible(&state.db, user, id).await?;
    // The cursor first: a change between the reads is then replayed, not missed.
    let last_event_id = events::last_id(&state.db, &Scope::Conversation(id)).await?;
    let visitor = visitors::Entity::find_by_id(conversation.visitor_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Internal)?;
    let rows = messages::of_conversation(&state.db, id).await?;
    let visitor_language =
        crate::services::copilot::translate::language_in(visitor.locale.as_deref(), &rows)
            .map(|language| language.code.to_owned());
    let summary = summaries(&state.db, std::slice::from_ref(&conversation))
        .await?
        .pop()
        .ok_or(AppError::Internal)?;
    Ok(ConversationDetail {
        conversation: summary,
        visitor: VisitorInfo {
            id: visitor.id,
            page_url: conversation.page_url.clone(),
            referrer: conversation.referrer.clone(),
            user_agent: visitor.user_agent,
            locale: visitor.locale,
            first_seen_at: visitor.first_seen_at,
            last_seen_at: visitor.last_seen_at,
            contact_name: visitor.contact_name,
            contact_email: visitor.contact_email,
            contact_phone: visitor.contact_phone,
        },
        messages: rows
            .iter()
            .map(|row| messages::view(row, &state.hub))
            .collect(),
        last_event_id,
        visitor_language,
    })
}

/// The conversation `id` when `user` may see it.
///
/// # Errors
/// `404 conversation_not_found`.
pub async fn visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> Result<conversations::Model, AppError> {
    conversations::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|conversation| user.can_see(conversation.project_id))
        .ok_or_else(not_found)
}

/// `404 conversation_not_found`.
#[must_use]
pub fn not_found() -> AppError {
    AppError::not_found("conversation_not_found", "no such conversation")
}

/// The inbox's view of `rows`, with the holders' names and visitors' labels
/// read in one query each.
///
/// # Errors
/// The [`DbErr`] of those queries.
pub async fn summaries(
    db: &impl ConnectionTrait,
    rows: &[conversations::Model],
) -> Result<Vec<ConversationSummary>, DbErr> {
    let user_ids: Vec<Uuid> = rows.iter().filter_map(|row| row.assigned_user_id).collect();
    let names: HashMap<Uuid, String> = if user_ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(user_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|user| (user.id, user.display_name))
            .collect()
    };
    let visitor_ids: Vec<Uuid> = rows.iter().map(|row| row.visitor_id).collect();
    let labels: HashMap<Uuid, String> = visitors::Entity::find()
        .filter(visitors::Column::Id.is_in(visitor_ids))
        .filter(
            Condition::any()
                .add(visitors::Column::ContactName.is_not_null())
                .add(visitors::Column::ContactEmail.is_not_null())
                .add(visitors::Column::ContactPhone.is_not_null()),
        )
        .all(db)
        .await?
        .into_iter()
        .filter_map(|visitor| {
            let label = visitor
                .contact_name
                .or(visitor.contact_email)
                .or(visitor.contact_phone)?;
            Some((visitor.id, label))
        })
        .collect();
    Ok(rows
        .iter()
        .map(|row| ConversationSummary {
            id: row.id,
            project_id: row.project_id,
            visitor_id: row.visitor_id,
            status: ConversationStatus::parse(&row.status),
            assigned: row.assigned_user_id.and_then(|id| {
                names.get(&id).map(|name| OperatorRef {
                    id,
                    display_name: name.clone(),
                })
            }),
            last_message_preview: row.last_message_preview.clone(),
            last_message_at: row.last_message_at,
            operator_unread: row.operator_unread,
            handoff_reason: row.handoff_reason.clone(),
            handoff_deadline_at: row.handoff_deadline_at,
            visitor_label: labels.get(&row.visitor_id).cloned(),
            created_at: row.created_at,
            summary: row.summary.clone(),
            rating: rating_of(row),
        })
        .collect())
}

/// The visitor's rating of `row`, when they gave one.
#[must_use]
pub fn rating_of(row: &conversations::Model) -> Option<Rating> {
    Some(Rating {
        score: row.rating_score?,
        comment: row.rating_comment.clone(),
        created_at: row.rated_at?,
    })
}

/// Conversations with `words` in a message or in the visitor's contact.
fn matching(words: &str) -> Condition {
    let pattern = format!(
        "%{}%",
        words
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let like = || LikeExpr::new(pattern.clone()).escape('\\');
    let in_messages = Query::select()
        .column(message_rows::Column::ConversationId)
        .from(message_rows::Entity)
        .and_where(Expr::col(message_rows::Column::SearchText).like(like()))
        .to_owned();
    let in_visitors = Query::select()
        .column(visitors::Column::Id)
        .from(visitors::Entity)
        .and_where(Expr::col(visitors::Column::SearchText).like(like()))
        .to_owned();
    Condition::any()
        .add(conversations::Column::Id.in_subquery(in_messages))
        .add(conversations::Column::VisitorId.in_subquery(in_visitors))
}

fn parse_status(value: &str) -> Result<ConversationStatus, AppError> {
    [
        ConversationStatus::Ai,
        ConversationStatus::WaitingHuman,
        ConversationStatus::Human,
        ConversationStatus::Closed,
    ]
    .into_iter()
    .find(|status| status.as_str() == value)
    .ok_or_else(|| invalid("status", "one of ai, waiting_human, human, closed"))
}

/// `<last activity, RFC 3339 with nanoseconds>~<id>`: where the next page starts.
fn cursor_of(row: &conversations::Model) -> String {
    format!(
        "{}~{}",
        row.last_message_at
            .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        row.id
    )
}

fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), AppError> {
    let bad = || invalid("cursor", "use the next_cursor of the previous page");
    let (at, id) = cursor.split_once('~').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| bad())?;
    let id = id.parse::<Uuid>().map_err(|_| bad())?;
    Ok((at.with_timezone(&Utc), id))
}

fn invalid(field: &str, reason: &str) -> AppError {
    AppError::Validation {
        message: "the query is not valid: see `fields`".into(),
        fields: [(field.to_owned(), reason.to_owned())].into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_to_the_same_instant_and_id() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T10:00:00.123456789Z")
            .expect("time")
            .with_timezone(&Utc);
        let id = Uuid::now_v7();
        let cursor = format!("{}~{id}", at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        assert_eq!(parse_cursor(&cursor).expect("parses"), (at, id));
        assert!(parse_cursor("yesterday").is_err());
        assert!(parse_cursor("2026-11-27T10:00:00Z~not-a-uuid").is_err());
    }

    #[test]
    fn only_the_four_states_filter() {
        assert_eq!(
            parse_status("waiting_human").expect("known"),
            ConversationStatus::WaitingHuman
        );
        assert!(parse_status("open").is_err());
    }
}
