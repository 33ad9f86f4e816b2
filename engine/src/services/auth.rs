//! Logging in and out, and who a session belongs to.

use crate::db::entities::{project_members, users};
use crate::services::passwords::HashGate;
use crate::services::sessions;
use crate::state::AppState;
use contract::AppError;
use contract::auth::{LoginResponse, Role, UserView};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use secrecy::ExposeSecret as _;
use std::net::IpAddr;
use tokio::sync::OnceCell;
use uuid::Uuid;

/// The user behind a valid session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    /// The user's id.
    pub id: Uuid,
    /// Their login name.
    pub username: String,
    /// The name visitors and other operators see.
    pub display_name: String,
    /// `admin` or `operator`.
    pub role: Role,
    /// The projects an operator is a member of (empty for admins, who see all).
    pub project_ids: Vec<Uuid>,
    /// Where their email alerts go, if anywhere.
    pub email: Option<String>,
    /// Their alerts' language: `en` or `ru`.
    pub locale: String,
    /// True when a Telegram chat is linked to them.
    pub telegram_linked: bool,
}

impl CurrentUser {
    /// True for admins.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// True when this user may see `project_id`.
    #[must_use]
    pub fn can_see(&self, project_id: Uuid) -> bool {
        self.is_admin() || self.project_ids.contains(&project_id)
    }

    /// `403 admin_only` unless an admin.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] for operators.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                code: "admin_only".into(),
                message: "only an admin can do this".into(),
            })
        }
    }

    /// The API's view of this user.
    #[must_use]
    pub fn view(&self) -> UserView {
        UserView {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            project_ids: self.project_ids.clone(),
            telegram_linked: self.telegram_linked,
            email: self.email.clone(),
            locale: self.locale.clone(),
        }
    }
}

/// A login name as it is looked up (and throttled): trimmed, lower case.
#[must_use]
pub fn normalised_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Checks `username` and `password` and opens a session.
///
/// Unknown users cost the same argon2 time as known ones (a fixed dummy hash
/// is verified), so timing does not tell which usernames exist. Attempts are
/// throttled per username and per IP (/64 for IPv6), and the argon2 checks
/// of all logins run through one bounded gate.
///
/// # Errors
/// `429 rate_limited` when throttled; `503 busy` when the gate stayed full;
/// `401 invalid_credentials` otherwise.
#[tracing::instrument(name = "auth::login", skip_all)]
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<LoginResponse, AppError> {
    let throttle = &state.login_throttle;
    throttle.check(username, ip)?;
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(normalised_username(username)))
        .one(&state.db)
        .await?;
    let hash = match &user {
        Some(user) => user.password_hash.clone(),
        None => dummy_hash(throttle.hashes()).await?.to_owned(),
    };
    let verified = throttle.hashes().verify(password.to_owned(), hash).await?;
    let user = match user {
        Some(user) if verified => user,
        _ => {
            return Err(AppError::Unauthorized {
                code: "invalid_credentials".into(),
                message: "wrong username or password".into(),
            });
        }
    };
    users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(chrono::Utc::now()))
        .filter(users::Column::Id.eq(user.id))
        .exec(&state.db)
        .await?;
    let token = sessions::issue_admin(
        state.settings.jwt_secret.expose_secret(),
        user.id,
        user.token_version,
    )?;
    let current = user_of(&state.db, user).await?;
    Ok(LoginResponse {
        token,
        user: current.view(),
    })
}

/// The user a session token belongs to, if it is still valid.
///
/// # Errors
/// `401 invalid_token` for a bad, expired or revoked token, or a removed user.
pub async fn authenticate(state: &AppState, token: &str) -> Result<CurrentUser, AppError> {
    let claims = sessions::verify_admin(state.settings.jwt_secret.expose_secret(), token)?;
    let user = users::Entity::find_by_id(claims.sub)
        .one(&state.db)
        .await?
        .filter(|user| user.token_version == claims.tv)
        .ok_or_else(sessions::invalid_token)?;
    user_of(&state.db, user).await
}

/// Ends every session of `user_id` (logout revokes the token everywhere).
///
/// # Errors
/// [`AppError::Internal`] on a database failure.
#[tracing::instrument(name = "auth::logout", skip_all, fields(user_id = %user_id))]
pub async fn logout(db: &DatabaseConnection, user_id: Uuid) -> Result<(), AppError> {
    users::Entity::update_many()
        .col_expr(
            users::Column::TokenVersion,
            Expr::col(users::Column::TokenVersion).add(1),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// `user` as the services see a signed-in user (with their projects).
///
/// # Errors
/// A database failure.
pub async fn user_of(db: &DatabaseConnection, user: users::Model) -> Result<CurrentUser, AppError> {
    let role = Role::parse(&user.role);
    let project_ids = if role == Role::Admin {
        Vec::new()
    } else {
        project_members::Entity::find()
            .select_only()
            .column(project_members::Column::ProjectId)
            .filter(project_members::Column::UserId.eq(user.id))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
    };
    let locale = crate::services::alerts::settings::locale_of(&user).to_owned();
    Ok(CurrentUser {
        id: user.id,
        telegram_linked: user.telegram_chat_id.is_some(),
        email: user.email,
        locale,
        username: user.username,
        display_name: user.display_name,
        role,
        project_ids,
    })
}

/// A real argon2 hash of nothing anyone knows, verified for unknown users;
/// made once, through the gate like any other hash.
async fn dummy_hash(gate: &HashGate) -> Result<&'static str, AppError> {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_try_init(|| gate.hash(Uuid::new_v4().to_string()))
        .await
        .map(String::as_str)
}
