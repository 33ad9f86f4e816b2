//! The playground (`POST …/playground`): an admin asks the project's AI a
//! question exactly as a visitor would (the same instructions, model, style,
//! vector stores with the own store, handoff tool and answer cap, the text
//! as the only user turn), and sees the answer stream with its sources.
//!
//! Nothing is stored: no visitor, conversation or message, and the
//! per-visitor and per-IP limits do not apply. The call does spend the
//! project's money, so it counts in today's AI budget as a visitor's answer
//! does: reserved before the call (refused with `409 ai_budget_spent` when
//! there is no room), settled with the provider's count after, given back
//! when the provider answered nothing.
//!
//! The call runs in a task of its own that sends [`PlaygroundEvent`]s over a
//! channel: when the admin goes away, the task drops the upstream request
//! and settles the budget with what was spent.

use super::{Keyed, check, cite, keyed, store_ids};
use crate::llm::{LlmErrorKind, LlmEvent, LlmRequest, Turn, TurnRole, Usage};
use crate::metrics::{self, AiOutcome};
use crate::services::auth::CurrentUser;
use crate::services::limits::{self, Reservation};
use crate::services::relay::history::estimate_tokens;
use crate::services::widget::validate_text;
use crate::state::AppState;
use contract::AppError;
use contract::chat::Source;
use contract::knowledge::{
    PlaygroundAnswer, PlaygroundDelta, PlaygroundEvent, PlaygroundInput, PlaygroundInstructions,
};
use contract::projects::ApiStyle;
use contract::widget::SendMessageRequest;
use futures_util::StreamExt as _;
use futures_util::stream::{self, BoxStream};
use tokio::sync::mpsc;
use uuid::Uuid;

/// How many events may wait for a slow client before the call waits too.
const BUFFERED_EVENTS: usize = 64;

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
    let request = request(&keyed, text);
    let input_estimate = i64::try_from(
        estimate_tokens(&request.instructions).saturating_add(
            request
                .turns
                .iter()
                .map(|turn| estimate_tokens(&turn.text))
                .sum(),
        ),
    )
    .unwrap_or(i64::MAX);
    let cap = i64::from(keyed.project.limit_max_output_tokens);
    let reservation = limits::reserve_ai_answer(
        &state.db,
        &keyed.project,
        input_estimate.saturating_add(cap),
    )
    .await?
    .ok_or_else(budget_spent)?;
    let first = PlaygroundEvent::Instructions(PlaygroundInstructions {
        instructions: request.instructions.clone(),
        model: request.model.clone(),
        vector_store_ids: request.vector_store_ids.clone(),
    });
    let (sender, receiver) = mpsc::channel(BUFFERED_EVENTS);
    let call = Call {
        state: state.clone(),
        project_id: keyed.project.id,
        model: keyed.project.model.clone(),
        reservation,
        input_estimate,
        streamed: String::new(),
    };
    tokio::spawn(call.run(request, sender));
    let rest = stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (event, receiver))
    });
    Ok(stream::once(async { first }).chain(rest).boxed())
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

fn budget_spent() -> AppError {
    AppError::Conflict {
        code: "ai_budget_spent".into(),
        message: "today's AI budget of this project is spent (answers or tokens): the AI \
                  answers again after midnight UTC, or raise the daily limits"
            .into(),
    }
}

/// How the call ended.
enum Ending {
    /// The provider completed the answer.
    Completed {
        text: String,
        sources: Vec<Source>,
        usage: Usage,
        handoff: Option<String>,
    },
    /// The provider refused or failed, or the stream was cut.
    Failed(LlmErrorKind),
    /// The admin went away: the upstream request was dropped.
    Gone,
}

/// One playground call and what it took from the budget.
struct Call {
    state: AppState,
    project_id: Uuid,
    model: String,
    reservation: Reservation,
    /// The estimated tokens of the request, counted when the provider reports none.
    input_estimate: i64,
    /// The text sent so far.
    streamed: String,
}

impl Call {
    async fn run(mut self, request: LlmRequest, sender: mpsc::Sender<PlaygroundEvent>) {
        let mut upstream = self.state.llm.stream(request);
        let ending = loop {
            let item = tokio::select! {
                biased;
                () = sender.closed() => break Ending::Gone,
                item = upstream.next() => item,
            };
            match item {
                Some(Ok(LlmEvent::Delta(text))) => {
                    self.streamed.push_str(&text);
                    let delta = PlaygroundEvent::Delta(PlaygroundDelta { text });
                    if sender.send(delta).await.is_err() {
                        break Ending::Gone;
                    }
                }
                Some(Ok(LlmEvent::Completed {
                    text,
                    sources,
                    usage,
                    handoff,
                })) => {
                    break Ending::Completed {
                        text,
                        sources,
                        usage,
                        handoff,
                    };
                }
                Some(Err(err)) => break Ending::Failed(err.kind),
                None => break Ending::Failed(LlmErrorKind::StreamCut),
            }
        };
        drop(upstream);
        if let Some(last) = self.finish(ending).await {
            // The admin may have gone meanwhile: nobody to tell then.
            let _ = sender.send(last).await;
        }
    }

    /// Settles the budget and makes the last event (none for an admin gone).
    async fn finish(&self, ending: Ending) -> Option<PlaygroundEvent> {
        match ending {
            Ending::Completed {
                text,
                sources,
                usage,
                handoff,
            } => {
                metrics::ai_call(AiOutcome::Completed);
                metrics::ai_tokens(usage);
                self.settle(usage.input_tokens.saturating_add(usage.output_tokens), true)
                    .await;
                Some(match cite(&self.state.db, self.project_id, sources).await {
                    Ok(sources) => PlaygroundEvent::Message(PlaygroundAnswer {
                        text,
                        sources,
                        handoff,
                    }),
                    Err(err) => {
                        tracing::error!(error = %err, "cannot read the playground's sources");
                        PlaygroundEvent::Error(AppError::Internal.body())
                    }
                })
            }
            Ending::Failed(kind) => {
                metrics::ai_call(if kind == LlmErrorKind::Timeout {
                    AiOutcome::Timeout
                } else {
                    AiOutcome::Failed
                });
                tracing::warn!(kind = kind.code(), "the playground's AI call failed");
                if self.streamed.is_empty() {
                    // Nothing came: the provider refused or failed before answering.
                    self.settle(0, false).await;
                } else {
                    self.settle_estimate().await;
                }
                Some(PlaygroundEvent::Error(
                    check::refusal(kind, &self.model).body(),
                ))
            }
            Ending::Gone => {
                metrics::ai_call(AiOutcome::Cancelled);
                // The provider was asked (and paid): its input counts even when cut short.
                self.settle_estimate().await;
                None
            }
        }
    }

    /// Settles with the estimated input and the text sent so far; an answer
    /// that sent nothing is given back.
    async fn settle_estimate(&self) {
        let output = i64::try_from(estimate_tokens(&self.streamed)).unwrap_or(i64::MAX);
        let used = self.input_estimate.saturating_add(output);
        self.settle(used, !self.streamed.is_empty()).await;
    }

    /// The reserved tokens become `used`; the answer is given back unless `answered`.
    async fn settle(&self, used: i64, answered: bool) {
        let db = &self.state.db;
        let mut result = limits::settle_ai_tokens(db, &self.reservation, used).await;
        if result.is_ok() && !answered {
            result = limits::refund_ai_answer(db, &self.reservation, 0).await;
        }
        if let Err(err) = result {
            tracing::error!(error = %err, "cannot settle the playground's AI budget");
        }
    }
}
