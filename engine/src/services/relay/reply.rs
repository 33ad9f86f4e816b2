//! How a run's answer is stored: the row created at the first text, saved as
//! it streams, and ended (complete, failed, interrupted, handed off) in one
//! transaction with its events.

use super::run::Context;
use super::{BUDGET_SPENT, RunRef, SAVE_EVERY, history};

use crate::db::begin_write;
use crate::db::entities::messages as message_rows;
use crate::llm::{LlmErrorKind, Usage};
use crate::services::bus::Note;
use crate::services::events;
use crate::services::hub::Signal;
use crate::services::messages::{self, NewMessage};
use crate::services::{conversations as conversation_rows, knowledge, limits, notices};
use crate::state::AppState;
use contract::chat::{ConversationStatus, MessageRole, MessageStatus, Source};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    Set,
};
use std::time::Instant;
use uuid::Uuid;

/// The answer as it streams: no row until the first text arrives (a run
/// cancelled before that leaves nothing behind).
#[derive(Default)]
pub(super) struct Reply {
    pub(super) row: Option<message_rows::Model>,
    pub(super) saved_at: Option<Instant>,
}

impl Reply {
    pub(super) async fn append(
        &mut self,
        state: &AppState,
        context: &Context,
        text: &str,
    ) -> Result<(), DbErr> {
        if text.is_empty() {
            return Ok(());
        }
        let row = if let Some(row) = &self.row {
            row.clone()
        } else {
            let row = create_streaming(state, context).await?;
            self.row = Some(row.clone());
            self.saved_at = Some(Instant::now());
            row
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
    pub(super) fn text(&self, state: &AppState) -> String {
        self.row
            .as_ref()
            .and_then(|row| state.hub.live_text(row.id))
            .unwrap_or_default()
    }
}

pub(super) async fn create_streaming(
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
pub(super) struct Ending {
    pub(super) status: MessageStatus,
    pub(super) text: String,
    pub(super) sources: Vec<Source>,
    pub(super) usage: Option<Usage>,
    pub(super) error_kind: Option<&'static str>,
}

impl Ending {
    /// An answer that stopped before its end: its text so far, no usage.
    pub(super) fn cut(
        status: MessageStatus,
        text: String,
        error_kind: Option<&'static str>,
    ) -> Self {
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
pub(super) async fn finish_reply(
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
        active.search_text = Set(contract::text::search_text(&ending.text));
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
        pending.push(events::typing(&txn, &context.conversation, MessageRole::Ai, false).await?);
    }
    txn.commit().await?;
    events::publish(&state.hub, pending);
    for id in changed {
        end_live(state, id);
    }
    Ok(())
}

pub(super) async fn complete(
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
    let sources = if sources.is_empty() {
        context.retrieved.clone()
    } else {
        knowledge::cite(&state.db, context.project.id, sources).await?
    };
    let ending = Ending {
        status: MessageStatus::Complete,
        text,
        sources,
        usage: Some(usage),
        error_kind: None,
    };
    settle(
        state,
        context,
        usage.input_tokens + usage.output_tokens,
        true,
    )
    .await?;
    finish_reply(state, context, Some((row, ending)), None).await
}

/// The run's reservation becomes `used` tokens, and its answer is given
/// back unless `answered`. Once: a second call finds nothing to settle.
pub(super) async fn settle(
    state: &AppState,
    context: &Context,
    used: i64,
    answered: bool,
) -> Result<(), DbErr> {
    let Some((reservation, _)) = context.reserved.take() else {
        return Ok(());
    };
    limits::settle_ai_tokens(&state.db, &reservation, used).await?;
    if !answered {
        limits::refund_ai_answer(&state.db, &reservation, 0).await?;
    }
    Ok(())
}

/// What a run took from the budget, settled exactly once: by the run's own
/// ending, or by [`recover`] after a failure that skipped it (the estimated
/// input counts as spent, the answer is given back).
#[derive(Debug, Default)]
pub(super) struct Reserved(std::sync::Mutex<Option<(limits::Reservation, i64)>>);

impl Reserved {
    /// Keeps `reservation`, made for a request of `input` estimated tokens.
    pub(super) fn put(&self, reservation: limits::Reservation, input: i64) {
        *self.slot() = Some((reservation, input));
    }

    fn take(&self) -> Option<(limits::Reservation, i64)> {
        self.slot().take()
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<(limits::Reservation, i64)>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(super) async fn failed(
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
        // Nothing came: the provider refused or failed before answering.
        settle(state, context, 0, false).await?;
    } else {
        count_estimate(state, context, &text, true).await?;
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
pub(super) async fn interrupted(
    state: &AppState,
    context: &Context,
    reply: Reply,
) -> Result<(), DbErr> {
    let text = reply.text(state);
    // The provider was asked (and paid): its input counts even when cut short.
    count_estimate(state, context, &text, reply.row.is_some()).await?;
    let answer = reply
        .row
        .map(|row| (row, Ending::cut(MessageStatus::Interrupted, text, None)));
    finish_reply(state, context, answer, None).await
}

/// The AI called `handoff_to_human`: the conversation waits for a human,
/// with the AI's reason for the operator (unless it left `ai` meanwhile).
pub(super) async fn hand_off(
    state: &AppState,
    context: &Context,
    reason: &str,
) -> Result<(), DbErr> {
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
    crate::services::copilot::summary::after_handoff(state, context.conversation.id);
    Ok(())
}

/// Settles a call that ended without usage (interrupted, cut) at its
/// estimated input and `output`.
pub(super) async fn count_estimate(
    state: &AppState,
    context: &Context,
    output: &str,
    answered: bool,
) -> Result<(), DbErr> {
    let output = i64::try_from(history::estimate_tokens(output)).unwrap_or(i64::MAX);
    let used = context.input_estimate.saturating_add(output);
    settle(state, context, used, answered).await
}

/// Ends a run that has no [`Context`] (nothing to answer, or a database
/// failure): a `broken` answer still streaming is marked failed (`internal`)
/// so that nobody waits for it, and the AI stops typing unless a newer run
/// goes on.
pub(super) async fn end_run(
    state: &AppState,
    run: RunRef,
    broken: Option<Uuid>,
) -> Result<(), DbErr> {
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
        pending.push(events::typing(&txn, &conversation, MessageRole::Ai, false).await?);
    }
    txn.commit().await?;
    events::publish(&state.hub, pending);
    Ok(())
}

/// Forgets the live text of a message that stopped streaming, here and on
/// the other instances.
pub(super) fn end_live(state: &AppState, message_id: Uuid) {
    state.hub.end_live(message_id);
    state.bus.send(Note::EndLive {
        from: state.bus.instance().to_owned(),
        m: message_id,
    });
}

/// After a database failure inside a run. Best effort: whatever still fails
/// is repaired at the next start.
pub(super) async fn recover(
    state: &AppState,
    run: RunRef,
    streaming: Option<Uuid>,
    reserved: &Reserved,
) {
    if let Some((reservation, input)) = reserved.take() {
        let settled = limits::settle_ai_tokens(&state.db, &reservation, input).await;
        let refunded = limits::refund_ai_answer(&state.db, &reservation, 0).await;
        if let Err(err) = settled.and(refunded) {
            tracing::error!(error = %err, "cannot give back an AI run's reserved budget");
        }
    }
    if let Err(err) = end_run(state, run, streaming).await {
        tracing::error!(error = %err, "cannot end an AI run after a failure");
    }
}

/// Today's budget is spent: the visitor is told once a day per conversation
/// (and may still ask for a human).
pub(super) async fn budget_spent(state: &AppState, context: &Context) -> Result<(), DbErr> {
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

pub(super) fn clamp(tokens: i64) -> i32 {
    i32::try_from(tokens.max(0)).unwrap_or(i32::MAX)
}
