//! The bot's outgoing calls: `sendMessage`, `editMessageText` and
//! `answerCallbackQuery`, with Telegram's checks of text and keyboards.

use crate::faults::{ApiError, ok};
use crate::html;
use crate::keyboard;
use crate::params::{self, Params};
use crate::records::{CallbackAnswer, Edit, SentMessage};
use crate::script::{Script, Shared, now};
use axum::response::Response;
use serde_json::{Value, json};

/// The longest text Telegram sends, in characters after parsing.
const MAX_TEXT: usize = 4096;

/// `sendMessage`: a new message in the chat, answered as a whole `Message`.
pub(crate) fn send_message(state: &Shared, params: &Params) -> Result<Response, ApiError> {
    let chat_id = params::chat_id(params)?;
    let raw = params::text(params, "text").unwrap_or_default();
    let parse_mode = params::text(params, "parse_mode");
    let plain = render(&raw, parse_mode.as_deref())?;
    let reply_markup = markup(params)?;
    let reply_to = match params::object(params, "reply_parameters")? {
        Some(reply) => Some(
            reply["message_id"]
                .as_i64()
                .ok_or_else(|| ApiError::bad_request("message to be replied not found"))?,
        ),
        None => params::int(params, "reply_to_message_id")?,
    };
    let mut script = state.lock();
    refuse_blocked(&script, chat_id)?;
    let replied = match reply_to {
        Some(id) => Some(
            quoted(&script, chat_id, id)
                .ok_or_else(|| ApiError::bad_request("message to be replied not found"))?,
        ),
        None => None,
    };
    let message_id = script.next_message_id(chat_id);
    let mut message = json!({
        "message_id": message_id,
        "from": script.bot.clone(),
        "chat": chat(&script, chat_id),
        "date": now(),
        "text": plain,
    });
    if let Some(replied) = replied {
        message["reply_to_message"] = replied;
    }
    set_markup(&mut message, reply_markup.as_ref());
    script
        .messages
        .insert((chat_id, message_id), message.clone());
    script.sent.push(SentMessage {
        chat_id,
        message_id,
        text: raw.clone(),
        parse_mode,
        reply_markup: reply_markup.clone(),
        disable_notification: params::flag(params, "disable_notification"),
        reply_to_message_id: reply_to,
        current_text: raw,
        current_reply_markup: reply_markup,
    });
    Ok(ok(message))
}

/// `editMessageText`: new text (and keyboard) for one of the bot's messages.
pub(crate) fn edit_message_text(state: &Shared, params: &Params) -> Result<Response, ApiError> {
    let chat_id = params::chat_id(params)?;
    let message_id = params::int(params, "message_id")?
        .ok_or_else(|| ApiError::bad_request("message identifier is not specified"))?;
    let raw = params::text(params, "text").unwrap_or_default();
    let parse_mode = params::text(params, "parse_mode");
    let plain = render(&raw, parse_mode.as_deref())?;
    let reply_markup = markup(params)?;
    let mut script = state.lock();
    refuse_blocked(&script, chat_id)?;
    let bot_id = script.bot["id"].clone();
    let Some(stored) = script.messages.get(&(chat_id, message_id)).cloned() else {
        return Err(ApiError::bad_request("message to edit not found"));
    };
    if stored["from"]["id"] != bot_id {
        return Err(ApiError::bad_request("message can't be edited"));
    }
    let Some(sent) = script
        .sent
        .iter_mut()
        .find(|sent| sent.chat_id == chat_id && sent.message_id == message_id)
    else {
        return Err(ApiError::bad_request("message can't be edited"));
    };
    if sent.current_text == raw && sent.current_reply_markup == reply_markup {
        return Err(ApiError::bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        ));
    }
    sent.current_text.clone_from(&raw);
    sent.current_reply_markup.clone_from(&reply_markup);
    let mut message = stored;
    message["text"] = json!(plain);
    message["edit_date"] = json!(now());
    set_markup(&mut message, reply_markup.as_ref());
    script
        .messages
        .insert((chat_id, message_id), message.clone());
    script.edits.push(Edit {
        chat_id,
        message_id,
        text: raw,
        parse_mode,
        reply_markup,
    });
    Ok(ok(message))
}

/// `answerCallbackQuery`: each query can be answered once.
pub(crate) fn answer_callback_query(state: &Shared, params: &Params) -> Result<Response, ApiError> {
    let id = params::text(params, "callback_query_id").unwrap_or_default();
    let mut script = state.lock();
    if !script.open_queries.remove(&id) {
        return Err(ApiError::bad_request(
            "query is too old and response timeout expired or query ID is invalid",
        ));
    }
    script.callback_answers.push(CallbackAnswer {
        callback_query_id: id,
        text: params::text(params, "text"),
        show_alert: params::flag(params, "show_alert"),
    });
    Ok(ok(json!(true)))
}

/// The text Telegram would show, after the checks of `parse_mode`.
fn render(raw: &str, parse_mode: Option<&str>) -> Result<String, ApiError> {
    let parsed = match parse_mode {
        None | Some("") => raw.to_owned(),
        Some(mode) if mode.eq_ignore_ascii_case("html") => html::parse(raw)
            .map_err(|why| ApiError::bad_request(&format!("can't parse entities: {why}")))?,
        Some(mode)
            if mode.eq_ignore_ascii_case("markdown") || mode.eq_ignore_ascii_case("markdownv2") =>
        {
            raw.to_owned()
        }
        Some(_) => return Err(ApiError::bad_request("unsupported parse_mode")),
    };
    let plain = parsed.trim();
    if plain.is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    if plain.chars().count() > MAX_TEXT {
        return Err(ApiError::bad_request("message is too long"));
    }
    Ok(plain.to_owned())
}

/// The checked `reply_markup`, if any.
fn markup(params: &Params) -> Result<Option<Value>, ApiError> {
    let markup = params::object(params, "reply_markup")?;
    if let Some(markup) = &markup {
        keyboard::check(markup)?;
    }
    Ok(markup)
}

/// Shows an inline keyboard on the message (or removes it).
fn set_markup(message: &mut Value, markup: Option<&Value>) {
    let keyboard = markup.filter(|markup| {
        markup["inline_keyboard"]
            .as_array()
            .is_some_and(|rows| !rows.is_empty())
    });
    match (keyboard, message.as_object_mut()) {
        (Some(keyboard), Some(object)) => {
            object.insert("reply_markup".to_owned(), keyboard.clone());
        }
        (None, Some(object)) => {
            object.remove("reply_markup");
        }
        _ => {}
    }
}

fn refuse_blocked(script: &Script, chat_id: i64) -> Result<(), ApiError> {
    if script.blocked.contains(&chat_id) {
        Err(ApiError::new(403, "Forbidden: bot was blocked by the user"))
    } else {
        Ok(())
    }
}

/// The `Chat` object: private for a user id, a group for a negative id.
fn chat(script: &Script, chat_id: i64) -> Value {
    if chat_id > 0 {
        script.private_chat(chat_id)
    } else {
        json!({"id": chat_id, "type": "supergroup", "title": "Group"})
    }
}

/// A stored message as quoted in `reply_to_message` (one level deep, as
/// Telegram does).
pub(crate) fn quoted(script: &Script, chat_id: i64, message_id: i64) -> Option<Value> {
    let mut message = script.messages.get(&(chat_id, message_id))?.clone();
    if let Some(object) = message.as_object_mut() {
        object.remove("reply_to_message");
    }
    Some(message)
}
