//! One AI call made for the dashboard rather than for a visitor (the
//! playground, the operator's suggested reply): streamed, counted in the
//! project's daily AI budget like a visitor's answer, stored nowhere.
//!
//! The budget is reserved before the call (refused with `409
//! ai_budget_spent` when there is no room), settled with the provider's count
//! after, given back when the provider answered nothing. The call runs in a
//! task of its own that sends [`CallEvent`]s over a channel: when the caller
//! goes away, the task drops the upstream request and settles the budget
//! with what was spent.

use crate::db::entities::projects;
use crate::llm::{LlmErrorKind, LlmEvent, LlmRequest, Usage};
use crate::metrics::{self, AiOutcome};
use crate::services::knowledge::check;
use crate::services::limits::{self, Reservation};
use crate::services::relay::history::estimate_tokens;
use crate::state::AppState;
use contract::AppError;
use contract::chat::Source;
use futures_util::StreamExt as _;
use futures_util::stream::{self, BoxStream};
use tokio::sync::mpsc;

/// How many events may wait for a slow client before the call waits too.
const BUFFERED_EVENTS: usize = 64;

/// What the caller receives: deltas, then one `Completed` or one `Failed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// Text appended to the answer.
    Delta(String),
    /// The provider completed the answer.
    Completed {
        /// The whole answer.
        text: String,
        /// The knowledge base's citations, as the provider gave them.
        sources: Vec<Source>,
        /// The AI's reason when it called the handoff tool.
        handoff: Option<String>,
    },
    /// The provider refused or failed, or the stream was cut
    /// (`upstream_*`, in words for the dashboard).
    Failed(AppError),
}

/// The whole answer to `request`, for the calls shown only once done (the
/// conversation's summary, a translation).
///
/// # Errors
/// As [`start`]; the provider's failure (`502 upstream_*`), and `502
/// upstream_empty_answer` when the model wrote nothing.
pub async fn complete(
    state: &AppState,
    project: &projects::Model,
    request: LlmRequest,
) -> Result<String, AppError> {
    let mut events = start(state, project, request).await?;
    while let Some(event) = events.next().await {
        match event {
            CallEvent::Delta(_) => {}
            CallEvent::Completed { text, .. } if text.trim().is_empty() => {
                return Err(AppError::Upstream {
                    code: "upstream_empty_answer".into(),
                    message: "the model answered nothing: try again, or raise the project's \
                              answer limit if the model thinks before it writes"
                        .into(),
                });
            }
            CallEvent::Completed { text, .. } => return Ok(text.trim().to_owned()),
            CallEvent::Failed(err) => return Err(err),
        }
    }
    Err(AppError::Internal)
}

/// Starts `request` for `project`, its budget reserved first.
///
/// # Errors
/// `409 ai_budget_spent` when today's AI budget has no room for an answer;
/// the database's error otherwise.
pub async fn start(
    state: &AppState,
    project: &projects::Model,
    request: LlmRequest,
) -> Result<BoxStream<'static, CallEvent>, AppError> {
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
    let cap = request
        .max_output_tokens
        .map_or(i64::from(project.limit_max_output_tokens), i64::from);
    let reservation =
        limits::reserve_ai_answer(&state.db, project, input_estimate.saturating_add(cap))
            .await?
            .ok_or_else(budget_spent)?;
    let (sender, receiver) = mpsc::channel(BUFFERED_EVENTS);
    let call = Call {
        state: state.clone(),
        model: request.model.clone(),
        reservation,
        input_estimate,
        streamed: String::new(),
    };
    tokio::spawn(call.run(request, sender));
    Ok(stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (event, receiver))
    })
    .boxed())
}

/// `409 ai_budget_spent`.
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
    /// The caller went away: the upstream request was dropped.
    Gone,
}

/// One call and what it took from the budget.
struct Call {
    state: AppState,
    model: String,
    reservation: Reservation,
    /// The estimated tokens of the request, counted when the provider reports none.
    input_estimate: i64,
    /// The text sent so far.
    streamed: String,
}

impl Call {
    async fn run(mut self, request: LlmRequest, sender: mpsc::Sender<CallEvent>) {
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
                    if sender.send(CallEvent::Delta(text)).await.is_err() {
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
            // The caller may have gone meanwhile: nobody to tell then.
            let _ = sender.send(last).await;
        }
    }

    /// Settles the budget and makes the last event (none for a caller gone).
    async fn finish(&self, ending: Ending) -> Option<CallEvent> {
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
                Some(CallEvent::Completed {
                    text,
                    sources,
                    handoff,
                })
            }
            Ending::Failed(kind) => {
                metrics::ai_call(if kind == LlmErrorKind::Timeout {
                    AiOutcome::Timeout
                } else {
                    AiOutcome::Failed
                });
                tracing::warn!(kind = kind.code(), "a dashboard's AI call failed");
                if self.streamed.is_empty() {
                    // Nothing came: the provider refused or failed before answering.
                    self.settle(0, false).await;
                } else {
                    self.settle_estimate().await;
                }
                Some(CallEvent::Failed(check::refusal(kind, &self.model)))
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
            tracing::error!(error = %err, "cannot settle a dashboard's AI budget");
        }
    }
}
