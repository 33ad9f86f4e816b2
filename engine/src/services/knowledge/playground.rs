//! The playground (`POST …/playground`): an admin asks the project's AI a
//! question exactly as a visitor would (the same instructions, model, style,
//! vector stores with the own store, handoff tool and answer cap, the text
//! as the only user turn), and sees the answer stream with its sources.
//!
//! Nothing is stored: no visitor, conversation or message, and the
//! per-visitor and per-IP limits do not apply. The call does spend the
//! project's money, so it counts in today's AI budget as a visitor's answer
//! does (`services::ai_call`).
//!
//! On a project searched by aiwidget (`chat_completions`), the chunks found
//! for the question come as a `retrieved` event after `instructions`, with
//! their scores, and are the answer's sources.

use super::{Keyed, cite, keyed, retrieval, store_ids};
use crate::llm::{LlmRequest, Turn, TurnRole};
use crate::services::ai_call::{self, CallEvent};
use crate::services::auth::CurrentUser;
use crate::services::widget::validate_text;
use crate::state::AppState;
use contract::AppError;
use contract::knowledge::{
    PlaygroundAnswer, PlaygroundDelta, PlaygroundEvent, PlaygroundInput, PlaygroundInstructions,
    PlaygroundRetrieved, RetrievedChunk,
};
use contract::projects::ApiStyle;
use contract::widget::SendMessageRequest;
use futures_util::StreamExt as _;
use futures_util::stream::{self, BoxStream};
use uuid::Uuid;

/// Starts the playground's call for `input` on project `id` (admins only):
/// the events, `instructions` first.
///
/// # Errors
/// Before anything streams: `403 admin_only`; `404 project_not_found`;
/// `400 validation_failed` (`text` empty or over the project's
/// `limit_message_chars`); `409 no_api_key` or `api_key_unreadable`;
/// `409 ai_budget_spent` when today's AI budget has no room for an answer.
#[tracing::instrument(name = "knowledge::playground", skip_all, fields(project_id = %id))]
pub async fn ask(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    input: &PlaygroundInput,
) -> Result<BoxStream<'static, PlaygroundEvent>, AppError> {
    let keyed = keyed(state, user, id).await?;
    let text = validate_text(
        &keyed.project,
        &SendMessageRequest {
            text: input.text.clone(),
            client_message_id: None,
        },
    )?;
    let (request, found) = retrieval::augment(state, &keyed.project, request(&keyed, text)).await;
    let mut first = vec![PlaygroundEvent::Instructions(PlaygroundInstructions {
        instructions: request.instructions.clone(),
        model: request.model.clone(),
        vector_store_ids: request.vector_store_ids.clone(),
    })];
    if super::embed::by_aiwidget(&keyed.project) {
        first.push(PlaygroundEvent::Retrieved(PlaygroundRetrieved {
            chunks: found.iter().map(retrieved_chunk).collect(),
        }));
    }
    let retrieved = retrieval::sources(&found);
    let events = ai_call::start(state, &keyed.project, request).await?;
    let db = state.db.clone();
    let project_id = keyed.project.id;
    let rest = events.then(move |event| {
        let db = db.clone();
        let retrieved = retrieved.clone();
        async move {
            match event {
                CallEvent::Delta(text) => PlaygroundEvent::Delta(PlaygroundDelta { text }),
                CallEvent::Completed {
                    text,
                    sources,
                    handoff,
                } if sources.is_empty() => PlaygroundEvent::Message(PlaygroundAnswer {
                    text,
                    sources: retrieved,
                    handoff,
                }),
                CallEvent::Completed {
                    text,
                    sources,
                    handoff,
                } => match cite(&db, project_id, sources).await {
                    Ok(sources) => PlaygroundEvent::Message(PlaygroundAnswer {
                        text,
                        sources,
                        handoff,
                    }),
                    Err(err) => {
                        tracing::error!(error = %err, "cannot read the playground's sources");
                        PlaygroundEvent::Error(AppError::Internal.body())
                    }
                },
                CallEvent::Failed(err) => PlaygroundEvent::Error(err.body()),
            }
        }
    });
    Ok(stream::iter(first).chain(rest).boxed())
}

/// A chunk found, as the playground shows it.
fn retrieved_chunk(found: &retrieval::Found) -> RetrievedChunk {
    RetrievedChunk {
        file_id: found.source.file_id.clone(),
        name: found.source.filename.clone().unwrap_or_default(),
        title: found.source.title.clone(),
        url: found.source.url.clone(),
        score: found.score,
        text: found.text.clone(),
    }
}

/// The request a visitor's first message would make, with `text` as its only turn.
fn request(keyed: &Keyed, text: String) -> LlmRequest {
    let project = &keyed.project;
    LlmRequest {
        base_url: project.openai_base_url.clone(),
        api_key: keyed.api_key.clone(),
        style: ApiStyle::parse(&project.api_style),
        model: project.model.clone(),
        instructions: project.instructions.clone(),
        turns: vec![Turn {
            role: TurnRole::User,
            text,
        }],
        vector_store_ids: store_ids(project),
        handoff_tool: project.handoff_ai_allowed,
        max_output_tokens: u32::try_from(project.limit_max_output_tokens).ok(),
    }
}
