//! The AI relay: answers a conversation with the project's own AI, streamed
//! to the event streams, and stored so that nothing is lost on any fault.
//!
//! One run per conversation on this instance: a newer visitor message
//! cancels the run in flight and starts another with the whole history (so
//! three quick messages get one answer), and a handoff cancels it outright.
//! Cancelling drops the upstream request; a partial answer is kept, marked
//! `interrupted`. A fault ends in a short notice to the visitor in their
//! language, with the mapped error kind on it for the operator.
//!
//! # Layout
//! - [`history`]: the turns sent, within a token budget.
//! - [`notices`]: what the visitor is told when the AI cannot answer.

pub mod history;
pub mod notices;

use crate::chat::{ConversationStatus, MessageRole, MessageStatus, Source};
use crate::db::begin_write;
use crate::db::entities::{conversations, messages as message_rows, projects, visitors};
use crate::llm::{LlmErrorKind, LlmEvent, LlmRequest, Usage};
use crate::projects::ApiStyle;
use crate::services::bus::Note;
use crate::services::events;
use crate::services::hub::Signal;
use crate::services::lease::{self, Lease};
use crate::services::messages::{self, NewMessage};
use crate::services::{api_keys, conversations as conversation_rows, limits, widget};
use crate::state::AppState;
use futures_util::StreamExt as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    Set,
};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How often the text of a streaming answer is saved (a crash keeps it).
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// The error kind of the notice sent when today's budget is spent.
pub const BUDGET_SPENT: &str = "budget_exhausted";

/// The runs in flight on this instance, by conversation.
#[derive(Default)]
pub struct Relay {
    runs: Mutex<HashMap<Uuid, Run>>,
    next_run: AtomicU64,
}

struct Run {
    id: u64,
    cancel: CancellationToken,
}

/// Which run of which conversation.
#[derive(Debug, Clone, Copy)]
struct RunRef {
    conversation_id: Uuid,
    id: u64,
}

impl Relay {
    fn runs(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Run>> {
        self.runs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers `conversation_id`: here when this instance takes (or holds)
    /// its AI lease, else on the instance that holds it.
    pub fn start(&self, state: &AppState, conversation_id: Uuid) {
        let state = state.clone();
        tokio::spawn(async move {
            match lease::acquire(&state.db, conversation_id, state.bus.instance()).await {
                Ok(Lease::Ours) => state.relay.start_here(&state, conversation_id),
                Ok(Lease::HeldBy(owner)) => state.bus.send(Note::Restart {
                    to: owner,
                    c: conversation_id,
                }),
                Ok(Lease::Gone) => {}
                Err(err) => {
                    tracing::error!(%conversation_id, error = %err, "cannot take the AI lease");
                }
            }
        });
    }

    /// Answers `conversation_id` on this instance, cancelling the run in
    /// flight for it; the lease is given back when the last run ends.
    fn start_here(&self, state: &AppState, conversation_id: Uuid) {
        let id = self.next_run.fetch_add(1, Ordering::Relaxed);
        let cancel = CancellationToken::new();
        let previous = self.runs().insert(
            conversation_id,
            Run {
                id,
                cancel: cancel.clone(),
            },
        );
        if let Some(previous) = previous {
            previous.cancel.cancel();
        }
        let state = state.clone();
        tokio::spawn(async move {
            let mut streaming = None;
            let run = RunRef {
                conversation_id,
                id,
            };
            if let Err(err) = answer(&state, run, &cancel, &mut streaming).await {
                tracing::error!(%conversation_id, error = %err, "the AI run failed to store its result");
                recover(&state, run, streaming).await;
            }
            if state.relay.finish(conversation_id, id) {
                let owner = state.bus.instance();
                if let Err(err) = lease::release(&state.db, conversation_id, owner).await {
                    tracing::warn!(%conversation_id, error = %err, "the AI lease is left to expire");
                }
                // A run that started meanwhile keeps (takes back) the lease.
                if state.relay.is_running(conversation_id) {
                    let _ = lease::acquire(&state.db, conversation_id, owner).await;
                }
            }
        });
    }

    /// Stops the run of `conversation_id`, on this instance or on the one
    /// that runs it (a handoff, a takeover).
    pub fn cancel(&self, state: &AppState, conversation_id: Uuid) {
        self.cancel_here(conversation_id);
        state.bus.send(Note::Cancel {
            from: state.bus.instance().to_owned(),
            c: conversation_id,
        });
    }

    /// Stops the run of `conversation_id` on this instance, if any.
    pub fn cancel_here(&self, conversation_id: Uuid) {
        if let Some(run) = self.runs().remove(&conversation_id) {
            run.cancel.cancel();
        }
    }

    /// Stops every run (shutting down): partial answers are kept as interrupted.
    pub fn cancel_all(&self) {
        for (_, run) in self.runs().drain() {
            run.cancel.cancel();
        }
    }

    /// True when a newer run of the conversation has started (it will say
    /// when the AI stops typing, not this one).
    fn superseded(&self, run: RunRef) -> bool {
        self.runs()
            .get(&run.conversation_id)
            .is_some_and(|current| current.id != run.id)
    }

    /// True when a run of `conversation_id` goes on here.
    fn is_running(&self, conversation_id: Uuid) -> bool {
        self.runs().contains_key(&conversation_id)
    }

    /// Forgets a run that ended; true when no newer run of its conversation
    /// goes on here (the lease can be given back).
    fn finish(&self, conversation_id: Uuid, id: u64) -> bool {
        let mut runs = self.runs();
        match runs.get(&conversation_id) {
            Some(run) if run.id == id => {
                runs.remove(&conversation_id);
                true
            }
            Some(_) => false,
            None => true,
        }
    }
}

/// What one run works on.
struct Context {
    run: RunRef,
    conversation: conversations::Model,
    project: projects::Model,
    lang: notices::Lang,
    /// The estimated tokens of the request, counted when the provider reports none.
    input_estimate: i64,
}

async fn answer(
    state: &AppState,
    run: RunRef,
    cancel: &CancellationToken,
    streaming: &mut Option<Uuid>,
) -> Result<(), DbErr> {
    let Some(mut context) = load(state, run).await? else {
        return end_run(state, run, None).await;
    };
    let Some(api_key) = decrypt_key(state, &context.project) else {
        let notice = (notices::fault(context.lang), "api_key_unreadable");
        return finish_reply(state, &context, None, Some(notice)).await;
    };
    if !limits::reserve_ai_message(&state.db, &context.project).await? {
        return budget_spent(state, &context).await;
    }
    let rows = messages::of_conversation(&state.db, run.conversation_id).await?;
    let request = LlmRequest {
        base_url: context.project.openai_base_url.clone(),
        api_key,
        style: ApiStyle::parse(&context.project.api_style),
        model: context.project.model.clone(),
        instructions: context.project.instructions.clone(),
        turns: history::turns(&rows, history::TOKEN_BUDGET),
        vector_store_ids: serde_json::from_value(context.project.vector_store_ids.clone())
            .unwrap_or_default(),
        handoff_tool: context.project.handoff_ai_allowed,
    };
    context.input_estimate = request
        .turns
        .iter()
        .map(|turn| history::estimate_tokens(&turn.text))
        .sum::<usize>()
        .saturating_add(history::estimate_tokens(&request.instructions))
        .try_into()
        .unwrap_or(i64::MAX);
    let context = context;
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
                return interrupted(state, &context, reply).await;
            }
            _ = renew.tick() => {
                let lease = lease::acquire(&state.db, run.conversation_id, state.bus.instance()).await?;
                if lease != Lease::Ours {
                    // Another instance runs it now: this run stops.
                    drop(stream);
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
            })) => return complete(state, &context, reply, text, sources, usage).await,
            Some(Ok(LlmEvent::Completed {
                text,
                sources,
                usage,
                handoff: Some(reason),
            })) => {
                if text.is_empty() && reply.row.is_none() {
                    finish_reply(state, &context, None, None).await?;
                    limits::add_ai_tokens(
                        &state.db,
                        context.project.id,
                        usage.input_tokens + usage.output_tokens,
                    )
                    .await?;
                } else {
                    complete(state, &context, reply, text, sources, usage).await?;
                }
                return hand_off(state, &context, &reason).await;
            }
            Some(Err(err)) => return failed(state, &context, reply, err.kind).await,
            None => return failed(state, &context, reply, LlmErrorKind::StreamCut).await,
        }
    }
}

/// The conversation, its project and the visitor's language, when the AI should answer it.
async fn load(state: &AppState, run: RunRef) -> Result<Option<Context>, DbErr> {
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
    }))
}

fn decrypt_key(state: &AppState, project: &projects::Model) -> Option<String> {
    let stored = project.openai_api_key_ciphertext.as_deref()?;
    match api_keys::decrypt(state.settings.keyring(), project.id, stored) {
        Ok(key) => Some(key),
        Err(_) => {
            tracing::warn!(project_id = %project.id, "the project's key does not decrypt: re-enter it");
            None
        }
    }
}

/// The answer as it streams: no row until the first text arrives (a run
/// cancelled before that leaves nothing behind).
#[derive(Default)]
struct Reply {
    row: Option<message_rows::Model>,
    saved_at: Option<Instant>,
}

impl Reply {
    async fn append(
        &mut self,
        state: &AppState,
        context: &Context,
        text: &str,
    ) -> Result<(), DbErr> {
        if text.is_empty() {
            return Ok(());
        }
        let row = match &self.row {
            Some(row) => row.clone(),
            None => {
                let row = create_streaming(state, context).await?;
                self.row = Some(row.clone());
                self.saved_at = Some(Instant::now());
                row
            }
        };
        let end = state.hub.append_live(row.id, text);
        let signal = Signal::Delta {
            project_id: context.project.id,
            conversation_id: context.conversation.id,
            message_id: row.id,
            end,
            text: text.to_owned(),
        };
        state.bus.delta(context.conversation.visitor_id, &signal);
        state.hub.publish(context.conversation.visitor_id, signal);
        if self.saved_at.is_some_and(|at| at.elapsed() >= SAVE_EVERY) {
            let text = state.hub.live_text(row.id).unwrap_or_default();
            let saved = message_rows::Entity::update_many()
                .col_expr(message_rows::Column::Text, Expr::value(text))
                .filter(message_rows::Column::Id.eq(row.id))
                .exec(&state.db)
                .await;
            // A missed save is no reason to stop the answer: the end saves it all.
            if let Err(err) = saved {
                tracing::warn!(message_id = %row.id, error = %err, "saving a streaming answer failed");
            }
            self.saved_at = Some(Instant::now());
        }
        Ok(())
    }

    /// The text streamed so far (none before the first delta).
    fn text(&self, state: &AppState) -> String {
        self.row
            .as_ref()
            .and_then(|row| state.hub.live_text(row.id))
            .unwrap_or_default()
    }
}

async fn create_streaming(
    state: &AppState,
    context: &Context,
) -> Result<message_rows::Model, DbErr> {
    let txn = begin_write(&state.db).await?;
    let mut new = NewMessage::new(context.conversation.id, MessageRole::Ai, "");
    new.status = MessageStatus::Streaming;
    let row = messages::insert(&txn, new).await?;
    let pending = events::emit_message(&txn, &context.conversation, row.id).await?;
    txn.commit().await?;
    pending.publish(&state.hub);
    Ok(row)
}

/// How a stored answer ends.
struct Ending {
    status: MessageStatus,
    text: String,
    sources: Vec<Source>,
    usage: Option<Usage>,
    error_kind: Option<&'static str>,
}

impl Ending {
    /// An answer that stopped before its end: its text so far, no usage.
    fn cut(status: MessageStatus, text: String, error_kind: Option<&'static str>) -> Self {
        Self {
            status,
            text,
            sources: Vec::new(),
            usage: None,
            error_kind,
        }
    }
}

/// Ends a run in one transaction: the answer row as `ending` says (when
/// there is one), a notice to the visitor (when given), their events, and
/// "the AI stopped typing" unless a newer run of the conversation goes on.
async fn finish_reply(
    state: &AppState,
    context: &Context,
    answer: Option<(message_rows::Model, Ending)>,
    notice: Option<(&str, &str)>,
) -> Result<(), DbErr> {
    // Rows first, events last: the event lock is always taken after the row
    // locks, as a visitor's send takes them (no deadlock on PostgreSQL).
    let txn = begin_write(&state.db).await?;
    // An operator may have taken over while the answer was finishing: it
    // then ends as interrupted, and no notice is sent.
    let ai_holds = conversation_rows::find_for_update(&txn, context.conversation.id)
        .await?
        .is_some_and(|current| current.status == ConversationStatus::Ai.as_str());
    let mut changed = Vec::new();
    if let Some((row, mut ending)) = answer {
        if !ai_holds && ending.status == MessageStatus::Complete {
            ending.status = MessageStatus::Interrupted;
        }
        let mut active = row.into_active_model();
        active.search_text = Set(crate::text::search_text(&ending.text));
        active.text = Set(ending.text);
        active.status = Set(ending.status.as_str().to_owned());
        active.error_kind = Set(ending.error_kind.map(str::to_owned));
        active.sources = Set((!ending.sources.is_empty())
            .then(|| serde_json::to_value(&ending.sources).unwrap_or_default()));
        active.input_tokens = Set(ending.usage.map(|u| clamp(u.input_tokens)));
        active.output_tokens = Set(ending.usage.map(|u| clamp(u.output_tokens)));
        active.completed_at = Set(Some(chrono::Utc::now()));
        active.updated_at = Set(chrono::Utc::now());
        let row = active.update(&txn).await?;
        if ending.status == MessageStatus::Complete {
            messages::touch_conversation(&txn, &row).await?;
        }
        changed.push(row.id);
    }
    if let Some((text, kind)) = notice.filter(|_| ai_holds) {
        let mut new = NewMessage::new(context.conversation.id, MessageRole::System, text);
        new.error_kind = Some(kind.to_owned());
        let row = messages::insert(&txn, new).await?;
        messages::touch_conversation(&txn, &row).await?;
        changed.push(row.id);
    }
    let mut pending = Vec::new();
    for &id in &changed {
        pending.push(events::emit_message(&txn, &context.conversation, id).await?);
    }
    if !state.relay.superseded(context.run) {
        pending.push(widget::typing(&txn, &context.conversation, MessageRole::Ai, false).await?);
    }
    txn.commit().await?;
    widget::publish(state, pending);
    for id in changed {
        end_live(state, id);
    }
    Ok(())
}

async fn complete(
    state: &AppState,
    context: &Context,
    reply: Reply,
    text: String,
    sources: Vec<Source>,
    usage: Usage,
) -> Result<(), DbErr> {
    let row = match reply.row {
        Some(row) => row,
        // A provider that sent the whole answer at once.
        None if !text.is_empty() => create_streaming(state, context).await?,
        None => return failed(state, context, reply, LlmErrorKind::StreamCut).await,
    };
    let ending = Ending {
        status: MessageStatus::Complete,
        text,
        sources,
        usage: Some(usage),
        error_kind: None,
    };
    finish_reply(state, context, Some((row, ending)), None).await?;
    limits::add_ai_tokens(
        &state.db,
        context.project.id,
        usage.input_tokens + usage.output_tokens,
    )
    .await
}

async fn failed(
    state: &AppState,
    context: &Context,
    reply: Reply,
    kind: LlmErrorKind,
) -> Result<(), DbErr> {
    tracing::warn!(
        conversation_id = %context.conversation.id,
        project_id = %context.project.id,
        kind = kind.code(),
        "the AI could not answer"
    );
    let text = reply.text(state);
    if reply.row.is_none() {
        limits::refund_ai_message(&state.db, context.project.id).await?;
    } else {
        count_estimate(state, context, &text).await?;
    }
    let answer = reply.row.map(|row| {
        (
            row,
            Ending::cut(MessageStatus::Failed, text, Some(kind.code())),
        )
    });
    let notice = Some((notices::fault(context.lang), kind.code()));
    finish_reply(state, context, answer, notice).await
}

/// Cancelled (a newer message, a handoff, shutting down): the text so far is
/// kept as `interrupted`.
async fn interrupted(state: &AppState, context: &Context, reply: Reply) -> Result<(), DbErr> {
    let text = reply.text(state);
    // The provider was asked (and paid): its input counts even when cut short.
    count_estimate(state, context, &text).await?;
    if reply.row.is_none() {
        limits::refund_ai_message(&state.db, context.project.id).await?;
    }
    let answer = reply
        .row
        .map(|row| (row, Ending::cut(MessageStatus::Interrupted, text, None)));
    finish_reply(state, context, answer, None).await
}

/// The AI called `handoff_to_human`: the conversation waits for a human,
/// with the AI's reason for the operator (unless it left `ai` meanwhile).
async fn hand_off(state: &AppState, context: &Context, reason: &str) -> Result<(), DbErr> {
    let txn = begin_write(&state.db).await?;
    let current = conversation_rows::find_for_update(&txn, context.conversation.id).await?;
    let Some(conversation) =
        current.filter(|current| current.status == ConversationStatus::Ai.as_str())
    else {
        return txn.commit().await;
    };
    let (_, pending) = conversation_rows::wait_for_human(
        &txn,
        &context.project,
        conversation,
        conversation_rows::AskedBy::Ai,
        reason,
    )
    .await?;
    txn.commit().await?;
    // A run started by a message that came meanwhile stops too.
    state.relay.cancel(state, context.conversation.id);
    pending.publish(&state.hub);
    Ok(())
}

/// Adds the estimated tokens of a call that ended without usage (interrupted, cut).
async fn count_estimate(state: &AppState, context: &Context, output: &str) -> Result<(), DbErr> {
    let output = i64::try_from(history::estimate_tokens(output)).unwrap_or(i64::MAX);
    limits::add_ai_tokens(
        &state.db,
        context.project.id,
        context.input_estimate.saturating_add(output),
    )
    .await
}

/// Ends a run that has no [`Context`] (nothing to answer, or a database
/// failure): a `broken` answer still streaming is marked failed (`internal`)
/// so that nobody waits for it, and the AI stops typing unless a newer run
/// goes on.
async fn end_run(state: &AppState, run: RunRef, broken: Option<Uuid>) -> Result<(), DbErr> {
    let Some(conversation) = conversation_rows::find(&state.db, run.conversation_id).await? else {
        return Ok(());
    };
    let txn = begin_write(&state.db).await?;
    let mut pending = Vec::new();
    if let Some(id) = broken {
        end_live(state, id);
        let marked = message_rows::Entity::update_many()
            .col_expr(
                message_rows::Column::Status,
                Expr::value(MessageStatus::Failed.as_str()),
            )
            .col_expr(message_rows::Column::ErrorKind, Expr::value("internal"))
            .filter(message_rows::Column::Id.eq(id))
            .filter(message_rows::Column::Status.eq(MessageStatus::Streaming.as_str()))
            .exec(&txn)
            .await?;
        if marked.rows_affected > 0 {
            pending.push(events::emit_message(&txn, &conversation, id).await?);
        }
    }
    if !state.relay.superseded(run) {
        pending.push(widget::typing(&txn, &conversation, MessageRole::Ai, false).await?);
    }
    txn.commit().await?;
    widget::publish(state, pending);
    Ok(())
}

/// Forgets the live text of a message that stopped streaming, here and on
/// the other instances.
fn end_live(state: &AppState, message_id: Uuid) {
    state.hub.end_live(message_id);
    state.bus.send(Note::EndLive {
        from: state.bus.instance().to_owned(),
        m: message_id,
    });
}

/// After a database failure inside a run. Best effort: whatever still fails
/// is repaired at the next start.
async fn recover(state: &AppState, run: RunRef, streaming: Option<Uuid>) {
    if let Err(err) = end_run(state, run, streaming).await {
        tracing::error!(error = %err, "cannot end an AI run after a failure");
    }
}

/// Today's budget is spent: the visitor is told once a day per conversation
/// (and may still ask for a human).
async fn budget_spent(state: &AppState, context: &Context) -> Result<(), DbErr> {
    let today = chrono::Utc::now().date_naive();
    let told = message_rows::Entity::find()
        .filter(message_rows::Column::ConversationId.eq(context.conversation.id))
        .filter(message_rows::Column::ErrorKind.eq(BUDGET_SPENT))
        .order_by_desc(message_rows::Column::CreatedAt)
        .one(&state.db)
        .await?
        .is_some_and(|row| row.created_at.date_naive() == today);
    let notice = (!told).then(|| (notices::budget_spent(context.lang), BUDGET_SPENT));
    finish_reply(state, context, None, notice).await
}

fn clamp(tokens: i64) -> i32 {
    i32::try_from(tokens.max(0)).unwrap_or(i32::MAX)
}
