//! The dashboard's server functions: each one finds the session user and
//! calls the same service as the matching v1 handler.
//!
//! `ssr` (server only): what they share there (state, session user, cookies,
//! error statuses).

use contract::AppError;
use contract::auth::{UserInput, UserView};
use contract::chat::MessageView;
use contract::inbox::OperatorMessageRequest;
use contract::inbox::{ConversationDetail, ConversationSummary, InboxQuery};
use contract::list::Page;
use contract::projects::{ModelInfo, ProjectInput, ProjectView, VectorStoreInfo};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use ssr::app_state;

#[cfg(feature = "ssr")]
mod ssr;

pub mod alerts;
pub mod copilot;
pub mod knowledge;
pub mod stats;

/// The dashboard's view of `GET /health`, over the same service.
#[server(prefix = "/admin/fn", endpoint = "health")]
pub async fn get_health() -> Result<contract::health::Health, AppError> {
    let state = app_state()?;
    Ok(engine::services::health::check(&state.db).await)
}

/// Logs in and sets the session cookie.
#[server(prefix = "/admin/fn", endpoint = "login")]
pub async fn login(
    /// The login name.
    username: String,
    /// The user's password.
    password: String,
) -> Result<UserView, AppError> {
    ssr::finish(
        async move {
            let state = app_state()?;
            let parts = ssr::parts().await?;
            engine::session::require_public_origin(&parts.headers, &state.settings)?;
            let ip = engine::session::client_ip(&parts);
            let response = engine::services::auth::login(&state, &username, &password, ip).await?;
            ssr::set_cookie(&engine::session::cookie(&state.settings, response.token));
            Ok(response.user)
        }
        .await,
    )
}

/// Logs out everywhere and clears the cookie.
#[server(prefix = "/admin/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::auth::logout(&state.db, user.id).await?;
            for cookie in engine::session::removals() {
                ssr::set_cookie(&cookie);
            }
            Ok(())
        }
        .await,
    )
}

/// The logged-in user, or `None`.
#[server(prefix = "/admin/fn", endpoint = "me")]
pub async fn me() -> Result<Option<UserView>, AppError> {
    ssr::finish(
        async move {
            match ssr::session_user().await {
                Ok((_, user)) => Ok(Some(user.view())),
                Err(AppError::Unauthorized { .. }) => Ok(None),
                Err(err) => Err(err),
            }
        }
        .await,
    )
}

/// The projects the user may see.
#[server(prefix = "/admin/fn", endpoint = "projects")]
pub async fn list_projects() -> Result<Vec<ProjectView>, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::projects::list(&state, &user).await
        }
        .await,
    )
}

/// One project.
#[server(prefix = "/admin/fn", endpoint = "project")]
pub async fn get_project(
    /// The project's id.
    id: Uuid,
) -> Result<ProjectView, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::projects::get(&state, &user, id).await
        }
        .await,
    )
}

/// Creates (`id` is `None`) or changes a project.
#[server(prefix = "/admin/fn", endpoint = "save_project", input = Json)]
pub async fn save_project(
    /// The project to change; `None` creates one.
    id: Option<Uuid>,
    /// The fields to set.
    input: ProjectInput,
) -> Result<ProjectView, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            match id {
                Some(id) => engine::services::projects::update(&state, &user, id, &input).await,
                None => engine::services::projects::create(&state, &user, &input).await,
            }
        }
        .await,
    )
}

/// Deletes a project.
#[server(prefix = "/admin/fn", endpoint = "delete_project")]
pub async fn delete_project(
    /// The project's id.
    id: Uuid,
) -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::projects::delete(&state, &user, id).await
        }
        .await,
    )
}

/// The chat models of the project's saved key.
#[server(prefix = "/admin/fn", endpoint = "project_models")]
pub async fn project_models(
    /// The project's id.
    id: Uuid,
) -> Result<Vec<ModelInfo>, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::projects::models(&state, &user, id).await
        }
        .await,
    )
}

/// The vector stores of the project's saved key.
#[server(prefix = "/admin/fn", endpoint = "project_vector_stores")]
pub async fn project_vector_stores(
    /// The project's id.
    id: Uuid,
) -> Result<Vec<VectorStoreInfo>, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::projects::vector_stores(&state, &user, id).await
        }
        .await,
    )
}

/// The chat models of a key that is not saved yet.
#[server(prefix = "/admin/fn", endpoint = "probe_models")]
pub async fn probe_models(
    /// The key to try (not stored).
    openai_api_key: String,
    /// The OpenAI-compatible API to ask.
    openai_base_url: String,
) -> Result<Vec<ModelInfo>, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            let probe = contract::projects::ModelsProbe {
                openai_api_key,
                openai_base_url: Some(openai_base_url),
            };
            engine::services::projects::probe_models(&state, &user, &probe).await
        }
        .await,
    )
}

/// Every user (admins).
#[server(prefix = "/admin/fn", endpoint = "users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::people::list(&state, &user).await
        }
        .await,
    )
}

/// Creates (`id` is `None`) or changes a user (admins).
#[server(prefix = "/admin/fn", endpoint = "save_user", input = Json)]
pub async fn save_user(
    /// The user to change; `None` creates one.
    id: Option<Uuid>,
    /// The fields to set.
    input: UserInput,
) -> Result<UserView, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            match id {
                Some(id) => engine::services::people::update(&state, &user, id, &input).await,
                None => engine::services::people::create(&state, &user, &input).await,
            }
        }
        .await,
    )
}

/// Removes a user (admins).
#[server(prefix = "/admin/fn", endpoint = "delete_user")]
pub async fn delete_user(
    /// The user's id.
    id: Uuid,
) -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::people::delete(&state, &user, id).await
        }
        .await,
    )
}

/// A page of the inbox.
#[server(prefix = "/admin/fn", endpoint = "conversations", input = Json)]
pub async fn list_conversations(
    /// The filters and the page to read.
    query: InboxQuery,
) -> Result<Page<ConversationSummary>, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::inbox::list(&state, &user, &query).await
        }
        .await,
    )
}

/// One conversation with its visitor and messages.
#[server(prefix = "/admin/fn", endpoint = "conversation")]
pub async fn get_conversation(
    /// The conversation's id.
    id: Uuid,
) -> Result<ConversationDetail, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::inbox::detail(&state, &user, id).await
        }
        .await,
    )
}

/// What an operator does with a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxAction {
    /// Take it over (`human`): the AI stops answering it.
    TakeOver,
    /// Give it back to the AI (`ai`).
    Release,
    /// Close it (`closed`).
    Close,
    /// Mark the visitor's messages read.
    Read,
}

/// Takes over, releases, closes or marks read a conversation.
#[server(prefix = "/admin/fn", endpoint = "conversation_action", input = Json)]
pub async fn conversation_action(
    /// The conversation's id.
    id: Uuid,
    /// What to do with it.
    action: InboxAction,
) -> Result<ConversationSummary, AppError> {
    ssr::finish(
        async move {
            use engine::services::takeover;
            let (state, user) = ssr::session_user().await?;
            match action {
                InboxAction::TakeOver => takeover::take_over(&state, &user, id).await,
                InboxAction::Release => takeover::release(&state, &user, id).await,
                InboxAction::Close => takeover::close(&state, &user, id).await,
                InboxAction::Read => takeover::read(&state, &user, id).await,
            }
        }
        .await,
    )
}

/// An operator's message (taking the conversation over when nobody holds it).
#[server(prefix = "/admin/fn", endpoint = "operator_message", input = Json)]
pub async fn send_operator_message(
    /// The conversation's id.
    id: Uuid,
    /// The message.
    request: OperatorMessageRequest,
) -> Result<MessageView, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::takeover::send(&state, &user, id, &request).await
        }
        .await,
    )
}

/// Deletes everything of a visitor (admins; `docs/privacy.md`).
#[server(prefix = "/admin/fn", endpoint = "delete_visitor")]
pub async fn delete_visitor(
    /// The visitor's id.
    id: Uuid,
) -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::session::require_public_origin(&ssr::parts().await?.headers, &state.settings)?;
            engine::services::privacy::delete(&state, &user, id).await
        }
        .await,
    )
}

/// The operator is typing.
#[server(prefix = "/admin/fn", endpoint = "operator_typing")]
pub async fn operator_typing(
    /// The conversation's id.
    id: Uuid,
) -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::takeover::typing(&state, &user, id).await
        }
        .await,
    )
}
