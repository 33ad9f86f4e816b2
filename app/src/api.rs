//! The dashboard's server functions: each one finds the session user and
//! calls the same service as the matching v1 handler.

use contract::AppError;
use contract::auth::{UserInput, UserView};
use contract::chat::MessageView;
use contract::inbox::{ConversationDetail, ConversationSummary, InboxQuery};
use contract::list::Page;
use contract::projects::{ModelInfo, ProjectInput, ProjectView, VectorStoreInfo};
use contract::widget::SendMessageRequest;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use ssr::app_state;

#[cfg(feature = "ssr")]
mod ssr {
    use axum::http::request::Parts;
    use contract::AppError;
    use engine::services::auth::{self, CurrentUser};
    use engine::state::AppState;

    /// The [`AppState`] the server provides to every server function.
    ///
    /// # Errors
    /// [`AppError::Internal`] when called outside a request that leptos_axum
    /// handles with the state in context (a wiring mistake, logged).
    pub fn app_state() -> Result<AppState, AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function's context");
            AppError::Internal
        })
    }

    /// The request's parts, as leptos_axum provides them.
    pub async fn parts() -> Result<Parts, AppError> {
        leptos_axum::extract::<Parts>().await.map_err(|err| {
            tracing::error!(error = %err, "request parts missing in a server function");
            AppError::Internal
        })
    }

    /// The state and the user of the request's session.
    pub async fn session_user() -> Result<(AppState, CurrentUser), AppError> {
        let state = app_state()?;
        let token = engine::session::token(&parts().await?, &state.settings)?;
        let user = auth::authenticate(&state, &token).await?;
        Ok((state, user))
    }

    /// Adds a `Set-Cookie` header to the server function's response.
    pub fn set_cookie(cookie: &axum_extra::extract::cookie::Cookie<'_>) {
        let response = expect_response_options();
        if let Ok(value) = axum::http::HeaderValue::from_str(&cookie.to_string()) {
            response.append_header(axum::http::header::SET_COOKIE, value);
        }
    }

    /// Answers a failed server function call with its error's status (not 500
    /// for all). Calls made while rendering a page leave the page's status alone.
    pub fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        let over_http = leptos::prelude::use_context::<Parts>()
            .is_some_and(|parts| parts.uri.path().starts_with("/admin/fn/"));
        if let Err(err) = &result
            && over_http
            && let Ok(status) = axum::http::StatusCode::from_u16(err.status())
        {
            expect_response_options().set_status(status);
        }
        result
    }

    fn expect_response_options() -> leptos_axum::ResponseOptions {
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>().unwrap_or_default()
    }
}

/// The dashboard's view of `GET /health`, over the same service.
#[server(prefix = "/admin/fn", endpoint = "health")]
pub async fn get_health() -> Result<contract::health::Health, AppError> {
    let state = app_state()?;
    Ok(engine::services::health::check(&state.db).await)
}

/// Logs in and sets the session cookie.
#[server(prefix = "/admin/fn", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<UserView, AppError> {
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
pub async fn get_project(id: Uuid) -> Result<ProjectView, AppError> {
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
pub async fn save_project(id: Option<Uuid>, input: ProjectInput) -> Result<ProjectView, AppError> {
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
pub async fn delete_project(id: Uuid) -> Result<(), AppError> {
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
pub async fn project_models(id: Uuid) -> Result<Vec<ModelInfo>, AppError> {
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
pub async fn project_vector_stores(id: Uuid) -> Result<Vec<VectorStoreInfo>, AppError> {
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
    openai_api_key: String,
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
pub async fn save_user(id: Option<Uuid>, input: UserInput) -> Result<UserView, AppError> {
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
pub async fn delete_user(id: Uuid) -> Result<(), AppError> {
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
pub async fn list_conversations(query: InboxQuery) -> Result<Page<ConversationSummary>, AppError> {
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
pub async fn get_conversation(id: Uuid) -> Result<ConversationDetail, AppError> {
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
    TakeOver,
    Release,
    Close,
    Read,
}

/// Takes over, releases, closes or marks read a conversation.
#[server(prefix = "/admin/fn", endpoint = "conversation_action", input = Json)]
pub async fn conversation_action(
    id: Uuid,
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
    id: Uuid,
    request: SendMessageRequest,
) -> Result<MessageView, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::takeover::send(&state, &user, id, &request).await
        }
        .await,
    )
}

/// The operator is typing.
#[server(prefix = "/admin/fn", endpoint = "operator_typing")]
pub async fn operator_typing(id: Uuid) -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::takeover::typing(&state, &user, id).await
        }
        .await,
    )
}
