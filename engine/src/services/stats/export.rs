//! `GET /api/v1/admin/conversations/export.csv`: the conversations that
//! started in a period, one row each, for a spreadsheet. It is personal data
//! (the visitors' contacts, their ratings' comments), so admins only.
//!
//! A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a
//! formula: such cells (and those beginning with a tab or a carriage return,
//! which some read the same way) are written with a leading `'`.

use super::{Scope, scope, started_in};
use crate::db::entities::{conversations, messages, visitors};
use crate::services::auth::CurrentUser;
use crate::state::AppState;
use chrono::{DateTime, SecondsFormat, Utc};
use contract::AppError;
use contract::chat::MessageRole;
use contract::stats::StatsQuery;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::borrow::Cow;
use std::collections::HashMap;
use uuid::Uuid;

/// The header row, in the order of every row's cells.
pub const HEADER: [&str; 18] = [
    "conversation_id",
    "project",
    "started_at",
    "date",
    "status",
    "closed_at",
    "page_url",
    "visitor_name",
    "visitor_email",
    "visitor_phone",
    "visitor_messages",
    "handoff_at",
    "handoff_by",
    "handoff_timed_out",
    "first_human_reply_at",
    "rating",
    "rating_comment",
    "summary",
];

/// The CSV of `query`'s conversations, oldest first, with its file name.
///
/// # Errors
/// `403 admin_only`; as [`scope`]; a database failure.
#[tracing::instrument(name = "stats::export", skip_all, fields(user_id = %user.id))]
pub async fn conversations_csv(
    state: &AppState,
    user: &CurrentUser,
    query: &StatsQuery,
) -> Result<(String, Vec<u8>), AppError> {
    user.require_admin()?;
    let scope = scope(state, user, query).await?;
    let rows = started_in(conversations::Entity::find(), &scope)
        .order_by_asc(conversations::Column::CreatedAt)
        .order_by_asc(conversations::Column::Id)
        .all(&state.db)
        .await?;
    let in_period = || {
        Query::select()
            .column(conversations::Column::Id)
            .from(conversations::Entity)
            .and_where(conversations::Column::ProjectId.is_in(scope.project_ids()))
            .and_where(conversations::Column::CreatedAt.gte(scope.start))
            .and_where(conversations::Column::CreatedAt.lt(scope.end))
            .to_owned()
    };
    let visitor_ids = Query::select()
        .column(conversations::Column::VisitorId)
        .from(conversations::Entity)
        .and_where(conversations::Column::Id.in_subquery(in_period()))
        .to_owned();
    let visitors: HashMap<Uuid, visitors::Model> = visitors::Entity::find()
        .filter(visitors::Column::Id.in_subquery(visitor_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|visitor| (visitor.id, visitor))
        .collect();
    let counts: HashMap<Uuid, i64> = messages::Entity::find()
        .select_only()
        .column(messages::Column::ConversationId)
        .expr(Expr::col(messages::Column::Id).count())
        .filter(messages::Column::ConversationId.in_subquery(in_period()))
        .filter(messages::Column::Role.eq(MessageRole::Visitor.as_str()))
        .group_by(messages::Column::ConversationId)
        .into_tuple::<(Uuid, i64)>()
        .all(&state.db)
        .await?
        .into_iter()
        .collect();
    let mut csv = csv::Writer::from_writer(Vec::new());
    let failed = |err: csv::Error| {
        tracing::error!(error = %err, "writing the CSV export failed");
        AppError::Internal
    };
    csv.write_record(HEADER).map_err(failed)?;
    for row in &rows {
        let visitor = visitors.get(&row.visitor_id);
        let count = counts.get(&row.id).copied().unwrap_or(0);
        csv.write_record(
            record(&scope, row, visitor, count)
                .iter()
                .map(|cell| safe(cell).into_owned()),
        )
        .map_err(failed)?;
    }
    let bytes = csv
        .into_inner()
        .map_err(|err| failed(err.into_error().into()))?;
    let name = format!("conversations-{}-{}.csv", scope.from, scope.to);
    Ok((name, bytes))
}

/// One conversation's cells, in the order of [`HEADER`].
fn record(
    scope: &Scope,
    row: &conversations::Model,
    visitor: Option<&visitors::Model>,
    visitor_messages: i64,
) -> [String; 18] {
    let project = scope
        .projects
        .iter()
        .find(|project| project.id == row.project_id)
        .map(|project| project.name.clone())
        .unwrap_or_default();
    let contact = |pick: fn(&visitors::Model) -> &Option<String>| {
        visitor
            .and_then(|visitor| pick(visitor).clone())
            .unwrap_or_default()
    };
    [
        row.id.to_string(),
        project,
        time(Some(row.created_at)),
        scope.day_of(row.created_at).to_string(),
        row.status.clone(),
        time(row.closed_at),
        row.page_url.clone().unwrap_or_default(),
        contact(|visitor| &visitor.contact_name),
        contact(|visitor| &visitor.contact_email),
        contact(|visitor| &visitor.contact_phone),
        visitor_messages.to_string(),
        time(row.handoff_at),
        row.handoff_by.clone().unwrap_or_default(),
        row.handoff_timed_out_at.is_some().to_string(),
        time(row.first_human_reply_at),
        row.rating_score
            .map(|score| score.to_string())
            .unwrap_or_default(),
        row.rating_comment.clone().unwrap_or_default(),
        row.summary.clone().unwrap_or_default(),
    ]
}

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// `cell`, with a leading `'` when a spreadsheet would run it as a formula.
#[must_use]
pub fn safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_leading_quote() {
        for formula in ["=1+1", "+7 999", "-2", "@SUM(A1)", "\tx", "\r=1"] {
            assert_eq!(safe(formula), format!("'{formula}"));
        }
        for plain in ["", "hello", "Привет = мир", "'quoted", "1-2"] {
            assert_eq!(safe(plain), plain);
        }
    }
}
