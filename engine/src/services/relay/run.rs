//! One run of the relay: what it works on, and the call streamed to its end.

use super::prepare::Prepared;
use super::reply::{
    Reply, Reserved, budget_spent, complete, end_run, failed, finish_reply, hand_off, interrupted,
    settle,
};
use super::{RunRef, history};
use std::sync::Arc;

use crate::db::entities::{conversations, messages as message_rows, projects, visitors};
use crate::llm::{LlmErrorKind, LlmEvent, LlmRequest, Usage};
use crate::metrics::{self, AiOutcome};
use crate::services::knowledge::retrieval;
use crate::services::lease::{self, Lease};
use crate::services::messages;
use crate::services::{api_keys, conversations as conversation_rows, knowledge, limits, notices};
use crate::state::AppState;
use contract::chat::{ConversationStatus, Source};
use contract::projects::ApiStyle;
use futures_util::StreamExt as _;
use sea_orm::{DbErr, EntityTrait};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// What one run works on.
pub(super) struct Context {
    pub(super) run: RunRef,
    pub(super) conversation: conversations::Model,
    pub(super) project: projects::Model,
    pub(super) lang: notices::Lang,
    /// The estimated tokens of the request, counted when the provider reports none.
    pub(super) input_estimate: i64,
    /// What the call took from today's budget before it was made.
    pub(super) reserved: Arc<Reserved>,
    /// The knowledge base's files given to the model by aiwidget's own
    /// search (`knowledge::retrieval`), cited when the provider cites none.
    pub(super) retrieved: Vec<Source>,
}

#[tracing::instrument(name = "relay::answer", skip_all, fields(conversation_id = %run.conversation_id, run = run.id))]
pub(super) async fn answer(
    state: &AppState,
    run: RunRef,
    cancel: &CancellationToken,
    streaming: &mut Option<Uuid>,
    reserved: Arc<Reserved>,
    prepared: Option<Box<Prepared>>,
) -> Result<(), DbErr> {
    let Some((context, request)) = begin(state, run, reserved, prepared).await? else {
        return Ok(());
    };
    let mut stream = state.llm.stream(request);
    let mut reply = Reply::default();
    let mut renew = tokio::time::interval_at(
        tokio::time::Instant::now() + lease::RENEW_EVERY,
        lease::RENEW_EVERY,
    );
    loop {
        let item = tokio::select! {
            biased;
            () = cancel.cancelled() => {
                drop(stream);
                metrics::ai_call(AiOutcome::Cancelled);
                return interrupted(state, &context, reply).await;
            }
            _ = renew.tick() => {
                let lease = lease::acquire(&state.db, run.conversation_id, state.bus.instance()).await?;
                if lease != Lease::Ours {
                    // Another instance runs it now: this run stops.
                    drop(stream);
                    metrics::ai_call(AiOutcome::Cancelled);
                    return interrupted(state, &context, reply).await;
                }
                continue;
            }
            item = stream.next() => item,
        };
        match item {
            Some(Ok(LlmEvent::Delta(text))) => {
                reply.append(state, &context, &text).await?;
                *streaming = reply.row.as_ref().map(|row| row.id);
            }
            Some(Ok(LlmEvent::Completed {
                text,
                sources,
                usage,
                handoff: None,
            })) => {
                completed(usage);
                return complete(state, &context, reply, text, sources, usage).await;
            }
            Some(Ok(LlmEvent::Completed {
                text,
                sources,
                usage,
                handoff: Some(reason),
            })) => {
                completed(usage);
                if text.is_empty() && reply.row.is_none() {
                    finish_reply(state, &context, None, None).await?;
                    let used = usage.input_tokens + usage.output_tokens;
                    settle(state, &context, used, true).await?;
                } else {
                    complete(state, &context, reply, text, sources, usage).await?;
                }
                return hand_off(state, &context, &reason).await;
            }
            Some(Err(err)) => {
                metrics::ai_call(if err.kind == LlmErrorKind::Timeout {
                    AiOutcome::Timeout
                } else {
                    AiOutcome::Failed
                });
                return failed(state, &context, reply, err.kind).await;
            }
            None => {
                metrics::ai_call(AiOutcome::Failed);
                return failed(state, &context, reply, LlmErrorKind::StreamCut).await;
            }
        }
    }
}

/// What a run needs before its call: the context, the request and the
/// reservation kept in `context.reserved`. Prepared in the visitor
/// message's transaction (the fast path), or loaded and reserved here (a
/// restart, a release to the AI, a run moved from another instance). `None`
/// when the run has already ended (nothing to answer, no key that decrypts,
/// the budget spent).
async fn begin(
    state: &AppState,
    run: RunRef,
    reserved: Arc<Reserved>,
    prepared: Option<Box<Prepared>>,
) -> Result<Option<(Context, LlmRequest)>, DbErr> {
    let fast = prepared.is_some();
    let (mut context, request, reservation) = if let Some(prepared) = prepared.map(|boxed| *boxed) {
        let context = Context {
            run,
            conversation: prepared.conversation,
            project: prepared.project,
            lang: prepared.lang,
            input_estimate: 0,
            reserved,
            retrieved: Vec::new(),
        };
        (context, prepared.request, prepared.reservation)
    } else {
        let Some(context) = load(state, run, reserved).await? else {
            end_run(state, run, None).await?;
            return Ok(None);
        };
        let rows = messages::of_conversation(&state.db, run.conversation_id).await?;
        let request = request(state, &context.project, &rows);
        (context, request, None)
    };
    let Some(request) = request else {
        let notice = (notices::fault(context.lang), "api_key_unreadable");
        finish_reply(state, &context, None, Some(notice)).await?;
        return Ok(None);
    };
    let (request, found) = retrieval::augment(state, &context.project, request).await;
    context.retrieved = retrieval::sources(&found);
    context.input_estimate = estimate(&request);
    let reservation = if let Some(made) = reservation {
        Some(made)
    } else {
        let tokens = reserved_tokens(&context.project, context.input_estimate);
        limits::reserve_ai_answer(&state.db, &context.project, tokens).await?
    };
    let Some(reservation) = reservation else {
        budget_spent(state, &context).await?;
        return Ok(None);
    };
    context.reserved.put(reservation, context.input_estimate);
    // A takeover, a handoff or an erasure that committed between the
    // message's commit and this run's start found no run to cancel: the
    // prepared run checks the conversation is still the AI's, as `load` does.
    if fast && !still_ai(state, run).await? {
        settle(state, &context, 0, false).await?;
        end_run(state, run, None).await?;
        return Ok(None);
    }
    Ok(Some((context, request)))
}

/// True when the conversation is still answered by the AI.
async fn still_ai(state: &AppState, run: RunRef) -> Result<bool, DbErr> {
    Ok(conversation_rows::find(&state.db, run.conversation_id)
        .await?
        .is_some_and(|conversation| conversation.status == ConversationStatus::Ai.as_str()))
}

/// The call for `project` over the conversation's `rows`; `None` when the
/// project's key does not decrypt.
pub(super) fn request(
    state: &AppState,
    project: &projects::Model,
    rows: &[message_rows::Model],
) -> Option<LlmRequest> {
    Some(LlmRequest {
        base_url: project.openai_base_url.clone(),
        api_key: decrypt_key(state, project)?,
        style: ApiStyle::parse(&project.api_style),
        model: project.model.clone(),
        instructions: project.instructions.clone(),
        turns: history::turns(rows, history::TOKEN_BUDGET),
        vector_store_ids: knowledge::store_ids(project),
        handoff_tool: project.handoff_ai_allowed,
        max_output_tokens: u32::try_from(project.limit_max_output_tokens).ok(),
    })
}

/// The estimated input tokens of `request`, counted when the provider reports none.
pub(super) fn estimate(request: &LlmRequest) -> i64 {
    request
        .turns
        .iter()
        .map(|turn| history::estimate_tokens(&turn.text))
        .sum::<usize>()
        .saturating_add(history::estimate_tokens(&request.instructions))
        .try_into()
        .unwrap_or(i64::MAX)
}

/// What a call takes from today's budget before it is made: its input and
/// the most its answer may use.
pub(super) fn reserved_tokens(project: &projects::Model, input_estimate: i64) -> i64 {
    input_estimate.saturating_add(i64::from(project.limit_max_output_tokens))
}

/// Counts a call the provider completed, with the tokens it reported.
fn completed(usage: Usage) {
    metrics::ai_call(AiOutcome::Completed);
    metrics::ai_tokens(usage);
}

/// The conversation, its project and the visitor's language, when the AI should answer it.
pub(super) async fn load(
    state: &AppState,
    run: RunRef,
    reserved: Arc<Reserved>,
) -> Result<Option<Context>, DbErr> {
    let Some(conversation) = conversation_rows::find(&state.db, run.conversation_id).await? else {
        return Ok(None);
    };
    if conversation.status != ConversationStatus::Ai.as_str() {
        return Ok(None);
    }
    let Some(project) = projects::Entity::find_by_id(conversation.project_id)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    if project.openai_api_key_ciphertext.is_none() {
        return Ok(None);
    }
    let visitor = visitors::Entity::find_by_id(conversation.visitor_id)
        .one(&state.db)
        .await?;
    let lang = notices::lang(&project, visitor.as_ref());
    Ok(Some(Context {
        run,
        conversation,
        project,
        lang,
        input_estimate: 0,
        reserved,
        retrieved: Vec::new(),
    }))
}

pub(super) fn decrypt_key(state: &AppState, project: &projects::Model) -> Option<String> {
    let stored = project.openai_api_key_ciphertext.as_deref()?;
    if let Ok(key) = api_keys::decrypt(state.settings.keyring(), project.id, stored) {
        Some(key)
    } else {
        tracing::warn!(project_id = %project.id, "the project's key does not decrypt: re-enter it");
        None
    }
}
