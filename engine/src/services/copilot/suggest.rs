//! The suggested reply (`POST …/conversations/{id}/suggest`): the project's
//! AI drafts the operator's next reply from its instructions, its knowledge
//! base and the whole conversation (operator turns included). The draft
//! streams into the operator's reply box and is sent only when the operator
//! sends it: nothing is stored, nothing reaches the visitor. The call counts
//! in the project's daily AI budget (`services::ai_call`).

use crate::llm::LlmRequest;
use crate::services::ai_call::{self, CallEvent};
use crate::services::auth::CurrentUser;
use crate::services::inbox;
use crate::services::knowledge::{retrieval, store_ids};
use crate::state::AppState;
use contract::AppError;
use contract::copilot::{SuggestEvent, SuggestionText};
use contract::projects::ApiStyle;
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use uuid::Uuid;

/// The opening of the task given to the model after the project's own
/// instructions (the fake OpenAI of the tests recognises a suggestion by it).
pub const SUGGESTION_TASK: &str =
    "Draft the next reply that a human operator of this site will send to the visitor.";

/// The rest of the task.
const SUGGESTION_RULES: &str = "The conversation so far follows; turns that begin with \
\"[Written by a human operator\" were written by operators. Write only the text of the reply, \
as the operator, in the language the visitor writes in: no greeting line of your own, no \
signature, no label. Use the knowledge base where it helps. Promise nothing the instructions \
above do not allow.";

/// Starts a suggestion for conversation `id`: its events.
///
/// # Errors
/// Before anything streams: `404 conversation_not_found`; `409 no_api_key`
/// or `api_key_unreadable`; `409 nothing_to_answer` for a conversation with
/// nothing said yet; `409 ai_budget_spent` when today's AI budget has no room.
#[tracing::instrument(name = "copilot::suggest", skip_all, fields(conversation_id = %id, user_id = %user.id))]
pub async fn suggest(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<BoxStream<'static, SuggestEvent>, AppError> {
    let conversation = inbox::visible(&state.db, user, id).await?;
    let super::Prepared {
        project,
        api_key,
        turns,
    } = super::prepare(state, &conversation).await?;
    let request = LlmRequest {
        base_url: project.openai_base_url.clone(),
        api_key,
        style: ApiStyle::parse(&project.api_style),
        model: project.model.clone(),
        instructions: instructions(&project.instructions),
        turns,
        vector_store_ids: store_ids(&project),
        handoff_tool: false,
        max_output_tokens: u32::try_from(project.limit_max_output_tokens).ok(),
    };
    // A provider without file_search: the knowledge base searched here.
    let (request, _) = retrieval::augment(state, &project, request).await;
    let events = ai_call::start(state, &project, request).await?;
    Ok(events
        .map(|event| match event {
            CallEvent::Delta(text) => SuggestEvent::Delta(SuggestionText { text }),
            CallEvent::Completed { text, .. } => SuggestEvent::Suggestion(SuggestionText { text }),
            CallEvent::Failed(err) => SuggestEvent::Error(err.body()),
        })
        .boxed())
}

/// The project's instructions, then the task.
fn instructions(project_instructions: &str) -> String {
    let own = project_instructions.trim();
    if own.is_empty() {
        format!("{SUGGESTION_TASK} {SUGGESTION_RULES}")
    } else {
        format!("{own}\n\n---\n{SUGGESTION_TASK} {SUGGESTION_RULES}")
    }
}
