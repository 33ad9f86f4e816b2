//! The shapes of logging in and of who is logged in, shared by the v1 API,
//! the server functions and the dashboard.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a user may do: admins everything, operators their projects' conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages projects and operators; sees everything.
    Admin,
    /// Sees and answers the conversations of the projects they are a member of.
    Operator,
}

impl Role {
    /// The stored and serialised name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Operator => "operator",
        }
    }

    /// Parses a stored role; anything unknown is the least privileged.
    #[must_use]
    pub fn parse(value: &str) -> Self {
        if value == "admin" {
            Self::Admin
        } else {
            Self::Operator
        }
    }
}

/// A user as the API shows it: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserView {
    /// The user's id.
    pub id: Uuid,
    /// The login name: 3 to 64 of `a-z 0-9 . _ -`, lower case, unique.
    pub username: String,
    /// The name colleagues and visitors see (on operator messages and in
    /// `already_taken`), 1 to 128 characters.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// The projects an operator sees (admins see all; empty for them).
    pub project_ids: Vec<Uuid>,
    /// True when a Telegram chat is linked to the user (alerts go there).
    #[serde(default)]
    pub telegram_linked: bool,
    /// Where email alerts go, if anywhere.
    #[serde(default)]
    pub email: Option<String>,
    /// The language alerts are written in: `en` or `ru`.
    #[serde(default = "default_locale")]
    pub locale: String,
}

/// The locale of a user who never chose one.
#[must_use]
pub fn default_locale() -> String {
    "en".into()
}

/// `POST /api/v1/admin/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The login name; surrounding spaces and case are ignored.
    pub username: String,
    /// The user's password.
    pub password: String,
}

/// The answer to a successful login: a Bearer token for API clients (the
/// dashboard uses the session cookie set with it) and the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// A signed session token for `Authorization: Bearer`, valid for 7 days or
    /// until the user logs out or their password changes.
    pub token: String,
    /// The user who logged in.
    pub user: UserView,
}

/// The body of `POST` and `PATCH /api/v1/admin/users`: on `PATCH` absent
/// fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// 3 to 64 of `a-z 0-9 . _ -`, stored lower-cased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// 1 to 128 characters, trimmed; on `POST` it defaults to the username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// At least 10 characters. A new password ends the user's sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// On `POST` it defaults to `operator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The projects an operator sees; replaces the previous list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_ids: Option<Vec<Uuid>>,
    /// Where the user's email alerts go (at most 254 characters, one `@`);
    /// `null` removes it.
    #[serde(
        default,
        deserialize_with = "crate::projects::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<Option<String>>,
    /// The language of the user's alerts: `en` or `ru`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}
