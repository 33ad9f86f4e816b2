//! What can go wrong with a Bot API call, sorted by what to do about it.

use std::fmt;
use std::time::Duration;

/// A failed Bot API call. Never contains the bot's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `429`: flood control; the call may be repeated after this long
    /// (`parameters.retry_after`).
    RetryAfter(Duration),
    /// `400`, `401`, `403`, `404`, `409` (and other 4xx): Telegram refused
    /// the call for good (bad request, wrong token, bot blocked by the user,
    /// webhook conflict); repeating it will not help.
    Refused {
        /// Telegram's `error_code` (or the HTTP status).
        code: u16,
        /// Telegram's `description`, e.g. `Forbidden: bot was blocked by the user`.
        description: String,
    },
    /// Network error, time-out, `5xx` or an unreadable answer: retry later.
    Unavailable(String),
}

impl Error {
    /// Whether Telegram refused the call with this description part (e.g.
    /// `"message is not modified"`).
    #[must_use]
    pub fn is_refused_with(&self, part: &str) -> bool {
        matches!(self, Self::Refused { description, .. } if description.contains(part))
    }

    /// A transport error, without its URL (which holds the token).
    pub(crate) fn transport(error: reqwest::Error) -> Self {
        let error = error.without_url();
        let mut text = if error.is_timeout() {
            "timed out".to_owned()
        } else {
            error.to_string()
        };
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Unavailable(text)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RetryAfter(wait) => {
                write!(f, "Telegram asks to retry after {} s", wait.as_secs())
            }
            Self::Refused { code, description } => {
                write!(f, "Telegram refused the call ({code}): {description}")
            }
            Self::Unavailable(why) => write!(f, "Telegram is unavailable: {why}"),
        }
    }
}

impl std::error::Error for Error {}
