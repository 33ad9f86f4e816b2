//! The copilot's server functions: a project's canned replies and a
//! conversation's summary, over `engine::services::copilot` (the same
//! services as `/api/v1/admin/projects/{id}/replies` and
//! `…/conversations/{id}/summary`). The suggested reply is an event
//! stream, called with fetch from the browser.

use contract::AppError;
use contract::copilot::{CannedReply, ReplyInput};
use contract::inbox::{ConversationDetail, ConversationSummary};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::ssr;

/// The project's canned replies, by shortcut.
#[server(prefix = "/admin/fn", endpoint = "replies")]
pub async fn list_replies(
    /// The project's id.
    project: Uuid,
) -> Result<Vec<CannedReply>, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::copilot::replies::list(&state, &user, project).await
        }
        .await,
    )
}

/// Adds (`reply` is `None`) or changes a canned reply.
#[server(prefix = "/admin/fn", endpoint = "replies_save", input = Json)]
pub async fn save_reply(
    /// The project's id.
    project: Uuid,
    /// The reply to change; `None` adds one.
    reply: Option<Uuid>,
    /// Its title, shortcut and text.
    input: ReplyInput,
) -> Result<CannedReply, AppError> {
    ssr::finish(
        async move {
            use engine::services::copilot::replies;
            let (state, user) = ssr::session_user().await?;
            match reply {
                Some(reply) => replies::update(&state, &user, project, reply, &input).await,
                None => replies::create(&state, &user, project, &input).await,
            }
        }
        .await,
    )
}

/// Removes a canned reply.
#[server(prefix = "/admin/fn", endpoint = "replies_delete")]
pub async fn delete_reply(
    /// The project's id.
    project: Uuid,
    /// The reply's id.
    reply: Uuid,
) -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::copilot::replies::delete(&state, &user, project, reply).await
        }
        .await,
    )
}

/// Makes the conversation's summary now.
#[server(prefix = "/admin/fn", endpoint = "summarise")]
pub async fn summarise(
    /// The conversation's id.
    conversation: Uuid,
) -> Result<ConversationSummary, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::copilot::summary::on_demand(&state, &user, conversation).await
        }
        .await,
    )
}

/// Translates the visitor's messages into the operator's language where
/// they are not yet (`docs/copilot.md`, "Translation").
#[server(prefix = "/admin/fn", endpoint = "translate")]
pub async fn translate_conversation(
    /// The conversation's id.
    conversation: Uuid,
) -> Result<ConversationDetail, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::copilot::translate::visitor_messages(&state, &user, conversation)
                .await
        }
        .await,
    )
}
