//! `/api/v1/admin/conversations*` and `/api/v1/admin/events`: the operators'
//! inbox, what they do with a conversation, and their event stream. Every
//! route is scoped to the projects the caller may see.

use super::errors::{ApiJson, ApiPath, ApiQuery};
use super::session::AuthUser;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use contract::AppError;
use contract::chat::MessageView;
use contract::error::ErrorBody;
use contract::inbox::OperatorMessageRequest;
use contract::inbox::{ConversationDetail, ConversationSummary, InboxQuery, OperatorEventsQuery};
use contract::list::Page;
use contract::widget::SendMessageResponse;
use engine::services::events::{self, Scope};
use engine::services::{inbox, streams, takeover};
use engine::state::AppState;
use uuid::Uuid;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/conversations", get(list))
        .route("/api/v1/admin/conversations/{id}", get(read))
        .route("/api/v1/admin/conversations/{id}/takeover", post(take_over))
        .route("/api/v1/admin/conversations/{id}/release", post(release))
        .route("/api/v1/admin/conversations/{id}/close", post(close))
        .route("/api/v1/admin/conversations/{id}/read", post(mark_read))
        .route("/api/v1/admin/conversations/{id}/typing", post(typing))
        .route("/api/v1/admin/conversations/{id}/messages", post(send))
        .route("/api/v1/admin/events", get(events))
}

/// The inbox: conversations with messages, newest activity first.
#[utoipa::path(
    get,
    path = "/api/v1/admin/conversations",
    tag = "conversations",
    params(InboxQuery),
    responses(
        (status = 200, description = "A page of conversations; `next_cursor` reads the next", body = Page<ConversationSummary>),
        (status = 400, description = "`validation_failed` (`status`, `cursor`)", body = ErrorBody),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> Result<ApiJson<Page<ConversationSummary>>, AppError> {
    inbox::list(&state, &user, &query).await.map(ApiJson)
}

/// One conversation: its messages, its visitor, who holds it.
#[utoipa::path(
    get,
    path = "/api/v1/admin/conversations/{id}",
    tag = "conversations",
    params(("id" = Uuid, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "The conversation", body = ConversationDetail),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn read(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ConversationDetail>, AppError> {
    inbox::detail(&state, &user, id).await.map(ApiJson)
}

/// Takes the conversation over: the AI's reply in flight stops, the AI stays silent.
#[utoipa::path(
    post,
    path = "/api/v1/admin/conversations/{id}/takeover",
    tag = "conversations",
    params(("id" = Uuid, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "The conversation now (`human`, held by the caller)", body = ConversationSummary),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
        (status = 409, description = "`already_taken` (with `operator`), `conversation_closed`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn take_over(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ConversationSummary>, AppError> {
    takeover::take_over(&state, &user, id).await.map(ApiJson)
}

/// Hands the conversation back to the AI (the holder or an admin).
#[utoipa::path(
    post,
    path = "/api/v1/admin/conversations/{id}/release",
    tag = "conversations",
    params(("id" = Uuid, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "The conversation now (`ai`)", body = ConversationSummary),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
        (status = 409, description = "`not_taken`, `already_taken`, `conversation_closed`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn release(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ConversationSummary>, AppError> {
    takeover::release(&state, &user, id).await.map(ApiJson)
}

/// Closes the conversation.
#[utoipa::path(
    post,
    path = "/api/v1/admin/conversations/{id}/close",
    tag = "conversations",
    params(("id" = Uuid, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "The conversation now (`closed`)", body = ConversationSummary),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn close(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ConversationSummary>, AppError> {
    takeover::close(&state, &user, id).await.map(ApiJson)
}

/// Marks the visitor's messages read (the visitor's stream gets `read`).
#[utoipa::path(
    post,
    path = "/api/v1/admin/conversations/{id}/read",
    tag = "conversations",
    params(("id" = Uuid, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "The conversation now (`operator_unread` 0)", body = ConversationSummary),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn mark_read(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ConversationSummary>, AppError> {
    takeover::read(&state, &user, id).await.map(ApiJson)
}

/// The operator is typing (the visitor sees it).
#[utoipa::path(
    post,
    path = "/api/v1/admin/conversations/{id}/typing",
    tag = "conversations",
    params(("id" = Uuid, Path, description = "The conversation id")),
    responses(
        (status = 204, description = "Told (at most one event every 2 s)"),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
        (status = 409, description = "`conversation_closed`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn typing(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, AppError> {
    takeover::typing(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An operator's message; writing into a conversation nobody holds takes it over.
#[utoipa::path(
    post,
    path = "/api/v1/admin/conversations/{id}/messages",
    tag = "conversations",
    params(("id" = Uuid, Path, description = "The conversation id")),
    request_body = OperatorMessageRequest,
    responses(
        (status = 201, description = "The message as stored (sent translated: `text` is what the visitor reads, `translation` what the operator wrote)", body = SendMessageResponse),
        (status = 400, description = "`validation_failed`", body = ErrorBody),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody),
        (status = 409, description = "`already_taken` (with `operator`), `conversation_closed`; with `translate`: `visitor_language_unknown`, `no_api_key`, `api_key_unreadable`, `ai_budget_spent`", body = ErrorBody),
        (status = 502, description = "`upstream_*`: the translation failed and nothing was sent", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn send(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<OperatorMessageRequest>,
) -> Result<(StatusCode, ApiJson<SendMessageResponse>), AppError> {
    let message: MessageView = takeover::send(&state, &user, id, &request).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(SendMessageResponse { message }),
    ))
}

/// The operator's event stream: every conversation of their projects.
#[utoipa::path(
    get,
    path = "/api/v1/admin/events",
    tag = "conversations",
    params(OperatorEventsQuery),
    responses(
        (status = 200, description = "`text/event-stream`: `message`, `delta`, `status`, `typing`, `read`, `conversation` (the conversation as the inbox lists it, after each change), and `conversation_removed` (`{\"conversation_id\",\"reason\"}`: deleted, it leaves the inbox)", content_type = "text/event-stream"),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn events(
    State(state): State<AppState>,
    parts: Parts,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<OperatorEventsQuery>,
) -> Result<Response, AppError> {
    let token = engine::session::token(&parts, &state.settings)?;
    let headers = &parts.headers;
    let scope = Scope::Projects((!user.is_admin()).then(|| user.project_ids.clone()));
    let after = match super::sse::cursor(headers, query.after) {
        Some(after) => after,
        None => events::last_id(&state.db, &scope).await?,
    };
    Ok(super::sse::respond(streams::operator(
        state, &user, token, after,
    )))
}
