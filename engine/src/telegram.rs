//! The Telegram Bot API client: operators get alerts in Telegram and answer
//! from it. Only the calls aiwidget makes, with the wire types they need.
//!
//! # Layout
//! - [`Bot`] (`client`): one bot (its token kept secret), the calls, and how
//!   answers become results or [`Error`]s.
//! - `error`: [`Error`], sorted by what the caller should do: wait
//!   ([`Error::RetryAfter`]), give up ([`Error::Refused`]) or retry later
//!   ([`Error::Unavailable`]).
//! - `types`: updates, messages, users and chats as received (unknown fields
//!   ignored), and the bodies sent ([`SendMessage`], [`EditMessageText`]).
//! - [`escape_html`]: text made safe for `parse_mode: "HTML"`.
//!
//! The token is part of every Bot API URL, so this module never logs a URL
//! and strips URLs from transport errors.

mod client;
mod error;
#[cfg(test)]
mod tests;
mod types;

pub use client::Bot;
pub use error::Error;
pub use types::{
    CallbackQuery, Chat, EditMessageText, InlineKeyboardButton, InlineKeyboardMarkup,
    LinkPreviewOptions, Message, ParseMode, Polled, ReplyParameters, SendMessage, Update, User,
};

/// Escapes text for Telegram's HTML parse mode: `&`, `<`, `>` and `"` become
/// entities, everything else (emoji, any script) passes as is.
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            _ => escaped.push(c),
        }
    }
    escaped
}
