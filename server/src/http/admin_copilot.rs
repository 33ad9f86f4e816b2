//! The operator's copilot (`docs/copilot.md`): a project's canned replies
//! (`/api/v1/admin/projects/{id}/replies`: operators who see the project
//! read them, admins change them), the suggested reply
//! (`POST /api/v1/admin/conversations/{id}/suggest`) and the conversation's
//! summary (`POST /api/v1/admin/conversations/{id}/summary`), and the
//! translation of the visitor's messages (`POST …/{id}/translate`).

use super::errors::{ApiJson, ApiPath};
use super::session::AuthUser;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, patch, post};
use contract::AppError;
use contract::copilot::{CannedReply, ReplyInput, SuggestEvent};
use contract::error::ErrorBody;
use contract::inbox::{ConversationDetail, ConversationSummary};
use engine::services::copilot::{replies, suggest, summary, translate};
use engine::state::AppState;
use futures_util::StreamExt as _;
use uuid::Uuid;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/projects/{id}/replies",
            get(list_replies).post(add_reply),
        )
        .route(
            "/api/v1/admin/projects/{id}/replies/{reply_id}",
            patch(update_reply).delete(delete_reply),
        )
        .route("/api/v1/admin/conversations/{id}/suggest", post(suggest))
        .route("/api/v1/admin/conversations/{id}/summary", post(summarise))
        .route(
            "/api/v1/admin/conversations/{id}/translate",
            post(translate_visitor),
        )
}

/// The project's canned replies, by shortcut.
#[utoipa::path(
    get,
    path = "/api/v1/admin/projects/{id}/replies",
    tag = "copilot",
    params(("id" = Uuid, Path, description = "The project id")),
    responses(
        (status = 200, description = "The canned replies", body = Vec<CannedReply>),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn list_replies(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<Vec<CannedReply>>, AppError> {
    replies::list(&state, &user, id).await.map(ApiJson)
}

/// Adds a canned reply (admins).
#[utoipa::path(
    post,
    path = "/api/v1/admin/projects/{id}/replies",
    tag = "copilot",
    params(("id" = Uuid, Path, description = "The project id")),
    request_body = ReplyInput,
    responses(
        (status = 201, description = "Added", body = CannedReply),
        (status = 400, description = "`validation_failed` (`title`, `shortcut`, `text`)", body = ErrorBody),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`shortcut_taken`, `too_many_replies`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn add_reply(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ReplyInput>,
) -> Result<(StatusCode, ApiJson<CannedReply>), AppError> {
    let reply = replies::create(&state, &user, id, &input).await?;
    Ok((StatusCode::CREATED, ApiJson(reply)))
}

/// Changes a canned reply (admins); absent fields keep their value.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/projects/{id}/replies/{reply_id}",
    tag = "copilot",
    params(
        ("id" = Uuid, Path, description = "The project id"),
        ("reply_id" = Uuid, Path, description = "The reply's id"),
    ),
    request_body = ReplyInput,
    responses(
        (status = 200, description = "Changed", body = CannedReply),
        (status = 400, description = "`validation_failed`", body = ErrorBody),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found` or `reply_not_found`", body = ErrorBody),
        (status = 409, description = "`shortcut_taken`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn update_reply(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, reply_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(input): ApiJson<ReplyInput>,
) -> Result<ApiJson<CannedReply>, AppError> {
    replies::update(&state, &user, id, reply_id, &input)
        .await
        .map(ApiJson)
}

/// Removes a canned reply (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/admin/projects/{id}/replies/{reply_id}",
    tag = "copilot",
    params(
        ("id" = Uuid, Path, description = "The project id"),
        ("reply_id" = Uuid, Path, description = "The reply's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found` or `reply_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn delete_reply(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, reply_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, AppError> {
    replies::delete(&state, &user, id, reply_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Drafts the operator's next reply with the project's AI (its instructions,
/// knowledge base and the whole conversation); nothing is stored or sent to
/// the visitor. The call counts in today's AI budget.
#[utoipa::path(
    post,
    path = "/api/v1/admin/conversations/{id}/suggest",
    tag = "copilot",
    params(("id" = Uuid, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "`text/event-stream`: `delta`s (`{\"text\"}`), then one \
            `suggestion` (`{\"text\"}`, the whole draft), or one `error` (`{\"error\",\"message\"}`: \
            `upstream_*`, `internal`)", body = SuggestEvent, content_type = "text/event-stream"),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key`, `api_key_unreadable`, `nothing_to_answer` \
            (nothing said yet), or `ai_budget_spent` (today's AI budget has no room)", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn suggest(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, AppError> {
    let events = suggest::suggest(&state, &user, id).await?;
    Ok(super::sse::respond(
        events.map(|event| super::sse::tagged(event.name(), &event)),
    ))
}

/// Makes the conversation's summary now (it is also made when the
/// conversation starts waiting for a human): the conversation as the inbox
/// lists it, `summary` filled. The call counts in today's AI budget.
#[utoipa::path(
    post,
    path = "/api/v1/admin/conversations/{id}/summary",
    tag = "copilot",
    params(("id" = Uuid, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "The conversation with its new `summary`", body = ConversationSummary),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key`, `api_key_unreadable`, `nothing_to_answer` \
            or `ai_budget_spent`", body = ErrorBody),
        (status = 502, description = "`upstream_*`: the provider failed; the summary before stays", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn summarise(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ConversationSummary>, AppError> {
    summary::on_demand(&state, &user, id).await.map(ApiJson)
}

/// Translates the visitor's messages into the caller's language (their
/// `locale`) where they are not yet (the newest 20), and answers the
/// conversation as `GET` does, each visitor message with its `translation`.
/// Nothing is called when the visitor writes the caller's language or
/// theirs is unknown. Each translation counts in today's AI budget.
#[utoipa::path(
    post,
    path = "/api/v1/admin/conversations/{id}/translate",
    tag = "copilot",
    params(("id" = Uuid, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "The conversation with the translations", body = ConversationDetail),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key`, `api_key_unreadable` or `ai_budget_spent`", body = ErrorBody),
        (status = 502, description = "`upstream_*`: the provider failed (the translations made before stay)", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn translate_visitor(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ConversationDetail>, AppError> {
    translate::visitor_messages(&state, &user, id)
        .await
        .map(ApiJson)
}
