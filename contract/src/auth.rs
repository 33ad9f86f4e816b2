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
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Operator => "operator",
        }
    }

    /// Parses a stored role; anything unknown is the least privileged.
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
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The projects an operator sees (admins see all; empty for them).
    pub project_ids: Vec<Uuid>,
}

/// `POST /api/v1/admin/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The answer to a successful login: a Bearer token for API clients (the
/// dashboard uses the session cookie set with it) and the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// At least 10 characters. A new password ends the user's sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The projects an operator sees; replaces the previous list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_ids: Option<Vec<Uuid>>,
}
