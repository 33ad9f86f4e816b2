//! `POST /api/v1/admin/login`, `POST /api/v1/admin/logout`, `GET /api/v1/admin/me`.

use super::errors::ApiJson;
use super::session::{AuthUser, ClientIp};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use contract::AppError;
use contract::auth::{LoginRequest, LoginResponse, UserView};
use contract::error::ErrorBody;
use engine::services::auth;
use engine::state::AppState;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/login", post(login))
        .route("/api/v1/admin/logout", post(logout))
        .route("/api/v1/admin/me", get(me))
}

/// Logs in: a Bearer token in the body and the dashboard's session cookie.
#[utoipa::path(
    post,
    path = "/api/v1/admin/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; also sets the session cookie", body = LoginResponse),
        (status = 400, description = "Missing or oversized fields", body = ErrorBody),
        (status = 401, description = "`invalid_credentials`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many attempts for this user or IP", body = ErrorBody),
        (status = 503, description = "`busy`: every password-check slot is taken (`Retry-After`)", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<(CookieJar, ApiJson<LoginResponse>), AppError> {
    validate(&request)?;
    let response = auth::login(&state, &request.username, &request.password, ip).await?;
    let jar = jar.add(engine::session::cookie(
        &state.settings,
        response.token.clone(),
    ));
    Ok((jar, ApiJson(response)))
}

fn validate(request: &LoginRequest) -> Result<(), AppError> {
    let username = request.username.trim();
    if username.is_empty() || request.password.is_empty() {
        return Err(AppError::bad_request(
            "validation_failed",
            "username and password are required",
        ));
    }
    if username.chars().count() > 64 || request.password.chars().count() > 1024 {
        return Err(AppError::bad_request(
            "validation_failed",
            "username or password is too long",
        ));
    }
    Ok(())
}

/// Logs out everywhere: every session of this user stops working.
#[utoipa::path(
    post,
    path = "/api/v1/admin/logout",
    tag = "auth",
    responses(
        (status = 204, description = "Logged out; the session cookie is cleared"),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`: a cookie write from another origin", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn logout(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    jar: CookieJar,
) -> Result<(StatusCode, CookieJar), AppError> {
    auth::logout(&state.db, user.id).await?;
    Ok((StatusCode::NO_CONTENT, engine::session::clear(jar)))
}

/// Who is logged in.
#[utoipa::path(
    get,
    path = "/api/v1/admin/me",
    tag = "auth",
    responses(
        (status = 200, description = "The current user", body = UserView),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn me(AuthUser(user): AuthUser) -> ApiJson<UserView> {
    ApiJson(user.view())
}
