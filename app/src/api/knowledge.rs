//! The knowledge page's server functions: the view, websites and Q&A pairs,
//! over `engine::services::knowledge` (the same services as
//! `/api/v1/admin/projects/{id}/knowledge…`). Uploads and the playground are
//! called with fetch from the browser (multipart, an event stream).

use contract::AppError;
use contract::knowledge::{
    KnowledgeQa, KnowledgeSite, KnowledgeView, QaInput, SiteInput, SitePatch,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::ssr;

/// The knowledge base of a project: files, websites, Q&A pairs.
#[server(prefix = "/admin/fn", endpoint = "knowledge")]
pub async fn get_knowledge(
    /// The project's id.
    project: Uuid,
) -> Result<KnowledgeView, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::knowledge::view(&state, &user, project).await
        }
        .await,
    )
}

/// Removes an uploaded file (and deletes it at the provider).
#[server(prefix = "/admin/fn", endpoint = "knowledge_delete_file")]
pub async fn delete_knowledge_file(
    /// The project's id.
    project: Uuid,
    /// The file's id.
    file: Uuid,
) -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::knowledge::files::delete(&state, &user, project, file).await
        }
        .await,
    )
}

/// Adds a website; its import is queued.
#[server(prefix = "/admin/fn", endpoint = "knowledge_add_site", input = Json)]
pub async fn add_site(
    /// The project's id.
    project: Uuid,
    /// The address, page limit and schedule.
    input: SiteInput,
) -> Result<KnowledgeSite, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::knowledge::sites::create(&state, &user, project, &input).await
        }
        .await,
    )
}

/// Changes a website's page limit or schedule.
#[server(prefix = "/admin/fn", endpoint = "knowledge_update_site", input = Json)]
pub async fn update_site(
    /// The project's id.
    project: Uuid,
    /// The website's id.
    site: Uuid,
    /// The fields to change.
    patch: SitePatch,
) -> Result<KnowledgeSite, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::knowledge::sites::update(&state, &user, project, site, &patch).await
        }
        .await,
    )
}

/// Queues an import of a website now.
#[server(prefix = "/admin/fn", endpoint = "knowledge_sync_site")]
pub async fn sync_site(
    /// The project's id.
    project: Uuid,
    /// The website's id.
    site: Uuid,
) -> Result<KnowledgeSite, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::knowledge::sites::sync(&state, &user, project, site).await
        }
        .await,
    )
}

/// Removes a website and its pages.
#[server(prefix = "/admin/fn", endpoint = "knowledge_delete_site")]
pub async fn delete_site(
    /// The project's id.
    project: Uuid,
    /// The website's id.
    site: Uuid,
) -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::knowledge::sites::delete(&state, &user, project, site).await
        }
        .await,
    )
}

/// Adds (`pair` is `None`) or changes a question/answer pair.
#[server(prefix = "/admin/fn", endpoint = "knowledge_save_qa", input = Json)]
pub async fn save_qa(
    /// The project's id.
    project: Uuid,
    /// The pair to change; `None` adds one.
    pair: Option<Uuid>,
    /// The question and the answer.
    input: QaInput,
) -> Result<KnowledgeQa, AppError> {
    ssr::finish(
        async move {
            use engine::services::knowledge::qa;
            let (state, user) = ssr::session_user().await?;
            match pair {
                Some(pair) => qa::update(&state, &user, project, pair, &input).await,
                None => qa::create(&state, &user, project, &input).await,
            }
        }
        .await,
    )
}

/// Removes a question/answer pair.
#[server(prefix = "/admin/fn", endpoint = "knowledge_delete_qa")]
pub async fn delete_qa(
    /// The project's id.
    project: Uuid,
    /// The pair's id.
    pair: Uuid,
) -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::knowledge::qa::delete(&state, &user, project, pair).await
        }
        .await,
    )
}
