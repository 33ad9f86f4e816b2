//! What operators do with a conversation: take it over, answer it, release
//! it to the AI, close it, mark it read, and say they are typing.
//!
//! `docs/api.md`, "Conversation states", is the rule. Every change runs in one write
//! transaction that locks the conversation first, so that two operators
//! taking over at once are served one after the other: the first wins, the
//! second gets `409 already_taken` naming the first. An AI reply in flight
//! is cancelled after the commit (its partial text is kept, interrupted).

use crate::db::begin_write;
use crate::db::entities::{conversations, messages as message_rows, projects, users};
use crate::services::auth::CurrentUser;
use crate::services::conversations::AskedBy;
use crate::services::copilot::translate;
use crate::services::events::{self, Kind, Pending};
use crate::services::messages::{self, NewMessage};
use crate::services::{conversations as conversation_rows, inbox, widget};
use crate::state::AppState;
use contract::AppError;
use contract::chat::{ConversationStatus, MessageRole, MessageView};
use contract::inbox::{ConversationSummary, OperatorMessageRequest, OperatorRef, ReadEvent};
use contract::widget::SendMessageRequest;
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// Mixed into a conversation id: the throttle key of its operator's typing.
const OPERATOR_TYPING_KEY: u128 = 0x6f70_6572_6174_6f72;

/// `user` takes the conversation over: the AI stops and stays silent.
///
/// # Errors
/// `404 conversation_not_found`; `409 already_taken` (another operator has
/// it); `409 conversation_closed`.
#[tracing::instrument(name = "takeover::take_over", skip_all, fields(conversation_id = %id, user_id = %user.id))]
pub async fn take_over(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<ConversationSummary, AppError> {
    let txn = begin_write(&state.db).await?;
    let conversation = locked(&txn, user, id).await?;
    let (conversation, pending) = claim(&txn, user, conversation).await?;
    let claimed = !pending.is_empty();
    let summary = commit(state, txn, &conversation, pending).await?;
    if claimed {
        state.relay.cancel(state, id);
    }
    Ok(summary)
}

/// Hands the conversation back to the AI, which answers a visitor message
/// left unanswered.
///
/// # Errors
/// `404 conversation_not_found`; `409 already_taken` (held by another
/// operator, and the caller is not an admin); `409 not_taken` (the AI has
/// it already); `409 conversation_closed`.
#[tracing::instrument(name = "takeover::release", skip_all, fields(conversation_id = %id, user_id = %user.id))]
pub async fn release(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<ConversationSummary, AppError> {
    let txn = begin_write(&state.db).await?;
    let conversation = locked(&txn, user, id).await?;
    match ConversationStatus::parse(&conversation.status) {
        ConversationStatus::Ai => {
            return Err(AppError::Conflict {
                code: "not_taken".into(),
                message: "the AI answers this conversation already".into(),
            });
        }
        ConversationStatus::Closed => return Err(closed()),
        ConversationStatus::Human
            if conversation.assigned_user_id != Some(user.id) && !user.is_admin() =>
        {
            return Err(taken_by(&txn, &conversation).await?);
        }
        ConversationStatus::Human | ConversationStatus::WaitingHuman => {}
    }
    let (conversation, event) =
        conversation_rows::set_status(&txn, conversation, ConversationStatus::Ai, None).await?;
    let answer = awaits_answer(&txn, &conversation, false).await?;
    let mut pending = vec![event];
    if answer {
        pending.push(events::typing(&txn, &conversation, MessageRole::Ai, true).await?);
    }
    let summary = commit(state, txn, &conversation, pending).await?;
    if answer {
        state.relay.start(state, conversation.id);
    }
    Ok(summary)
}

/// Ends the conversation; the visitor's next message opens a new one.
///
/// # Errors
/// `404 conversation_not_found`.
#[tracing::instrument(name = "takeover::close", skip_all, fields(conversation_id = %id, user_id = %user.id))]
pub async fn close(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<ConversationSummary, AppError> {
    let txn = begin_write(&state.db).await?;
    let conversation = locked(&txn, user, id).await?;
    if conversation.status == ConversationStatus::Closed.as_str() {
        return commit(state, txn, &conversation, Vec::new()).await;
    }
    let (conversation, event) =
        conversation_rows::set_status(&txn, conversation, ConversationStatus::Closed, None).await?;
    commit(state, txn, &conversation, vec![event]).await
}

/// The operators have read the visitor's messages: the unread count goes to
/// zero and the visitor's stream gets a `read` event.
///
/// # Errors
/// `404 conversation_not_found`.
#[tracing::instrument(name = "takeover::read", skip_all, fields(conversation_id = %id, user_id = %user.id))]
pub async fn read(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<ConversationSummary, AppError> {
    let txn = begin_write(&state.db).await?;
    let conversation = locked(&txn, user, id).await?;
    if conversation.operator_unread == 0 {
        return commit(state, txn, &conversation, Vec::new()).await;
    }
    conversations::Entity::update_many()
        .col_expr(conversations::Column::OperatorUnread, Expr::value(0))
        .filter(conversations::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let event = ReadEvent {
        conversation_id: id,
        role: MessageRole::Operator,
    };
    let pending = events::emit(&txn, &conversation, Kind::Read, &event).await?;
    let conversation = conversation_rows::find(&txn, id)
        .await?
        .ok_or_else(inbox::not_found)?;
    commit(state, txn, &conversation, vec![pending]).await
}

/// The operator is typing: one `typing` event per few seconds per conversation.
///
/// # Errors
/// `404 conversation_not_found`; `409 conversation_closed`.
#[tracing::instrument(name = "takeover::typing", skip_all, fields(conversation_id = %id, user_id = %user.id))]
pub async fn typing(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<(), AppError> {
    let conversation = inbox::visible(&state.db, user, id).await?;
    if conversation.status == ConversationStatus::Closed.as_str() {
        return Err(closed());
    }
    // Its own key: a visitor typing does not silence the operator.
    let key = Uuid::from_u128(id.as_u128() ^ OPERATOR_TYPING_KEY);
    if state.typing_throttle.check_key(&key).is_ok() {
        let txn = state.db.begin().await?;
        let pending = events::typing(&txn, &conversation, MessageRole::Operator, true).await?;
        txn.commit().await?;
        events::publish(&state.hub, vec![pending]);
    }
    Ok(())
}

/// An operator's message. Writing into a conversation the AI or nobody
/// holds takes it over first (the AI stops); a retried `client_message_id`
/// is stored once. With `translate`, the visitor reads the text translated
/// into their language and the original is kept as its `translation`
/// (`docs/copilot.md`, "Translation").
///
/// # Errors
/// `400 validation_failed`; `404 conversation_not_found`; `409
/// already_taken`; `409 conversation_closed`; with `translate`, `409
/// visitor_language_unknown`/`no_api_key`/`ai_budget_spent` and `502
/// upstream_*`, and nothing is sent.
#[tracing::instrument(name = "takeover::send", skip_all, fields(conversation_id = %id, user_id = %user.id))]
pub async fn send(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    request: &OperatorMessageRequest,
) -> Result<MessageView, AppError> {
    let (project, visible) = {
        let conversation = inbox::visible(&state.db, user, id).await?;
        let project = projects::Entity::find_by_id(conversation.project_id)
            .one(&state.db)
            .await?
            .ok_or_else(inbox::not_found)?;
        (project, conversation)
    };
    let checked = SendMessageRequest {
        text: request.text.clone(),
        client_message_id: request.client_message_id.clone(),
    };
    let text = widget::validate_text(&project, &checked)?;
    // Translated before anything is stored: a failure sends nothing. A retry
    // of a stored message, or a closed conversation, pays for no translation
    // (both are checked again under the lock below).
    let translated = if request.translate {
        if let Some(client_id) = &request.client_message_id
            && let Some(existing) = messages::find_by_client_id(&state.db, id, client_id).await?
        {
            return Ok(messages::view(&existing, &state.hub));
        }
        if visible.status == ConversationStatus::Closed.as_str() {
            return Err(closed());
        }
        translate::for_visitor(state, user, &visible, &text).await?
    } else {
        None
    };
    let txn = begin_write(&state.db).await?;
    let conversation = locked(&txn, user, id).await?;
    if let Some(client_id) = &request.client_message_id
        && let Some(existing) = messages::find_by_client_id(&txn, id, client_id).await?
    {
        txn.commit().await?;
        return Ok(messages::view(&existing, &state.hub));
    }
    let (conversation, mut pending) = claim(&txn, user, conversation).await?;
    let claimed = !pending.is_empty();
    let mut new = match translated {
        Some((translation, language)) => {
            let mut new = NewMessage::new(id, MessageRole::Operator, translation);
            new.original = Some((text, language));
            new
        }
        None => NewMessage::new(id, MessageRole::Operator, text),
    };
    new.author_user_id = Some(user.id);
    new.author_name = Some(user.display_name.clone());
    new.client_message_id = request.client_message_id.clone();
    let message = messages::insert(&txn, new).await?;
    messages::touch_conversation(&txn, &message).await?;
    pending.push(events::emit_message(&txn, &conversation, message.id).await?);
    commit(state, txn, &conversation, pending).await?;
    if claimed {
        state.relay.cancel(state, id);
    }
    Ok(messages::view(&message, &state.hub))
}

/// Why a conversation waits again after the operator holding it was
/// removed: kept as its `handoff_reason`, which the inbox shows.
pub const OPERATOR_REMOVED: &str = "the operator who held it was removed";

/// The conversations `user_id` holds go back to waiting for a human (as a
/// handoff leaves them, with the project's deadline), in the caller's
/// transaction that removes the user; their `status` events are returned to
/// publish after the commit.
///
/// # Errors
/// [`AppError::Internal`] on a database failure (logged).
pub async fn return_held_to_waiting(
    txn: &DatabaseTransaction,
    user_id: Uuid,
) -> Result<Vec<Pending>, AppError> {
    let held = conversations::Entity::find()
        .filter(conversations::Column::Status.eq(ConversationStatus::Human.as_str()))
        .filter(conversations::Column::AssignedUserId.eq(user_id))
        .order_by_asc(conversations::Column::Id)
        .lock(LockType::NoKeyUpdate)
        .all(txn)
        .await?;
    let mut pending = Vec::with_capacity(held.len());
    for conversation in held {
        let project = projects::Entity::find_by_id(conversation.project_id)
            .one(txn)
            .await?
            .ok_or(AppError::Internal)?;
        let (_, event) = conversation_rows::wait_for_human(
            txn,
            &project,
            conversation,
            AskedBy::OperatorRemoved,
            OPERATOR_REMOVED,
        )
        .await?;
        pending.push(event);
    }
    Ok(pending)
}

/// The conversation, locked, when `user` may see it.
async fn locked(
    txn: &DatabaseTransaction,
    user: &CurrentUser,
    id: Uuid,
) -> Result<conversations::Model, AppError> {
    conversation_rows::find_for_update(txn, id)
        .await?
        .filter(|conversation| user.can_see(conversation.project_id))
        .ok_or_else(inbox::not_found)
}

/// Makes `user` the holder: from `ai` or `waiting_human` a status change
/// (its event returned; the caller stops the AI after the commit); held by
/// `user` already, nothing.
async fn claim(
    txn: &DatabaseTransaction,
    user: &CurrentUser,
    conversation: conversations::Model,
) -> Result<(conversations::Model, Vec<Pending>), AppError> {
    match ConversationStatus::parse(&conversation.status) {
        ConversationStatus::Closed => Err(closed()),
        ConversationStatus::Human if conversation.assigned_user_id == Some(user.id) => {
            Ok((conversation, Vec::new()))
        }
        ConversationStatus::Human => Err(taken_by(txn, &conversation).await?),
        ConversationStatus::Ai | ConversationStatus::WaitingHuman => {
            let operator = OperatorRef {
                id: user.id,
                display_name: user.display_name.clone(),
            };
            let (conversation, event) = conversation_rows::set_status(
                txn,
                conversation,
                ConversationStatus::Human,
                Some(operator),
            )
            .await?;
            Ok((conversation, vec![event]))
        }
    }
}

/// Commits, tells the streams, and returns the conversation as the inbox lists it.
async fn commit(
    state: &AppState,
    txn: DatabaseTransaction,
    conversation: &conversations::Model,
    pending: Vec<Pending>,
) -> Result<ConversationSummary, AppError> {
    txn.commit().await?;
    events::publish(&state.hub, pending);
    inbox::summaries(&state.db, std::slice::from_ref(conversation))
        .await?
        .pop()
        .ok_or(AppError::Internal)
}

/// True when the last turn is the visitor's (no one answered it yet) and the
/// project has an AI. With `notices_answer`, a notice after the visitor's
/// message (a fault, the budget) counts as the answer.
pub async fn awaits_answer(
    db: &impl ConnectionTrait,
    conversation: &conversations::Model,
    notices_answer: bool,
) -> Result<bool, sea_orm::DbErr> {
    let has_ai = projects::Entity::find_by_id(conversation.project_id)
        .one(db)
        .await?
        .is_some_and(|project| project.openai_api_key_ciphertext.is_some());
    if !has_ai {
        return Ok(false);
    }
    let mut last = message_rows::Entity::find()
        .filter(message_rows::Column::ConversationId.eq(conversation.id));
    if !notices_answer {
        last = last.filter(message_rows::Column::Role.ne(MessageRole::System.as_str()));
    }
    let last = last
        .order_by_desc(message_rows::Column::CreatedAt)
        .order_by_desc(message_rows::Column::Id)
        .one(db)
        .await?;
    Ok(last.is_some_and(|message| message.role == MessageRole::Visitor.as_str()))
}

/// `409 already_taken`, naming who holds the conversation.
async fn taken_by(
    txn: &DatabaseTransaction,
    conversation: &conversations::Model,
) -> Result<AppError, AppError> {
    let holder = match conversation.assigned_user_id {
        Some(id) => users::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    Ok(AppError::AlreadyTaken {
        operator: holder.map_or_else(
            || OperatorRef {
                id: Uuid::nil(),
                display_name: "another operator".into(),
            },
            |holder| OperatorRef {
                id: holder.id,
                display_name: holder.display_name,
            },
        ),
    })
}

fn closed() -> AppError {
    AppError::Conflict {
        code: "conversation_closed".into(),
        message: "the conversation is closed".into(),
    }
}
