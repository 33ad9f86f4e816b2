//! Signed tokens: JWT HS256 with an audience per purpose, so an admin session
//! never works as a visitor token or the other way round.

use contract::AppError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The audience of dashboard and API sessions.
pub const ADMIN_AUDIENCE: &str = "aiwidget:admin";
/// The audience of visitor tokens (the widget).
pub const VISITOR_AUDIENCE: &str = "aiwidget:visitor";
/// How long a dashboard session lasts.
pub const ADMIN_SESSION_SECONDS: i64 = 7 * 24 * 3600;

/// The claims of an admin session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminClaims {
    /// The user's id.
    pub sub: Uuid,
    /// Always [`ADMIN_AUDIENCE`].
    pub aud: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// The user's `token_version` when issued: a bump revokes the session.
    pub tv: i32,
}

/// Signs a session for `user_id` at `token_version`.
///
/// # Errors
/// [`AppError::Internal`] if signing fails (logged).
pub fn issue_admin(secret: &str, user_id: Uuid, token_version: i32) -> Result<String, AppError> {
    let now = chrono::Utc::now().timestamp();
    let claims = AdminClaims {
        sub: user_id,
        aud: ADMIN_AUDIENCE.into(),
        iat: now,
        exp: now + ADMIN_SESSION_SECONDS,
        tv: token_version,
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|err| {
        tracing::error!(error = %err, "signing a session failed");
        AppError::Internal
    })
}

/// Checks signature, algorithm, expiry and audience of an admin session.
///
/// # Errors
/// `401 invalid_token` for anything that does not hold.
pub fn verify_admin(secret: &str, token: &str) -> Result<AdminClaims, AppError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[ADMIN_AUDIENCE]);
    validation.leeway = 30;
    decode::<AdminClaims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|_| invalid_token())
}

/// How long a visitor token lasts: the browser keeps it for returning visits.
pub const VISITOR_TOKEN_SECONDS: i64 = 365 * 24 * 3600;

/// The claims of a visitor token: which visitor of which project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorClaims {
    /// The visitor's id.
    pub sub: Uuid,
    /// The project the visitor belongs to.
    pub pid: Uuid,
    /// Always [`VISITOR_AUDIENCE`].
    pub aud: String,
    /// Issued at (seconds since the Unix epoch).
    pub iat: i64,
    /// Expires at (seconds since the Unix epoch).
    pub exp: i64,
}

/// Signs a token for `visitor_id` of `project_id`.
///
/// # Errors
/// [`AppError::Internal`] if signing fails (logged).
pub fn issue_visitor(secret: &str, project_id: Uuid, visitor_id: Uuid) -> Result<String, AppError> {
    let now = chrono::Utc::now().timestamp();
    let claims = VisitorClaims {
        sub: visitor_id,
        pid: project_id,
        aud: VISITOR_AUDIENCE.into(),
        iat: now,
        exp: now + VISITOR_TOKEN_SECONDS,
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|err| {
        tracing::error!(error = %err, "signing a visitor token failed");
        AppError::Internal
    })
}

/// Checks signature, algorithm, expiry and audience of a visitor token.
///
/// # Errors
/// `401 invalid_visitor_token` for anything that does not hold.
pub fn verify_visitor(secret: &str, token: &str) -> Result<VisitorClaims, AppError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[VISITOR_AUDIENCE]);
    validation.leeway = 30;
    decode::<VisitorClaims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|_| invalid_visitor_token())
}

/// `401 invalid_visitor_token`: the widget opens a new session.
#[must_use]
pub fn invalid_visitor_token() -> AppError {
    AppError::Unauthorized {
        code: "invalid_visitor_token".into(),
        message: "the visitor token is missing or not valid: open a new session".into(),
    }
}

/// `401 invalid_token`.
#[must_use]
pub fn invalid_token() -> AppError {
    AppError::Unauthorized {
        code: "invalid_token".into(),
        message: "the session is missing, expired or revoked: log in again".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-secret-that-is-at-least-32-bytes-long";

    #[test]
    fn a_session_verifies_with_its_secret_only() {
        let user = Uuid::new_v4();
        let token = issue_admin(SECRET, user, 3).expect("signed");
        let claims = verify_admin(SECRET, &token).expect("valid");
        assert_eq!((claims.sub, claims.tv), (user, 3));
        assert!(verify_admin("another-secret-that-is-32-bytes-long!!", &token).is_err());
    }

    #[test]
    fn tokens_of_another_audience_or_algorithm_are_refused() {
        let now = chrono::Utc::now().timestamp();
        let visitor = AdminClaims {
            sub: Uuid::new_v4(),
            aud: VISITOR_AUDIENCE.into(),
            iat: now,
            exp: now + 60,
            tv: 0,
        };
        let key = EncodingKey::from_secret(SECRET.as_bytes());
        let visitor_token = encode(&Header::new(Algorithm::HS256), &visitor, &key).expect("signed");
        assert!(
            verify_admin(SECRET, &visitor_token).is_err(),
            "visitor audience"
        );

        let admin = AdminClaims {
            aud: ADMIN_AUDIENCE.into(),
            ..visitor
        };
        let hs512 = encode(&Header::new(Algorithm::HS512), &admin, &key).expect("signed");
        assert!(verify_admin(SECRET, &hs512).is_err(), "HS512");

        let expired = AdminClaims {
            exp: now - 3600,
            ..admin
        };
        let expired = encode(&Header::new(Algorithm::HS256), &expired, &key).expect("signed");
        assert!(verify_admin(SECRET, &expired).is_err(), "expired");
    }

    #[test]
    fn visitor_and_admin_tokens_never_stand_in_for_each_other() {
        let project = Uuid::new_v4();
        let visitor = Uuid::new_v4();
        let token = issue_visitor(SECRET, project, visitor).expect("signed");
        let claims = verify_visitor(SECRET, &token).expect("valid");
        assert_eq!((claims.sub, claims.pid), (visitor, project));
        assert!(
            verify_admin(SECRET, &token).is_err(),
            "a visitor token is no session"
        );
        let admin = issue_admin(SECRET, Uuid::new_v4(), 0).expect("signed");
        assert!(
            verify_visitor(SECRET, &admin).is_err(),
            "a session is no visitor token"
        );
    }
}
