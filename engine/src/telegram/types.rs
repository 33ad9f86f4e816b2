//! The Bot API objects aiwidget reads (unknown fields ignored) and the
//! bodies it sends (absent options left out).

use serde::{Deserialize, Serialize};

/// One incoming update; only the kinds aiwidget asks for are read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Update {
    /// Increasing id; the next `getUpdates` offset is the last one plus 1.
    pub update_id: i64,
    /// A new message (a command, an operator's reply).
    #[serde(default)]
    pub message: Option<Message>,
    /// A pressed inline button.
    #[serde(default)]
    pub callback_query: Option<CallbackQuery>,
}

/// One entry of a `getUpdates` answer: its id, and the update when it can
/// be read (an update of a shape this client does not know is still moved
/// past, never asked for again).
#[derive(Debug, Clone, PartialEq)]
pub struct Polled {
    /// The update's id.
    pub update_id: i64,
    /// The update, or `None` when it could not be read.
    pub update: Option<Update>,
}

/// A message in a chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Its id, unique inside its chat.
    pub message_id: i64,
    /// The sender; absent in channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<User>,
    /// The chat it belongs to.
    pub chat: Chat,
    /// When it was sent, in Unix seconds.
    pub date: i64,
    /// The text, without markup; absent for media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The message it answers (Telegram quotes one level deep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_message: Option<Box<Self>>,
}

/// A chat; a private chat's id is the user's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// The chat id (negative for groups).
    pub id: i64,
    /// `private`, `group`, `supergroup` or `channel`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A Telegram user or bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user id.
    pub id: i64,
    /// Whether it is a bot.
    pub is_bot: bool,
    /// The first name shown.
    pub first_name: String,
    /// The `@username` without `@`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The IETF language tag of the user's app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
}

/// A pressed inline button; answer it with `Bot::answer_callback_query`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CallbackQuery {
    /// The query id to answer.
    pub id: String,
    /// Who pressed.
    pub from: User,
    /// The message carrying the button (absent when too old).
    #[serde(default)]
    pub message: Option<Message>,
    /// The button's `callback_data`.
    #[serde(default)]
    pub data: Option<String>,
}

/// How Telegram reads a text's markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParseMode {
    /// Telegram's HTML subset; escape text with `escape_html`.
    #[serde(rename = "HTML")]
    Html,
}

/// The body of `sendMessage`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendMessage {
    /// The chat to write to.
    pub chat_id: i64,
    /// 1-4096 characters after parsing.
    pub text: String,
    /// How to read the markup; none for plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<ParseMode>,
    /// Buttons under the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<InlineKeyboardMarkup>,
    /// Deliver silently.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_notification: bool,
    /// The message this one answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_parameters: Option<ReplyParameters>,
    /// Link previews (aiwidget turns them off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_preview_options: Option<LinkPreviewOptions>,
}

impl SendMessage {
    /// An HTML message without link previews, buttons or reply.
    #[must_use]
    pub fn html(chat_id: i64, text: String) -> Self {
        Self {
            chat_id,
            text,
            parse_mode: Some(ParseMode::Html),
            reply_markup: None,
            disable_notification: false,
            reply_parameters: None,
            link_preview_options: Some(LinkPreviewOptions { is_disabled: true }),
        }
    }
}

/// The body of `editMessageText`. Without `reply_markup` the buttons go.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditMessageText {
    /// The chat of the message.
    pub chat_id: i64,
    /// The message to edit (one the bot sent).
    pub message_id: i64,
    /// The new text.
    pub text: String,
    /// How to read the markup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<ParseMode>,
    /// The new buttons; none removes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<InlineKeyboardMarkup>,
    /// Link previews.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_preview_options: Option<LinkPreviewOptions>,
}

/// Rows of buttons under a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineKeyboardMarkup {
    /// The rows, top first.
    pub inline_keyboard: Vec<Vec<InlineKeyboardButton>>,
}

/// One button: it sends `callback_data` back, or opens `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineKeyboardButton {
    /// The label.
    pub text: String,
    /// 1-64 bytes sent back in a callback query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
    /// An `http(s)` URL with a public host name (not `localhost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl InlineKeyboardButton {
    /// A button that comes back as a callback query carrying `data`.
    #[must_use]
    pub fn callback(text: &str, data: &str) -> Self {
        Self {
            text: text.to_owned(),
            callback_data: Some(data.to_owned()),
            url: None,
        }
    }

    /// A button that opens `url`.
    #[must_use]
    pub fn link(text: &str, url: &str) -> Self {
        Self {
            text: text.to_owned(),
            callback_data: None,
            url: Some(url.to_owned()),
        }
    }
}

/// Which message a new one answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReplyParameters {
    /// The message answered, in the same chat.
    pub message_id: i64,
    /// Send anyway if that message is gone.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_sending_without_reply: bool,
}

/// Link preview settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LinkPreviewOptions {
    /// No preview at all.
    pub is_disabled: bool,
}
