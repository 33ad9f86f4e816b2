//! Email for operator alerts: the SMTP transport (lettre over rustls), off
//! unless both `SMTP_URL` and `SMTP_FROM` are set.
//!
//! # Configuration
//! - `SMTP_URL`:
//!   - `smtp://user:pass@host:587`: STARTTLS, required (a server that does
//!     not offer it is an error, never a fallback to plain text); port 587
//!     by default.
//!   - `smtps://user:pass@host:465`: TLS from the first byte; port 465 by
//!     default.
//!   - `smtp://host:port?tls=none`: **no encryption**, meant for a relay on
//!     the same machine (and for tests); port 25 by default. Refused with a
//!     user and password unless the host is loopback (`localhost`,
//!     `127.0.0.1`, `::1`), so that a password never crosses a network in
//!     clear.
//!
//!   User and password are percent-decoded (`p%40ss` is `p@ss`). The
//!   password is kept in a [`secrecy::SecretString`]: neither it nor the URL
//!   that holds it is ever logged or echoed in an error; log
//!   [`MailSettings::redacted_url`] instead.
//! - `SMTP_FROM`: the sender, `aiwidget <alerts@example.com>` or a bare
//!   address.
//!
//! Certificates are checked with the platform verifier (the system's roots),
//! as reqwest does. Connecting and every command time out after
//! [`TIMEOUT`].
//!
//! # Layout
//! - [`MailSettings`] (`settings`): the parsed configuration.
//! - [`Mailer`] (`mailer`): the pooled transport; [`Mailer::send`] sends an
//!   [`Email`] (UTF-8 throughout, `multipart/alternative` when it has HTML,
//!   marked `Auto-Submitted: auto-generated`) and sorts failures into
//!   [`MailError::Permanent`] and [`MailError::Transient`].

mod mailer;
mod settings;
#[cfg(test)]
mod tests;

pub use mailer::{Mailer, TIMEOUT};
pub use settings::{MailSettings, Security};

/// One message to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Email {
    /// The recipient: `name@example.com` or `Name <name@example.com>`.
    pub to: String,
    /// The subject, any Unicode (encoded for the header by lettre).
    pub subject: String,
    /// The plain-text body, always sent.
    pub text: String,
    /// An HTML body; with it the message is `multipart/alternative` (text,
    /// then HTML).
    pub html: Option<String>,
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Retrying the same message will not help: a `5xx` reply (unknown
    /// mailbox, refused content, failed authentication) or an invalid
    /// address.
    #[error("mail refused: {0}")]
    Permanent(String),
    /// Worth retrying later: the relay is unreachable, slow (time-out) or
    /// answered `4xx`, TLS failed, or the connection broke.
    #[error("mail not sent for now: {0}")]
    Transient(String),
}

impl MailError {
    /// Whether retrying the same message is pointless.
    #[must_use]
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent(_))
    }
}
