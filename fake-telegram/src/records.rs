//! The public records: simulated users, and what the fake saw the bot do.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A simulated Telegram user; their private chat with the bot has the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgUser {
    /// The user id (and private chat id).
    pub id: i64,
    /// The first name Telegram shows.
    pub first_name: String,
    /// The `@username`, without the `@`, if the user has one.
    #[serde(default)]
    pub username: Option<String>,
    /// The IETF language tag of the user's Telegram app.
    #[serde(default)]
    pub language_code: Option<String>,
}

impl TgUser {
    /// A user with a first name and nothing else.
    #[must_use]
    pub fn new(id: i64, first_name: &str) -> Self {
        Self {
            id,
            first_name: first_name.to_owned(),
            username: None,
            language_code: None,
        }
    }

    /// The user as a Bot API `User` object.
    pub(crate) fn to_json(&self) -> Value {
        let mut user = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(username) = &self.username {
            user["username"] = json!(username);
        }
        if let Some(language) = &self.language_code {
            user["language_code"] = json!(language);
        }
        user
    }
}

/// One message the bot sent with `sendMessage`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentMessage {
    /// The chat it went to.
    pub chat_id: i64,
    /// Its id in that chat.
    pub message_id: i64,
    /// The text as sent (with its markup, if any).
    pub text: String,
    /// The `parse_mode` sent, e.g. `"HTML"`.
    pub parse_mode: Option<String>,
    /// The `reply_markup` sent, as JSON.
    pub reply_markup: Option<Value>,
    /// Whether it was sent silently.
    pub disable_notification: bool,
    /// The message it replies to (`reply_parameters.message_id`).
    pub reply_to_message_id: Option<i64>,
    /// The text now, after any `editMessageText` (as sent, with markup).
    pub current_text: String,
    /// The reply markup now, after any edit.
    pub current_reply_markup: Option<Value>,
}

/// One successful `editMessageText`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edit {
    /// The chat of the edited message.
    pub chat_id: i64,
    /// The edited message.
    pub message_id: i64,
    /// The new text as sent.
    pub text: String,
    /// The `parse_mode` sent.
    pub parse_mode: Option<String>,
    /// The new `reply_markup` (none removes the keyboard).
    pub reply_markup: Option<Value>,
}

/// One successful `answerCallbackQuery`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackAnswer {
    /// The query answered.
    pub callback_query_id: String,
    /// The notification text, if any.
    pub text: Option<String>,
    /// Whether it was an alert rather than a toast.
    pub show_alert: bool,
}

/// One Bot API call as the fake received it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    /// The method as written in the path, e.g. `sendMessage`.
    pub method: String,
    /// The parameters (JSON body, form or query) as a JSON object.
    pub body: Value,
}

/// One attempt to deliver an update to the webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// The webhook URL.
    pub url: String,
    /// The update delivered.
    pub update_id: i64,
    /// The `X-Telegram-Bot-Api-Secret-Token` header sent.
    pub secret_token: Option<String>,
    /// The HTTP status answered; `None` when the connection failed.
    pub status: Option<u16>,
    /// 1 for the first attempt at this update, then 2, 3, …
    pub attempt: u32,
}
