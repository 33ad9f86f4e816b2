//! What an update from Telegram does. Only private chats count; the sender
//! (`from.id`) must be the chat, linked to an operator; every action is the
//! operator's own through the same services as the dashboard's (so it
//! re-checks that they exist and may see the project, follows the takeover
//! rules and shows live in the dashboard):
//!
//! - `/start <code>`: links the chat ([`super::link::complete`]);
//! - a reply to any message the bot sent about a conversation: sent to the
//!   visitor as the operator, taking the conversation over when the AI has it
//!   or it waits (a retried update is stored once: its id is the message's
//!   `client_message_id`);
//! - a button: `take:<id>`, `release:<id>`, `close:<id>`.

use super::Telegram;
use super::link;
use crate::db::entities::{telegram_messages, users};
use crate::services::alerts::dispatch::remember_message;
use crate::services::alerts::render::{Notice, notice};
use crate::services::alerts::settings::locale_of;
use crate::services::auth::{self, CurrentUser};
use crate::services::takeover;
use crate::state::AppState;
use crate::telegram::{CallbackQuery, Message, ReplyParameters, SendMessage, Update};
use contract::AppError;
use contract::inbox::OperatorMessageRequest;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Handles one update. Failures to answer in Telegram are logged, not
/// returned: the update is done once its effect is stored.
///
/// # Errors
/// A database failure (the update should be tried again).
pub async fn handle(
    state: &AppState,
    telegram: &Telegram,
    update: &Update,
) -> Result<(), AppError> {
    if let Some(message) = &update.message {
        on_message(state, telegram, message).await
    } else if let Some(query) = &update.callback_query {
        on_button(state, telegram, query).await
    } else {
        Ok(())
    }
}

async fn on_message(
    state: &AppState,
    telegram: &Telegram,
    message: &Message,
) -> Result<(), AppError> {
    let Some(from) = &message.from else {
        return Ok(());
    };
    if message.chat.kind != "private" || from.id != message.chat.id || from.is_bot {
        return Ok(());
    }
    let chat_id = message.chat.id;
    let text = message.text.as_deref().unwrap_or("").trim();
    if let Some(rest) = text.strip_prefix("/start") {
        let code = rest.trim();
        if !code.is_empty() {
            let answer = match link::complete(state, chat_id, from, code).await? {
                Some(user) => notice(locale_of(&user), Notice::Linked(user.display_name)),
                None => notice(language(from.language_code.as_deref()), Notice::LinkInvalid),
            };
            say(telegram, chat_id, answer, None).await;
            return Ok(());
        }
    }
    let Some((row, user)) = operator_of(state, chat_id).await? else {
        say(telegram, chat_id, notice("en", Notice::NotLinked), None).await;
        return Ok(());
    };
    let locale = locale_of(&row);
    let conversation = match &message.reply_to_message {
        Some(replied) => conversation_of(state, chat_id, replied.message_id).await?,
        None => None,
    };
    let (Some(conversation_id), false) = (conversation, text.is_empty()) else {
        say(telegram, chat_id, notice(locale, Notice::Help), None).await;
        return Ok(());
    };
    let request = OperatorMessageRequest {
        text: text.to_owned(),
        client_message_id: Some(format!("telegram:{chat_id}:{}", message.message_id)),
        translate: false,
    };
    let answer = match takeover::send(state, &user, conversation_id, &request).await {
        Ok(_) => Notice::Sent,
        Err(err) => refusal(err)?,
    };
    let sent = say(
        telegram,
        chat_id,
        notice(locale, answer),
        Some(message.message_id),
    )
    .await;
    if let Some(sent) = sent {
        remember_message(state, chat_id, sent, conversation_id).await?;
    }
    Ok(())
}

async fn on_button(
    state: &AppState,
    telegram: &Telegram,
    query: &CallbackQuery,
) -> Result<(), AppError> {
    let chat = query.message.as_ref().map(|message| &message.chat);
    let private = chat.is_some_and(|chat| chat.kind == "private" && chat.id == query.from.id);
    let operator = if private {
        operator_of(state, query.from.id).await?
    } else {
        None
    };
    let Some((row, user)) = operator else {
        answer(telegram, &query.id, notice("en", Notice::NotLinked)).await;
        return Ok(());
    };
    let locale = locale_of(&row);
    let action = query
        .data
        .as_deref()
        .and_then(|data| data.split_once(':'))
        .and_then(|(verb, id)| Some((verb, id.parse::<Uuid>().ok()?)));
    let result = match action {
        Some(("take", id)) => takeover::take_over(state, &user, id)
            .await
            .map(|_| Notice::TakenOver),
        Some(("release", id)) => takeover::release(state, &user, id)
            .await
            .map(|_| Notice::Released),
        Some(("close", id)) => takeover::close(state, &user, id)
            .await
            .map(|_| Notice::Closed),
        _ => Ok(Notice::Help),
    };
    let said = match result {
        Ok(said) => said,
        Err(err) => refusal(err)?,
    };
    answer(telegram, &query.id, notice(locale, said)).await;
    Ok(())
}

/// The operator linked to `chat_id`, as the services see a signed-in user.
async fn operator_of(
    state: &AppState,
    chat_id: i64,
) -> Result<Option<(users::Model, CurrentUser)>, AppError> {
    let Some(row) = users::Entity::find()
        .filter(users::Column::TelegramChatId.eq(chat_id))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let user = auth::user_of(&state.db, row.clone()).await?;
    Ok(Some((row, user)))
}

async fn conversation_of(
    state: &AppState,
    chat_id: i64,
    message_id: i64,
) -> Result<Option<Uuid>, AppError> {
    Ok(telegram_messages::Entity::find_by_id((chat_id, message_id))
        .one(&state.db)
        .await?
        .map(|row| row.conversation_id))
}

/// What the operator is told of a refusal; a database failure is returned
/// (the update is tried again).
fn refusal(err: AppError) -> Result<Notice, AppError> {
    match err {
        AppError::AlreadyTaken { operator } => Ok(Notice::HeldBy(operator.display_name)),
        AppError::NotFound { .. } | AppError::Forbidden { .. } => Ok(Notice::Unknown),
        AppError::Conflict { code, .. } if code == "conversation_closed" => Ok(Notice::Closed),
        AppError::Internal | AppError::Unavailable { .. } => Err(err),
        other => Ok(Notice::Refused(other.to_string())),
    }
}

fn language(code: Option<&str>) -> &'static str {
    if code.is_some_and(|code| code.starts_with("ru")) {
        "ru"
    } else {
        "en"
    }
}

/// Sends `text` to `chat_id` (as a reply to `reply_to`); the message id, or
/// `None` when Telegram refused or could not be reached (logged).
async fn say(
    telegram: &Telegram,
    chat_id: i64,
    text: String,
    reply_to: Option<i64>,
) -> Option<i64> {
    let message = SendMessage {
        parse_mode: None,
        reply_parameters: reply_to.map(|message_id| ReplyParameters {
            message_id,
            allow_sending_without_reply: true,
        }),
        ..SendMessage::html(chat_id, text)
    };
    match telegram.bot.send_message(&message).await {
        Ok(sent) => Some(sent.message_id),
        Err(err) => {
            tracing::warn!(error = %err, "the bot could not answer");
            None
        }
    }
}

async fn answer(telegram: &Telegram, query_id: &str, text: String) {
    if let Err(err) = telegram
        .bot
        .answer_callback_query(query_id, Some(&text))
        .await
    {
        tracing::warn!(error = %err, "the bot could not answer a button");
    }
}
