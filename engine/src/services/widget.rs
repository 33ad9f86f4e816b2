//! The widget's side of a conversation: config, session, sending, asking for
//! a human, typing. The v1 handlers of `/api/v1/widget/*` are thin calls to these.
//!
//! # Layout
//! - this file: what a visitor does (session, send, handoff, contact, typing).
//! - `access`: the project, its origins, the visitor behind a token, the config.
//! - `consent`: the privacy notice as shown, its version, the consent it needs.
//! - `validate`: a message's text and a contact, checked field by field.
//! - `rating`: the visitor ends the chat, and rates a closed conversation.

mod access;
mod consent;
mod rating;
mod validate;

pub use access::{
    VisitorContext, allowed_origins, authenticate, check_origin, config, find_project,
    is_dashboard_origin,
};
pub use rating::{COMMENT_MAX_CHARS, close, rate};
use validate::validate_contact;
pub use validate::validate_text;

use crate::db::begin_write;
use crate::db::entities::projects;
use crate::services::alerts::{self, AlertKind};
use crate::services::conversations::{self, Origin};
use crate::services::events::{self, Scope};
use crate::services::messages::{self, NewMessage};
use crate::services::notices;
use crate::services::{limits, relay, sessions, visitors as visitor_rows};
use crate::state::AppState;
use contract::AppError;
use contract::chat::{ConversationStatus, MessageRole, MessageView};
use contract::widget::{
    ContactRequest, ConversationState, SendMessageRequest, SessionRequest, SessionResponse,
};
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set, TransactionTrait};
use secrecy::ExposeSecret as _;
use uuid::Uuid;

/// Opens or resumes the visitor's session: their token (new when the given
/// one is absent, invalid or of another project), their open conversation or
/// the last closed one, its messages, and where the event stream resumes.
/// With a privacy notice, the visitor's consent to its current version (given
/// now, then stored with its time, or before) comes first.
///
/// # Errors
/// `409 consent_required` (nothing stored, not even a visit) without that
/// consent; `429 rate_limited` when a new conversation would pass the per-IP limit.
#[tracing::instrument(name = "widget::session", skip_all, fields(project_id = %project.id))]
pub async fn session(
    state: &AppState,
    project: &projects::Model,
    request: &SessionRequest,
    seen: &visitor_rows::Seen,
) -> Result<SessionResponse, AppError> {
    let secret = state.settings.jwt_secret.expose_secret();
    let ip_hash = seen.ip.map(|ip| visitor_rows::ip_hash(secret, ip));
    let known = visitor_rows::from_token(
        &state.db,
        secret,
        project.id,
        request.visitor_token.as_deref(),
    )
    .await?;
    let notice = consent::Notice::of(project);
    let consent = consent::check(
        notice.as_ref(),
        request.consent_version.as_deref(),
        known.as_ref(),
    )?;
    let origin = Origin {
        page_url: visitor_rows::strip_url(request.page_url.as_deref()),
        referrer: visitor_rows::strip_url(request.referrer.as_deref()),
    };
    let txn = begin_write(&state.db).await?;
    let visitor = if let Some(visitor) = known {
        // Deleted (by an admin, by retention) since it was read: a new session.
        visitor_rows::touch(&txn, visitor, seen, ip_hash.clone(), consent)
            .await
            .map_err(|err| match err {
                sea_orm::DbErr::RecordNotUpdated => sessions::invalid_visitor_token(),
                other => other.into(),
            })?
    } else {
        limits::check_ip_conversations(&txn, project, ip_hash.as_deref()).await?;
        visitor_rows::create(&txn, project, seen, ip_hash.clone(), consent).await?
    };
    let conversation = if let Some(conversation) =
        conversations::latest_of_visitor_for_update(&txn, visitor.id).await?
    {
        conversation
    } else {
        limits::check_ip_conversations(&txn, project, ip_hash.as_deref()).await?;
        conversations::open(&txn, project, &visitor, &origin).await?
    };
    txn.commit().await?;
    // The cursor first: an answer that completes between the two reads is
    // then replayed to the stream rather than missed.
    let last_event_id = events::last_id(&state.db, &Scope::Visitor(visitor.id)).await?;
    let rows = messages::of_conversation(&state.db, conversation.id).await?;
    Ok(SessionResponse {
        visitor_token: sessions::issue_visitor(secret, project.id, visitor.id)?,
        conversation_id: conversation.id,
        status: ConversationStatus::parse(&conversation.status),
        messages: rows
            .iter()
            .map(|row| relay::for_visitor(messages::view(row, &state.hub)))
            .collect(),
        last_event_id,
        config: config(state, project),
    })
}

/// Stores a visitor's message, first of all; then, in an AI conversation of
/// a project with a key, starts (or restarts) the AI's answer. A message to
/// a closed conversation opens a new one. A retried send with the same
/// `client_message_id` returns the stored message and does nothing else.
///
/// # Errors
/// `400 validation_failed` (empty or too long text, a bad `client_message_id`);
/// `429 rate_limited` over the project's message or conversation limits.
#[tracing::instrument(name = "widget::send", skip_all, fields(project_id = %context.project.id, visitor_id = %context.visitor.id))]
pub async fn send(
    state: &AppState,
    context: &VisitorContext,
    request: &SendMessageRequest,
) -> Result<MessageView, AppError> {
    let VisitorContext { project, visitor } = context;
    let text = validate_text(project, request)?;
    let txn = begin_write(&state.db).await?;
    let latest = conversations::latest_of_visitor_for_update(&txn, visitor.id).await?;
    if let (Some(client_id), Some(latest)) = (&request.client_message_id, &latest)
        && let Some(existing) = messages::find_by_client_id(&txn, latest.id, client_id).await?
    {
        // A retry of a message stored before (the conversation may have
        // closed since, an operator may have translated it since).
        txn.commit().await?;
        return Ok(relay::for_visitor(messages::view(&existing, &state.hub)));
    }
    let conversation = match latest {
        Some(conversation) if conversation.status != ConversationStatus::Closed.as_str() => {
            conversation
        }
        previous => {
            limits::check_ip_conversations(&txn, project, visitor.ip_hash.as_deref()).await?;
            let origin = previous.map_or_else(Origin::default, |previous| Origin {
                page_url: previous.page_url,
                referrer: previous.referrer,
            });
            conversations::open(&txn, project, visitor, &origin).await?
        }
    };
    limits::check_visitor_messages(&txn, project, visitor.id).await?;
    limits::check_ip_messages(&txn, project, visitor.ip_hash.as_deref()).await?;
    let mut new = NewMessage::new(conversation.id, MessageRole::Visitor, text);
    new.client_message_id = request.client_message_id.clone();
    let message = messages::insert(&txn, new).await?;
    let first = conversation.last_message_preview.is_none();
    messages::touch_conversation(&txn, &message).await?;
    let ai_answers = conversation.status == ConversationStatus::Ai.as_str()
        && project.openai_api_key_ciphertext.is_some();
    // The answer's lease and budget commit with the message (the fast path).
    let preparation = if ai_answers {
        Some(relay::prepare(&txn, state, project, &conversation, visitor).await?)
    } else {
        None
    };
    let mut pending = vec![events::emit_message(&txn, &conversation, message.id).await?];
    if first {
        alerts::raise(
            &txn,
            &conversation,
            AlertKind::NewConversation,
            Some(message.id),
        )
        .await?;
    }
    if conversation.status == ConversationStatus::Human.as_str() {
        alerts::raise(&txn, &conversation, AlertKind::Message, Some(message.id)).await?;
    }
    if ai_answers {
        pending.push(events::typing(&txn, &conversation, MessageRole::Ai, true).await?);
    }
    txn.commit().await?;
    events::publish(&state.hub, pending);
    if let Some(preparation) = preparation {
        state.relay.start_prepared(state, preparation);
    }
    Ok(relay::for_visitor(messages::view(&message, &state.hub)))
}

/// The visitor asks for a human: an AI conversation waits for one (the AI's
/// reply in flight is cancelled); otherwise nothing changes.
///
/// # Errors
/// `409 no_conversation` when the visitor has no open conversation.
#[tracing::instrument(name = "widget::handoff", skip_all, fields(project_id = %context.project.id, visitor_id = %context.visitor.id))]
pub async fn handoff(
    state: &AppState,
    context: &VisitorContext,
) -> Result<ConversationState, AppError> {
    let txn = begin_write(&state.db).await?;
    let conversation = open_conversation(&txn, context.visitor.id).await?;
    if conversation.status != ConversationStatus::Ai.as_str() {
        txn.commit().await?;
        return Ok(state_of(&conversation));
    }
    let (conversation, pending) = conversations::wait_for_human(
        &txn,
        &context.project,
        conversation,
        conversations::AskedBy::Visitor,
        "the visitor asked for a human",
    )
    .await?;
    txn.commit().await?;
    state.relay.cancel(state, conversation.id);
    events::publish(&state.hub, vec![pending]);
    crate::services::copilot::summary::after_handoff(state, conversation.id);
    Ok(state_of(&conversation))
}

/// The visitor leaves a contact (typically when nobody came): it is kept on
/// the visitor (the inbox shows and searches it), their text becomes their
/// message, and they are thanked. The AI does not answer it: a human will.
///
/// # Errors
/// `400 validation_failed` (no email and no phone, or a field too long or
/// malformed); `409 no_conversation`; `429 rate_limited` like messages.
#[tracing::instrument(name = "widget::contact", skip_all, fields(project_id = %context.project.id, visitor_id = %context.visitor.id))]
pub async fn contact(
    state: &AppState,
    context: &VisitorContext,
    request: &ContactRequest,
) -> Result<ConversationState, AppError> {
    let contact = validate_contact(&context.project, request)?;
    let txn = begin_write(&state.db).await?;
    let conversation = open_conversation(&txn, context.visitor.id).await?;
    limits::check_visitor_messages(&txn, &context.project, context.visitor.id).await?;
    limits::check_ip_messages(&txn, &context.project, context.visitor.ip_hash.as_deref()).await?;
    // A field left out keeps what the visitor gave before.
    let known = &context.visitor;
    let name = contact.name.clone().or_else(|| known.contact_name.clone());
    let email = contact
        .email
        .clone()
        .or_else(|| known.contact_email.clone());
    let phone = contact
        .phone
        .clone()
        .or_else(|| known.contact_phone.clone());
    let mut visitor = known.clone().into_active_model();
    visitor.search_text = Set(contract::text::search_text(
        &[&name, &email, &phone]
            .iter()
            .filter_map(|field| field.as_deref())
            .collect::<Vec<_>>()
            .join(" "),
    ));
    visitor.contact_name = Set(name);
    visitor.contact_email = Set(email);
    visitor.contact_phone = Set(phone);
    visitor.update(&txn).await?;
    let summary = [&contact.name, &contact.email, &contact.phone]
        .iter()
        .filter_map(|field| field.as_deref())
        .collect::<Vec<_>>()
        .join(" · ");
    let text = match &contact.text {
        Some(text) => format!("{summary}\n\n{text}"),
        None => summary,
    };
    let message = messages::insert(
        &txn,
        NewMessage::new(conversation.id, MessageRole::Visitor, text),
    )
    .await?;
    messages::touch_conversation(&txn, &message).await?;
    let lang = notices::lang(&context.project, Some(&context.visitor));
    let thanks = messages::insert(
        &txn,
        NewMessage::new(
            conversation.id,
            MessageRole::System,
            notices::contact_received(lang),
        ),
    )
    .await?;
    let pending = vec![
        events::emit_message(&txn, &conversation, message.id).await?,
        events::emit_message(&txn, &conversation, thanks.id).await?,
    ];
    alerts::raise(&txn, &conversation, AlertKind::Contact, Some(message.id)).await?;
    txn.commit().await?;
    events::publish(&state.hub, pending);
    Ok(state_of(&conversation))
}

/// The visitor is typing: one `typing` event per few seconds per conversation.
///
/// # Errors
/// `409 no_conversation` when the visitor has no open conversation.
#[tracing::instrument(name = "widget::visitor_typing", skip_all, fields(project_id = %context.project.id, visitor_id = %context.visitor.id))]
pub async fn visitor_typing(
    state: &AppState,
    context: &VisitorContext,
) -> Result<ConversationState, AppError> {
    let conversation = conversations::latest_of_visitor(&state.db, context.visitor.id)
        .await?
        .filter(|conversation| conversation.status != ConversationStatus::Closed.as_str())
        .ok_or_else(no_conversation)?;
    if state.typing_throttle.check_key(&conversation.id).is_ok() {
        let txn = state.db.begin().await?;
        let pending = events::typing(&txn, &conversation, MessageRole::Visitor, true).await?;
        txn.commit().await?;
        events::publish(&state.hub, vec![pending]);
    }
    Ok(state_of(&conversation))
}

async fn open_conversation(
    txn: &impl sea_orm::ConnectionTrait,
    visitor_id: Uuid,
) -> Result<crate::db::entities::conversations::Model, AppError> {
    conversations::latest_of_visitor_for_update(txn, visitor_id)
        .await?
        .filter(|conversation| conversation.status != ConversationStatus::Closed.as_str())
        .ok_or_else(no_conversation)
}

fn no_conversation() -> AppError {
    AppError::Conflict {
        code: "no_conversation".into(),
        message: "there is no open conversation: send a message first".into(),
    }
}

fn state_of(conversation: &crate::db::entities::conversations::Model) -> ConversationState {
    ConversationState {
        conversation_id: conversation.id,
        status: ConversationStatus::parse(&conversation.status),
    }
}
