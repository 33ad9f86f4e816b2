//! An operator's own alerts: `/api/v1/admin/me/telegram` (link or unlink a
//! Telegram chat), `/api/v1/admin/me/notifications` (which alerts go where),
//! and Telegram's webhook, `POST /api/v1/telegram/webhook` (`docs/alerts.md`).

use super::errors::ApiJson;
use super::session::AuthUser;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use contract::AppError;
use contract::alerts::{Notifications, NotificationsInput, TelegramLink};
use contract::error::ErrorBody;
use engine::services::alerts::settings;
use engine::services::telegram::{link, updates};
use engine::state::AppState;

/// The header Telegram puts the webhook's `secret_token` in.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/me/telegram",
            post(create_link).delete(unlink),
        )
        .route(
            "/api/v1/admin/me/notifications",
            get(notifications).patch(update_notifications),
        )
        .route("/api/v1/telegram/webhook", post(webhook))
}

/// A one-time link that ties the Telegram chat it is opened in to you.
#[utoipa::path(
    post,
    path = "/api/v1/admin/me/telegram",
    tag = "alerts",
    responses(
        (status = 201, description = "Open `link` in Telegram within 15 minutes", body = TelegramLink),
        (status = 409, description = "`telegram_disabled`: no `TELEGRAM_BOT_TOKEN` on this server", body = ErrorBody),
        (status = 502, description = "`upstream_unavailable`: Telegram cannot be reached", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn create_link(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
) -> Result<(StatusCode, ApiJson<TelegramLink>), AppError> {
    let link = link::create(&state, &me).await?;
    Ok((StatusCode::CREATED, ApiJson(link)))
}

/// Unlinks your Telegram chat (its queued alerts are dropped).
#[utoipa::path(
    delete,
    path = "/api/v1/admin/me/telegram",
    tag = "alerts",
    responses((status = 204, description = "Unlinked (also when nothing was linked)")),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn unlink(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
) -> Result<StatusCode, AppError> {
    link::unlink(&state, &me).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which of your alerts go to Telegram and by email.
#[utoipa::path(
    get,
    path = "/api/v1/admin/me/notifications",
    tag = "alerts",
    responses((status = 200, description = "Your choices", body = Notifications)),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn notifications(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
) -> Result<ApiJson<Notifications>, AppError> {
    Ok(ApiJson(settings::notifications(&state, &me).await?))
}

/// Changes your choices; absent fields keep theirs.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/me/notifications",
    tag = "alerts",
    request_body = NotificationsInput,
    responses(
        (status = 200, description = "Your choices now", body = Notifications),
        (status = 400, description = "`validation_failed` with the reason per field", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn update_notifications(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiJson(input): ApiJson<NotificationsInput>,
) -> Result<ApiJson<Notifications>, AppError> {
    Ok(ApiJson(settings::update(&state, &me, &input).await?))
}

/// Telegram's calls with updates (`TELEGRAM_WEBHOOK=true`): each must carry
/// the `X-Telegram-Bot-Api-Secret-Token` given to `setWebhook`.
#[utoipa::path(
    post,
    path = "/api/v1/telegram/webhook",
    tag = "alerts",
    request_body(content = Object, description = "A Telegram `Update`"),
    responses(
        (status = 200, description = "Handled (or ignored)"),
        (status = 401, description = "`invalid_secret`", body = ErrorBody),
        (status = 404, description = "`not_found`: this server takes updates by long poll", body = ErrorBody),
    )
)]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<StatusCode, AppError> {
    let telegram = state
        .telegram
        .clone()
        .filter(|telegram| telegram.webhook)
        .ok_or_else(|| AppError::not_found("not_found", "no such route"))?;
    let given = headers
        .get(SECRET_HEADER)
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    if !telegram.is_webhook_secret(given) {
        return Err(AppError::Unauthorized {
            code: "invalid_secret".into(),
            message: "the webhook's secret token is missing or wrong".into(),
        });
    }
    // An update this server cannot read is acknowledged (Telegram would
    // resend it forever); one that failed on the database is not.
    let Ok(update) = serde_json::from_slice::<engine::telegram::Update>(&body) else {
        tracing::warn!("a webhook update could not be read; ignored");
        return Ok(StatusCode::OK);
    };
    updates::handle(&state, &telegram, &update).await?;
    Ok(StatusCode::OK)
}
