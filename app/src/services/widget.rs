//! The widget's side of a conversation: config, session, sending, asking for
//! a human, typing. The v1 handlers of `/api/v1/widget/*` are thin calls to these.

use crate::AppError;
use crate::chat::{ConversationStatus, MessageRole, MessageView, TypingEvent};
use crate::db::begin_write;
use crate::db::entities::{projects, visitors};
use crate::origins;
use crate::projects::WidgetPosition;
use crate::services::conversations::{self, Origin};
use crate::services::events::{self, Kind, Pending, Scope};
use crate::services::messages::{self, CLIENT_MESSAGE_ID_MAX, NewMessage};
use crate::services::relay::notices;
use crate::services::{limits, sessions, visitors as visitor_rows};
use crate::state::AppState;
use crate::widget::{
    ContactRequest, ConversationState, SendMessageRequest, SessionRequest, SessionResponse,
    WidgetConfig,
};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, TransactionTrait};
use secrecy::ExposeSecret as _;
use uuid::Uuid;

/// The project a widget names, if it exists.
///
/// # Errors
/// `404 project_not_found`.
pub async fn find_project(state: &AppState, id: Uuid) -> Result<projects::Model, AppError> {
    projects::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("project_not_found", "no such project"))
}

/// The widget may run on the project's allowed origins and on the
/// dashboard's own (its preview); an absent or `null` Origin is refused.
///
/// # Errors
/// `403 origin_not_allowed`.
pub fn check_origin(
    state: &AppState,
    project: &projects::Model,
    origin: Option<&str>,
) -> Result<(), AppError> {
    let origin = origin.and_then(origins::normalize_request_origin);
    let allowed = origin.as_deref().is_some_and(|origin| {
        is_dashboard_origin(state, origin)
            || allowed_origins(project)
                .iter()
                .any(|allowed| origins::matches(allowed, origin))
    });
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            code: "origin_not_allowed".into(),
            message: "this site's origin is not in the project's allowed origins".into(),
        })
    }
}

/// True when the normalised `origin` is the dashboard's own (`PUBLIC_URL`),
/// where the widget runs as a preview for every project.
pub fn is_dashboard_origin(state: &AppState, origin: &str) -> bool {
    origins::normalize(&state.settings.public_url).is_ok_and(|public| public == origin)
}

/// The project's allowed origins, as stored (normalised).
pub fn allowed_origins(project: &projects::Model) -> Vec<String> {
    serde_json::from_value(project.allowed_origins.clone()).unwrap_or_default()
}

/// How the widget of `project` looks and what it may say.
pub fn config(state: &AppState, project: &projects::Model) -> WidgetConfig {
    WidgetConfig {
        project_id: project.id,
        title: project.widget_title.clone(),
        greeting: project.widget_greeting.clone(),
        color: project.widget_color.clone(),
        position: WidgetPosition::parse(&project.widget_position),
        locale: project.widget_locale.clone(),
        privacy_notice: project.privacy_notice.clone(),
        max_message_chars: project.limit_message_chars,
        ai_enabled: project.openai_api_key_ciphertext.is_some(),
        humans_online: state.presence.anyone_for(project.id),
    }
}

/// A visitor and their project, from a valid visitor token.
#[derive(Debug, Clone)]
pub struct VisitorContext {
    pub project: projects::Model,
    pub visitor: visitors::Model,
}

/// The visitor behind `token`, checked against the request's Origin.
///
/// # Errors
/// `401 invalid_visitor_token`; `403 origin_not_allowed`.
pub async fn authenticate(
    state: &AppState,
    token: Option<&str>,
    origin: Option<&str>,
) -> Result<VisitorContext, AppError> {
    let invalid = sessions::invalid_visitor_token;
    let token = token.ok_or_else(invalid)?;
    let claims = sessions::verify_visitor(state.settings.jwt_secret.expose_secret(), token)?;
    let project = projects::Entity::find_by_id(claims.pid)
        .one(&state.db)
        .await?
        .ok_or_else(invalid)?;
    check_origin(state, &project, origin)?;
    let visitor = visitors::Entity::find_by_id(claims.sub)
        .one(&state.db)
        .await?
        .filter(|visitor| visitor.project_id == project.id)
        .ok_or_else(invalid)?;
    Ok(VisitorContext { project, visitor })
}

/// Opens or resumes the visitor's session: their token (new when the given
/// one is absent, invalid or of another project), their open conversation or
/// the last closed one, its messages, and where the event stream resumes.
///
/// # Errors
/// `429 rate_limited` when a new conversation would pass the per-IP limit.
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
    let origin = Origin {
        page_url: visitor_rows::strip_url(request.page_url.as_deref()),
        referrer: visitor_rows::strip_url(request.referrer.as_deref()),
    };
    let txn = begin_write(&state.db).await?;
    let visitor = match known {
        Some(visitor) => visitor_rows::touch(&txn, visitor, seen, ip_hash.clone()).await?,
        None => {
            limits::check_ip_conversations(&txn, project, ip_hash.as_deref()).await?;
            visitor_rows::create(&txn, project, seen, ip_hash.clone()).await?
        }
    };
    let conversation = match conversations::latest_of_visitor_for_update(&txn, visitor.id).await? {
        Some(conversation) => conversation,
        None => {
            limits::check_ip_conversations(&txn, project, ip_hash.as_deref()).await?;
            conversations::open(&txn, project, &visitor, &origin).await?
        }
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
            .map(|row| messages::view(row, &state.hub))
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
        // A retry of a message stored before (the conversation may have closed since).
        txn.commit().await?;
        return Ok(messages::view(&existing, &state.hub));
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
    let mut new = NewMessage::new(conversation.id, MessageRole::Visitor, text);
    new.client_message_id = request.client_message_id.clone();
    let message = messages::insert(&txn, new).await?;
    messages::touch_conversation(&txn, &message).await?;
    let mut pending = vec![events::emit_message(&txn, &conversation, message.id).await?];
    let ai_answers = conversation.status == ConversationStatus::Ai.as_str()
        && project.openai_api_key_ciphertext.is_some();
    if ai_answers {
        pending.push(typing(&txn, &conversation, MessageRole::Ai, true).await?);
    }
    txn.commit().await?;
    publish(state, pending);
    if ai_answers {
        state.relay.start(state, conversation.id);
    }
    Ok(messages::view(&message, &state.hub))
}

/// The visitor asks for a human: an AI conversation waits for one (the AI's
/// reply in flight is cancelled); otherwise nothing changes.
///
/// # Errors
/// `409 no_conversation` when the visitor has no open conversation.
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
    publish(state, vec![pending]);
    Ok(state_of(&conversation))
}

/// The visitor leaves a contact (typically when nobody came): it is kept on
/// the visitor (the inbox shows and searches it), their text becomes their
/// message, and they are thanked. The AI does not answer it: a human will.
///
/// # Errors
/// `400 validation_failed` (no email and no phone, or a field too long or
/// malformed); `409 no_conversation`; `429 rate_limited` like messages.
pub async fn contact(
    state: &AppState,
    context: &VisitorContext,
    request: &ContactRequest,
) -> Result<ConversationState, AppError> {
    let contact = validate_contact(&context.project, request)?;
    let txn = begin_write(&state.db).await?;
    let conversation = open_conversation(&txn, context.visitor.id).await?;
    limits::check_visitor_messages(&txn, &context.project, context.visitor.id).await?;
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
    visitor.search_text = Set(crate::text::search_text(
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
    txn.commit().await?;
    publish(state, pending);
    Ok(state_of(&conversation))
}

/// The visitor is typing: one `typing` event per few seconds per conversation.
///
/// # Errors
/// `409 no_conversation` when the visitor has no open conversation.
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
        let pending = typing(&txn, &conversation, MessageRole::Visitor, true).await?;
        txn.commit().await?;
        publish(state, vec![pending]);
    }
    Ok(state_of(&conversation))
}

/// Writes a `typing` event of `role`.
///
/// # Errors
/// The database error of the event.
pub async fn typing(
    txn: &impl sea_orm::ConnectionTrait,
    conversation: &crate::db::entities::conversations::Model,
    role: MessageRole,
    active: bool,
) -> Result<Pending, sea_orm::DbErr> {
    let event = TypingEvent {
        conversation_id: conversation.id,
        role,
        active,
    };
    events::emit(txn, conversation, Kind::Typing, &event).await
}

/// Tells the streams about committed events, in order.
pub fn publish(state: &AppState, pending: Vec<Pending>) {
    for event in pending {
        event.publish(&state.hub);
    }
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

/// A contact, trimmed, with empty fields as absent.
fn validate_contact(
    project: &projects::Model,
    request: &ContactRequest,
) -> Result<ContactRequest, AppError> {
    let clean = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let contact = ContactRequest {
        name: clean(&request.name),
        email: clean(&request.email),
        phone: clean(&request.phone),
        text: clean(&request.text),
    };
    let mut fields = std::collections::BTreeMap::new();
    let mut check = |field: &str, value: &Option<String>, max: usize| {
        if let Some(value) = value
            && (value.chars().count() > max || value.chars().any(char::is_control))
        {
            fields.insert(
                field.to_owned(),
                format!("at most {max} characters, one line"),
            );
        }
    };
    check("name", &contact.name, 200);
    check("email", &contact.email, 320);
    check("phone", &contact.phone, 64);
    if let Some(email) = &contact.email
        && !email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
    {
        fields.insert("email".into(), "an address like name@example.com".into());
    }
    if let Some(phone) = &contact.phone
        && phone.chars().filter(char::is_ascii_digit).count() < 5
    {
        fields.insert(
            "phone".into(),
            "a phone number with at least 5 digits".into(),
        );
    }
    if contact.email.is_none() && contact.phone.is_none() {
        fields.insert("email".into(), "an email or a phone is needed".into());
    }
    if let Some(text) = &contact.text
        && text.chars().count() > usize::try_from(project.limit_message_chars).unwrap_or(0)
    {
        fields.insert(
            "text".into(),
            format!("at most {} characters", project.limit_message_chars),
        );
    }
    if fields.is_empty() {
        Ok(contact)
    } else {
        Err(AppError::Validation {
            message: "the contact is not valid: see `fields`".into(),
            fields,
        })
    }
}

/// The trimmed text of a message, checked against the project's length limit,
/// and its `client_message_id`.
///
/// # Errors
/// `400 validation_failed` with the reason per field.
pub fn validate_text(
    project: &projects::Model,
    request: &SendMessageRequest,
) -> Result<String, AppError> {
    let mut fields = std::collections::BTreeMap::new();
    let text = request.text.trim();
    let chars = text.chars().count();
    if text.is_empty() {
        fields.insert("text".to_owned(), "a message cannot be empty".to_owned());
    } else if chars > usize::try_from(project.limit_message_chars).unwrap_or(0) {
        fields.insert(
            "text".to_owned(),
            format!(
                "at most {} characters (this one has {chars})",
                project.limit_message_chars
            ),
        );
    }
    if let Some(id) = &request.client_message_id
        && (id.is_empty() || id.len() > CLIENT_MESSAGE_ID_MAX || id.chars().any(char::is_control))
    {
        fields.insert(
            "client_message_id".to_owned(),
            format!("1 to {CLIENT_MESSAGE_ID_MAX} characters"),
        );
    }
    if fields.is_empty() {
        Ok(text.to_owned())
    } else {
        Err(AppError::Validation {
            message: "the message is not valid: see `fields`".into(),
            fields,
        })
    }
}
