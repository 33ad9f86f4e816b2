//! The operator's copilot (`docs/copilot.md`): what helps an operator answer
//! faster.
//!
//! - [`replies`]: canned replies per project, inserted from the `/` menu.
//! - [`suggest`]: a reply drafted by the project's AI, streamed into the
//!   reply box, sent only by the operator.
//! - [`summary`]: what the conversation is about, for the operator who
//!   takes it over.
//! - [`translate`]: the visitor's messages in the operator's language, and
//!   the operator's in the visitor's ([`language`] tells them).

pub mod language;
pub mod replies;
pub mod suggest;
pub mod summary;
pub mod translate;

use crate::db::entities::{conversations, projects};
use crate::llm::Turn;
use crate::services::inbox;
use crate::services::knowledge::decrypt_key;
use crate::services::messages;
use crate::services::relay::history::{self, TOKEN_BUDGET};
use crate::state::AppState;
use contract::AppError;
use sea_orm::EntityTrait;

/// What an AI call about a conversation needs: its project, the project's
/// key, and the conversation as the model sees it (`relay::history`).
pub(crate) struct Prepared {
    pub(crate) project: projects::Model,
    pub(crate) api_key: String,
    pub(crate) turns: Vec<Turn>,
}

/// The project, key and turns of `conversation`.
///
/// # Errors
/// `404 conversation_not_found` (its project is gone); `409 no_api_key` or
/// `api_key_unreadable`; `409 nothing_to_answer` when nothing was said yet.
pub(crate) async fn prepare(
    state: &AppState,
    conversation: &conversations::Model,
) -> Result<Prepared, AppError> {
    let project = projects::Entity::find_by_id(conversation.project_id)
        .one(&state.db)
        .await?
        .ok_or_else(inbox::not_found)?;
    let api_key = decrypt_key(state, &project)?;
    let rows = messages::of_conversation(&state.db, conversation.id).await?;
    let turns = history::turns(&rows, TOKEN_BUDGET);
    if turns.is_empty() {
        return Err(AppError::Conflict {
            code: "nothing_to_answer".into(),
            message: "nothing has been said in this conversation yet".into(),
        });
    }
    Ok(Prepared {
        project,
        api_key,
        turns,
    })
}
