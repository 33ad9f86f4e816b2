//! `GET /api/v1/openapi.json`: the OpenAPI document of the public HTTP API.
//!
//! Every v1 handler is listed here with `#[utoipa::path]` on the handler, so
//! the document cannot drift from the code that serves it.

use contract::auth::{LoginRequest, LoginResponse, Role, UserInput, UserView};
use contract::chat::{
    ConversationStatus, DeltaEvent, MessageRole, MessageStatus, MessageView, Source, StatusEvent,
    TypingEvent,
};
use contract::error::ErrorBody;
use contract::health::Health;
use contract::inbox::{
    ConversationDetail, ConversationSummary, OperatorRef, ReadEvent, VisitorInfo,
};
use contract::knowledge::{
    KnowledgeFile, KnowledgeQa, KnowledgeSite, KnowledgeSource, KnowledgeStatus, KnowledgeView,
    PageFailure, QaInput, SiteInput, SitePatch, SiteProgress, SiteStatus, SyncSchedule,
};
use contract::list::Page;
use contract::privacy::{
    ConversationRemovedEvent, ExportedConversation, ExportedVisitor, VisitorExport,
};
use contract::projects::{
    ApiStyle, HandoffInput, HandoffSettings, HandoffTimeoutAction, Limits, LimitsInput, ModelInfo,
    ModelsProbe, ProjectInput, ProjectView, VectorStoreInfo, WidgetInput, WidgetPosition,
    WidgetSettings,
};
use contract::widget::{
    ContactRequest, ConversationState, SendMessageRequest, SendMessageResponse, SessionRequest,
    SessionResponse, WidgetConfig,
};
use utoipa::{Modify, OpenApi};

/// The public API as OpenAPI 3.1.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "aiwidget",
        description = "Embeddable AI chat widget with live human takeover. Errors are \
                       `{\"error\": \"<code>\", \"message\": \"<text>\"}` with the status of the error.",
    ),
    paths(
        super::health::health,
        openapi_json,
        super::admin_auth::login,
        super::admin_auth::logout,
        super::admin_auth::me,
        super::admin_projects::list,
        super::admin_projects::create,
        super::admin_projects::read,
        super::admin_projects::update,
        super::admin_projects::delete,
        super::admin_projects::models,
        super::admin_projects::vector_stores,
        super::admin_projects::probe_models,
        super::admin_users::list,
        super::admin_users::create,
        super::admin_users::update,
        super::admin_users::delete,
        super::widget::config,
        super::widget::session,
        super::widget::send_message,
        super::widget::handoff,
        super::widget::typing,
        super::widget::contact,
        super::widget::close,
        super::widget::rate,
        super::widget_events::events,
        super::admin_conversations::list,
        super::admin_conversations::read,
        super::admin_conversations::take_over,
        super::admin_conversations::release,
        super::admin_conversations::close,
        super::admin_conversations::mark_read,
        super::admin_conversations::typing,
        super::admin_conversations::send,
        super::admin_conversations::events,
        super::admin_visitors::export,
        super::admin_visitors::delete,
        super::admin_knowledge::read,
        super::admin_knowledge::upload,
        super::admin_knowledge::delete_file,
        super::admin_knowledge::add_site,
        super::admin_knowledge::update_site,
        super::admin_knowledge::sync_site,
        super::admin_knowledge::delete_site,
        super::admin_knowledge::add_qa,
        super::admin_knowledge::update_qa,
        super::admin_knowledge::delete_qa,
        super::admin_playground::ask,
        super::admin_playground::check_project,
        super::admin_alerts::create_link,
        super::admin_alerts::unlink,
        super::admin_alerts::notifications,
        super::admin_alerts::update_notifications,
        super::admin_alerts::webhook,
        super::admin_copilot::list_replies,
        super::admin_copilot::add_reply,
        super::admin_copilot::update_reply,
        super::admin_copilot::delete_reply,
        super::admin_copilot::suggest,
        super::admin_copilot::summarise,
        super::admin_copilot::translate_visitor,
        super::admin_stats::read,
        super::admin_stats::export,
    ),
    components(schemas(
        Health, ErrorBody, LoginRequest, LoginResponse, UserView, UserInput, Role, Page<UserView>, Page<ProjectView>, Page<ModelInfo>,
        Page<VectorStoreInfo>, ProjectView, ProjectInput,
        WidgetSettings, WidgetInput, Limits, LimitsInput, HandoffSettings,
        HandoffInput, ApiStyle, WidgetPosition, HandoffTimeoutAction, ModelInfo, VectorStoreInfo,
        ModelsProbe, WidgetConfig, SessionRequest, SessionResponse, SendMessageRequest,
        SendMessageResponse, ConversationState, MessageView, MessageRole, MessageStatus,
        ConversationStatus, Source, DeltaEvent, StatusEvent, TypingEvent, ContactRequest,
        OperatorRef, ConversationSummary, ConversationDetail, VisitorInfo, ReadEvent,
        Page<ConversationSummary>, VisitorExport, ExportedVisitor, ExportedConversation,
        ConversationRemovedEvent, KnowledgeView, KnowledgeFile, KnowledgeSite, KnowledgeQa,
        KnowledgeSource, KnowledgeStatus, SiteStatus, SiteProgress, PageFailure, SyncSchedule,
        SiteInput, SitePatch, QaInput, super::admin_knowledge::UploadForm,
        contract::knowledge::PlaygroundInput, contract::knowledge::PlaygroundEvent,
        contract::knowledge::PlaygroundInstructions, contract::knowledge::PlaygroundDelta,
        contract::knowledge::PlaygroundAnswer, contract::knowledge::PlaygroundRetrieved,
        contract::knowledge::RetrievedChunk, contract::knowledge::RetrievalStatus,
        contract::knowledge::ProjectCheck,
        contract::knowledge::CheckItem, contract::knowledge::VectorStoreCheck,
        contract::alerts::TelegramLink, contract::alerts::AlertChoices,
        contract::alerts::QuietHours, contract::alerts::Notifications,
        contract::alerts::NotificationsInput,
        contract::copilot::CannedReply, contract::copilot::ReplyInput,
        contract::copilot::SuggestEvent, contract::copilot::SuggestionText,
        contract::projects::RatingAfter, contract::inbox::Rating,
        contract::widget::RatingRequest, contract::widget::RatedConversation,
        contract::inbox::OperatorMessageRequest,
        contract::stats::StatsQuery, contract::stats::Stats, contract::stats::Figures,
        contract::stats::DayStats, contract::stats::Handoffs, contract::stats::Ratings,
        contract::stats::Budget,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Health and the API description"),
        (name = "auth", description = "Dashboard and API sessions"),
        (name = "users", description = "Operators and admins"),
        (name = "projects", description = "Client sites: keys, knowledge base, widget, limits"),
        (name = "widget", description = "The visitor widget: from the project's allowed origins only"),
        (name = "conversations", description = "The operators' inbox, takeover and live events"),
        (name = "privacy", description = "One visitor's data, exported or deleted (admins)"),
        (name = "alerts", description = "An operator's alerts in Telegram and by email; Telegram's webhook"),
        (name = "copilot", description = "The operator's copilot: canned replies, the suggested reply"),
        (name = "stats", description = "The owner's numbers of a period, and its conversations as CSV"),
        (name = "knowledge", description = "A project's knowledge base: files, websites, Q&A, the playground and the project check"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// Bearer tokens for API clients, the session cookie for the dashboard.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "visitor",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("visitor token from /api/v1/widget/session")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                engine::session::SESSION_COOKIE,
            ))),
        );
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "system",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.info.version = contract::VERSION.to_owned();
    axum::Json(doc)
}
