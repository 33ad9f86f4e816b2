//! `/api/v1/widget/*`: the visitor widget's API. Every call, the event stream
//! included, must come from one of the project's allowed origins (or the
//! dashboard's own); CORS for these paths is in [`super::cors`].

use super::errors::{ApiJson, ApiQuery};
use super::session::ClientIp;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, options, post};
use contract::AppError;
use contract::error::ErrorBody;
use contract::widget::{
    ConfigQuery, ContactRequest, ConversationState, RatedConversation, RatingRequest,
    SendMessageRequest, SendMessageResponse, SessionRequest, SessionResponse, WidgetConfig,
};
use engine::services::visitors::Seen;
use engine::services::widget::{self, VisitorContext};
use engine::state::AppState;

/// The largest body a widget call takes: a message of up to 10,000
/// characters (the highest `limits.message_chars`) of up to 4 bytes each, or a
/// contact with such a text, and the JSON around it. Anything larger is
/// refused with `413 payload_too_large` before it is parsed.
pub const WIDGET_BODY_LIMIT_BYTES: usize = 48 * 1024;

/// The routes of this module and the event stream, with CORS. Each route
/// takes `OPTIONS` too, so that preflights reach the CORS layer instead of
/// the server-wide `405` fallback.
pub fn routes(state: &AppState) -> Router<AppState> {
    let preflight = options(|| async { StatusCode::NO_CONTENT });
    Router::new()
        .route(
            "/api/v1/widget/config",
            get(config).merge(preflight.clone()),
        )
        .route(
            "/api/v1/widget/session",
            post(session).merge(preflight.clone()),
        )
        .route(
            "/api/v1/widget/messages",
            post(send_message).merge(preflight.clone()),
        )
        .route(
            "/api/v1/widget/handoff",
            post(handoff).merge(preflight.clone()),
        )
        .route(
            "/api/v1/widget/typing",
            post(typing).merge(preflight.clone()),
        )
        .route(
            "/api/v1/widget/contact",
            post(contact).merge(preflight.clone()),
        )
        .route("/api/v1/widget/close", post(close).merge(preflight.clone()))
        .route("/api/v1/widget/rating", post(rate).merge(preflight.clone()))
        .route(
            "/api/v1/widget/events",
            get(super::widget_events::events).merge(preflight),
        )
        .layer(DefaultBodyLimit::max(WIDGET_BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            flood_guard,
        ))
        .layer(super::cors::widget_layer(state))
}

/// Refuses a client over its allowance ([`engine::services::flood`]) before
/// anything else runs; inside CORS, so that the widget can read the `429`.
async fn flood_guard(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match state.flood_guard.check(ip) {
        Ok(()) => next.run(request).await,
        Err(err) => axum::response::IntoResponse::into_response(err),
    }
}

/// The request's `Origin` header, if it is text.
pub fn origin(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
}

/// The visitor behind `Authorization: Bearer <visitor token>` (or `?token=`
/// for the event stream, which cannot send headers), from an allowed origin.
#[derive(Debug)]
pub struct WidgetVisitor(pub VisitorContext);

impl FromRequestParts<AppState> for WidgetVisitor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = engine::session::bearer_token(&parts.headers)
            .map(str::to_owned)
            .or_else(|| query_token(parts));
        widget::authenticate(state, token.as_deref(), origin(&parts.headers))
            .await
            .map(WidgetVisitor)
    }
}

fn query_token(parts: &Parts) -> Option<String> {
    url::form_urlencoded::parse(parts.uri.query()?.as_bytes())
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
}

/// How the widget of a project looks, and whether anyone answers.
#[utoipa::path(
    get,
    path = "/api/v1/widget/config",
    tag = "widget",
    params(ConfigQuery),
    responses(
        (status = 200, description = "The widget's settings", body = WidgetConfig),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many requests from this address (`Retry-After`)", body = ErrorBody),
    )
)]
pub async fn config(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ConfigQuery>,
) -> Result<ApiJson<WidgetConfig>, AppError> {
    let project = widget::find_project(&state, query.project_id).await?;
    widget::check_origin(&state, &project, origin(&headers))?;
    Ok(ApiJson(widget::config(&state, &project)))
}

/// Opens or resumes a visitor's session.
#[utoipa::path(
    post,
    path = "/api/v1/widget/session",
    tag = "widget",
    request_body = SessionRequest,
    responses(
        (status = 200, description = "The visitor's token, conversation and messages", body = SessionResponse),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`consent_required`: the project has a privacy notice and the visitor has not accepted its current version (send it as `consent_version`); nothing was stored", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many conversations from this address (`Retry-After`)", body = ErrorBody),
    )
)]
pub async fn session(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    ApiJson(request): ApiJson<SessionRequest>,
) -> Result<ApiJson<SessionResponse>, AppError> {
    let project = widget::find_project(&state, request.project_id).await?;
    widget::check_origin(&state, &project, origin(&headers))?;
    let seen = Seen {
        locale: request.locale.clone(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        ip,
    };
    widget::session(&state, &project, &request, &seen)
        .await
        .map(ApiJson)
}

/// Stores the visitor's message; the answer follows on the event stream.
#[utoipa::path(
    post,
    path = "/api/v1/widget/messages",
    tag = "widget",
    request_body = SendMessageRequest,
    responses(
        (status = 202, description = "Stored (or stored before, for a repeated `client_message_id`)", body = SendMessageResponse),
        (status = 400, description = "`validation_failed`: empty or too long", body = ErrorBody),
        (status = 401, description = "`invalid_visitor_token`", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 409, description = "`consent_required`: the visitor has not accepted the current privacy notice (open a session with it)", body = ErrorBody),
        (status = 429, description = "`rate_limited` (`Retry-After`)", body = ErrorBody),
    ),
    security(("visitor" = []))
)]
pub async fn send_message(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
    ApiJson(request): ApiJson<SendMessageRequest>,
) -> Result<(StatusCode, ApiJson<SendMessageResponse>), AppError> {
    // Run to its end even when the client goes away: the answer's lease and
    // budget reservation commit with the message, and its run must then start.
    let message = tokio::spawn(async move { widget::send(&state, &visitor, &request).await })
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "storing a visitor's message panicked");
            AppError::Internal
        })??;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(SendMessageResponse { message }),
    ))
}

/// The visitor asks for a human.
#[utoipa::path(
    post,
    path = "/api/v1/widget/handoff",
    tag = "widget",
    responses(
        (status = 200, description = "The conversation's state now", body = ConversationState),
        (status = 401, description = "`invalid_visitor_token`", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 409, description = "`no_conversation`; `consent_required`: the visitor has not accepted the current privacy notice", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many requests from this address (`Retry-After`)", body = ErrorBody),
    ),
    security(("visitor" = []))
)]
pub async fn handoff(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
) -> Result<ApiJson<ConversationState>, AppError> {
    widget::handoff(&state, &visitor).await.map(ApiJson)
}

/// The visitor is typing.
#[utoipa::path(
    post,
    path = "/api/v1/widget/typing",
    tag = "widget",
    responses(
        (status = 200, description = "The conversation's state", body = ConversationState),
        (status = 401, description = "`invalid_visitor_token`", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 409, description = "`no_conversation`; `consent_required`: the visitor has not accepted the current privacy notice", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many requests from this address (`Retry-After`)", body = ErrorBody),
    ),
    security(("visitor" = []))
)]
pub async fn typing(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
) -> Result<ApiJson<ConversationState>, AppError> {
    widget::visitor_typing(&state, &visitor).await.map(ApiJson)
}

/// The visitor leaves a contact (when nobody came); an email or a phone is required.
#[utoipa::path(
    post,
    path = "/api/v1/widget/contact",
    tag = "widget",
    request_body = ContactRequest,
    responses(
        (status = 200, description = "Stored; the conversation's state", body = ConversationState),
        (status = 400, description = "`validation_failed`", body = ErrorBody),
        (status = 401, description = "`invalid_visitor_token`", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 409, description = "`no_conversation`; `consent_required`: the visitor has not accepted the current privacy notice", body = ErrorBody),
        (status = 429, description = "`rate_limited` (`Retry-After`)", body = ErrorBody),
    ),
    security(("visitor" = []))
)]
pub async fn contact(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
    ApiJson(request): ApiJson<ContactRequest>,
) -> Result<ApiJson<ConversationState>, AppError> {
    widget::contact(&state, &visitor, &request)
        .await
        .map(ApiJson)
}

/// The visitor ends the chat: their open conversation is closed (the AI's
/// answer in flight stops); the next message opens a new one.
#[utoipa::path(
    post,
    path = "/api/v1/widget/close",
    tag = "widget",
    responses(
        (status = 200, description = "Closed; the conversation's state", body = ConversationState),
        (status = 401, description = "`invalid_visitor_token`", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 409, description = "`no_conversation`: nothing open to end; `consent_required`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many requests from this address (`Retry-After`)", body = ErrorBody),
    ),
    security(("visitor" = []))
)]
pub async fn close(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
) -> Result<ApiJson<ConversationState>, AppError> {
    widget::close(&state, &visitor).await.map(ApiJson)
}

/// The visitor rates their latest closed conversation (1 to 5, an optional
/// comment); a second rating replaces the first.
#[utoipa::path(
    post,
    path = "/api/v1/widget/rating",
    tag = "widget",
    request_body = RatingRequest,
    responses(
        (status = 201, description = "Stored", body = RatedConversation),
        (status = 400, description = "`validation_failed`: a score outside 1 to 5, a comment over 1,000 characters", body = ErrorBody),
        (status = 401, description = "`invalid_visitor_token`", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 409, description = "`nothing_to_rate`: no closed conversation the project asks a rating for (`widget.rating_after`); `consent_required`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many requests from this address (`Retry-After`)", body = ErrorBody),
    ),
    security(("visitor" = []))
)]
pub async fn rate(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
    ApiJson(request): ApiJson<RatingRequest>,
) -> Result<(StatusCode, ApiJson<RatedConversation>), AppError> {
    let rated = widget::rate(&state, &visitor, &request).await?;
    Ok((StatusCode::CREATED, ApiJson(rated)))
}
