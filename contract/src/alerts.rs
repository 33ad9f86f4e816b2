//! The shapes of an operator's alerts: linking Telegram and choosing which
//! alerts go where (`docs/alerts.md`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `201` of `POST /api/v1/admin/me/telegram`: a one-time link that ties the
/// Telegram chat it is opened in to the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TelegramLink {
    /// The single-use code: 32 of `A-Z a-z 0-9 _ -` (Telegram's `start`
    /// parameter allows at most 64).
    pub code: String,
    /// `https://t.me/<bot>?start=<code>`.
    pub link: String,
    /// When the code stops working (RFC 3339, UTC): 15 minutes after it was made.
    pub expires_at: DateTime<Utc>,
}

/// Which alerts one channel carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertChoices {
    /// A visitor asked for a human, or the AI handed the conversation over.
    pub waiting_human: bool,
    /// A visitor left a contact.
    pub contact: bool,
    /// A new visitor message in a conversation the user holds.
    pub my_conversations: bool,
    /// The projects whose every new conversation is announced (only those
    /// the user may see count).
    pub new_conversation: Vec<Uuid>,
}

impl Default for AlertChoices {
    fn default() -> Self {
        Self {
            waiting_human: true,
            contact: true,
            my_conversations: false,
            new_conversation: Vec::new(),
        }
    }
}

/// Hours in which alerts do not ring: Telegram alerts arrive silently and
/// email alerts are not sent. `from` after `to` spans midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// `HH:MM`, 24-hour clock, local time.
    pub from: String,
    /// `HH:MM`, 24-hour clock, local time; not equal to `from`.
    pub to: String,
    /// An IANA time zone such as `Europe/Moscow`.
    pub time_zone: String,
}

/// `GET /api/v1/admin/me/notifications`: where the user's alerts go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Notifications {
    /// Where email alerts go; none without it.
    pub email: Option<String>,
    /// The alerts sent to the linked Telegram chat.
    pub telegram: AlertChoices,
    /// The alerts sent by email.
    pub email_alerts: AlertChoices,
    /// Hours without ringing alerts, or none.
    pub quiet_hours: Option<QuietHours>,
    /// The language of the alerts: `en` or `ru`.
    pub locale: String,
    /// Two-way translation (`docs/copilot.md`, "Translation"): visitor
    /// messages in another language show a translation into `locale`, and
    /// the reply box can send translated.
    #[serde(default)]
    pub translate: bool,
    /// True when a Telegram chat is linked.
    pub telegram_linked: bool,
    /// The linked chat's `@username`, when it has one.
    pub telegram_username: Option<String>,
    /// True when this server has a Telegram bot (`TELEGRAM_BOT_TOKEN`).
    pub telegram_enabled: bool,
    /// True when this server sends email (`SMTP_URL`, `SMTP_FROM`).
    pub email_enabled: bool,
}

/// `PATCH /api/v1/admin/me/notifications`: absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationsInput {
    /// Where email alerts go (at most 254 characters, one `@`); `null` removes it.
    #[serde(
        default,
        deserialize_with = "crate::projects::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<Option<String>>,
    /// Replaces the Telegram choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram: Option<AlertChoices>,
    /// Replaces the email choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_alerts: Option<AlertChoices>,
    /// Replaces the quiet hours; `null` removes them.
    #[serde(
        default,
        deserialize_with = "crate::projects::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub quiet_hours: Option<Option<QuietHours>>,
    /// `en` or `ru`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Turns two-way translation on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translate: Option<bool>,
}
