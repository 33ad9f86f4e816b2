//! The visitor ends the chat, and rates a closed conversation
//! (`docs/copilot.md`, "Ratings").
//!
//! The widget asks after the closed conversations the project chose
//! (`widget.rating_after`); the server takes a rating for the visitor's
//! latest closed conversation only when the project asks after it, so a
//! forged call cannot rate what the owner chose not to measure. The rating
//! is kept on the conversation's row; the operators' streams get the
//! conversation again (`events::emit_operators_view`).

use super::{VisitorContext, open_conversation, state_of};
use crate::db::begin_write;
use crate::db::entities::{conversations as conversation_rows, messages as message_rows};
use crate::services::conversations;
use crate::services::events;
use crate::services::inbox::rating_of;
use crate::state::AppState;
use contract::AppError;
use contract::chat::{ConversationStatus, MessageRole};
use contract::projects::RatingAfter;
use contract::widget::{ConversationState, RatedConversation, RatingRequest};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

/// The longest comment a visitor may add to a rating, in characters.
pub const COMMENT_MAX_CHARS: usize = 1000;

/// The visitor ends their open conversation (the widget's "End chat"): it is
/// closed as an operator would close it, the AI's answer in flight is
/// cancelled, and the next message opens a new one.
///
/// # Errors
/// `409 no_conversation` when the visitor has no open conversation.
#[tracing::instrument(name = "widget::close", skip_all, fields(project_id = %context.project.id, visitor_id = %context.visitor.id))]
pub async fn close(
    state: &AppState,
    context: &VisitorContext,
) -> Result<ConversationState, AppError> {
    let txn = begin_write(&state.db).await?;
    let conversation = open_conversation(&txn, context.visitor.id).await?;
    let (conversation, pending) =
        conversations::set_status(&txn, conversation, ConversationStatus::Closed, None).await?;
    txn.commit().await?;
    state.relay.cancel(state, conversation.id);
    events::publish(&state.hub, vec![pending]);
    Ok(state_of(&conversation))
}

/// The visitor rates their latest closed conversation; a second rating
/// replaces the first.
///
/// # Errors
/// `400 validation_failed` (a score outside 1 to 5, a comment too long);
/// `409 nothing_to_rate` when the visitor has no closed conversation the
/// project asks a rating for.
#[tracing::instrument(name = "widget::rate", skip_all, fields(project_id = %context.project.id, visitor_id = %context.visitor.id))]
pub async fn rate(
    state: &AppState,
    context: &VisitorContext,
    request: &RatingRequest,
) -> Result<RatedConversation, AppError> {
    let comment = validate(request)?;
    let txn = begin_write(&state.db).await?;
    let conversation = conversation_rows::Entity::find()
        .filter(conversation_rows::Column::VisitorId.eq(context.visitor.id))
        .filter(conversation_rows::Column::Status.eq(ConversationStatus::Closed.as_str()))
        .order_by_desc(conversation_rows::Column::ClosedAt)
        .lock(LockType::NoKeyUpdate)
        .one(&txn)
        .await?
        .ok_or_else(nothing_to_rate)?;
    let human = operator_wrote(&txn, &conversation).await?;
    if !RatingAfter::parse(&context.project.widget_rating_after).asks(human) {
        return Err(nothing_to_rate());
    }
    let mut active = conversation.into_active_model();
    active.rating_score = Set(Some(request.score));
    active.rating_comment = Set(comment);
    active.rated_at = Set(Some(chrono::Utc::now()));
    let conversation = active.update(&txn).await?;
    let pending = events::emit_operators_view(&txn, &conversation).await?;
    txn.commit().await?;
    events::publish(&state.hub, vec![pending]);
    let rating = rating_of(&conversation).ok_or(AppError::Internal)?;
    Ok(RatedConversation {
        conversation_id: conversation.id,
        rating,
    })
}

/// The comment, trimmed (empty: none), once the score and it are valid.
fn validate(request: &RatingRequest) -> Result<Option<String>, AppError> {
    let mut fields = std::collections::BTreeMap::new();
    if !(1..=5).contains(&request.score) {
        fields.insert("score".to_owned(), "a whole number from 1 to 5".to_owned());
    }
    let comment = request
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|comment| !comment.is_empty())
        .map(str::to_owned);
    if comment
        .as_deref()
        .is_some_and(|comment| comment.chars().count() > COMMENT_MAX_CHARS)
    {
        fields.insert(
            "comment".to_owned(),
            format!("at most {COMMENT_MAX_CHARS} characters"),
        );
    }
    if fields.is_empty() {
        Ok(comment)
    } else {
        Err(AppError::Validation {
            message: "the rating is not valid: see `fields`".into(),
            fields,
        })
    }
}

/// Whether an operator wrote in `conversation` (else the AI alone answered).
async fn operator_wrote(
    db: &impl ConnectionTrait,
    conversation: &conversation_rows::Model,
) -> Result<bool, sea_orm::DbErr> {
    let written = message_rows::Entity::find()
        .filter(message_rows::Column::ConversationId.eq(conversation.id))
        .filter(message_rows::Column::Role.eq(MessageRole::Operator.as_str()))
        .count(db)
        .await?;
    Ok(written > 0)
}

fn nothing_to_rate() -> AppError {
    AppError::Conflict {
        code: "nothing_to_rate".into(),
        message: "there is no closed conversation to rate".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_outside_one_to_five_and_long_comments_are_refused() {
        for score in [0, 6, -1] {
            let request = RatingRequest {
                score,
                comment: None,
            };
            assert!(validate(&request).is_err(), "score {score}");
        }
        let long = RatingRequest {
            score: 4,
            comment: Some("й".repeat(COMMENT_MAX_CHARS + 1)),
        };
        assert!(validate(&long).is_err());
        let blank = RatingRequest {
            score: 5,
            comment: Some("  \n ".into()),
        };
        assert_eq!(validate(&blank).ok(), Some(None));
        let kept = RatingRequest {
            score: 1,
            comment: Some(" slow ".into()),
        };
        assert_eq!(validate(&kept).ok(), Some(Some("slow".into())));
    }
}
