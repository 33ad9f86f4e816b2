//! "Nobody came in N minutes": a conversation waiting for a human carries a
//! stored deadline (set by the handoff from the project's setting); a
//! background task sweeps the deadlines that passed. The project decides
//! what happens then: the AI answers again (a visitor message left
//! unanswered gets its answer), or the visitor is asked for a contact (a
//! system message the widget turns into the contact form).
//!
//! Deadlines live in the database, not in timers: a restart, or another
//! instance, picks them up.

use crate::db::begin_write;
use crate::db::entities::{conversations, projects, visitors};
use crate::services::events::{self, Pending};
use crate::services::messages::{self, NewMessage};
use crate::services::notices;
use crate::services::{conversations as conversation_rows, limits, takeover};
use crate::state::AppState;
use contract::chat::{ConversationStatus, MessageRole};
use contract::projects::HandoffTimeoutAction;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
    Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// The `error_kind` of the notice that asks for a contact (the widget shows the form).
pub const CONTACT_REQUESTED: &str = "contact_requested";

/// The `error_kind` of the notice that the AI answers again.
pub const NOBODY_CAME: &str = "handoff_timeout";

/// How many passed deadlines one sweep handles (the next takes the rest).
const BATCH: u64 = 100;

/// One tick of the sweep (run by `workers` every `sweep_every`): passed
/// deadlines, leases of lost instances, answers they left streaming, and
/// visitor messages nobody answers. Failures are logged and tried again at
/// the next tick.
pub async fn on_tick(state: AppState) {
    if let Err(err) = sweep(&state).await {
        tracing::warn!(error = %err, "sweeping handoff deadlines failed; retrying later");
    }
    if let Err(err) = crate::services::lease::release_dead(&state.db, state.bus.instance()).await {
        tracing::warn!(error = %err, "releasing the leases of lost instances failed; retrying later");
    }
    match crate::services::maintenance::interrupt_orphaned_streams(&state.db).await {
        Ok((0, _)) => {}
        Ok((interrupted, pending)) => {
            tracing::warn!(
                interrupted,
                "answers left streaming by a lost instance were marked interrupted"
            );
            events::publish(&state.hub, pending);
        }
        Err(err) => {
            tracing::warn!(error = %err, "repairing orphaned answers failed; retrying later")
        }
    }
    if let Err(err) = rescue_unanswered(&state).await {
        tracing::warn!(error = %err, "restarting unanswered conversations failed; retrying later");
    }
}

/// How long a visitor message may wait without an AI run before the sweep
/// starts one (a restart lost with an instance that died).
const UNANSWERED_AFTER: chrono::Duration = chrono::Duration::seconds(30);

/// Starts the AI for conversations whose visitor wrote last and that no
/// instance answers (no live lease): the AI's turn was lost with an instance
/// that died, or with a restart command nobody received. A conversation
/// whose last message is a notice (a fault, the budget) is left alone, and so
/// is every conversation of a project whose budget for today is spent (its
/// visitor was told; operators can still answer).
///
/// # Errors
/// The [`DbErr`] of a query.
#[tracing::instrument(name = "deadlines::rescue_unanswered", skip_all)]
pub async fn rescue_unanswered(state: &AppState) -> Result<usize, DbErr> {
    let now = chrono::Utc::now();
    let stale: Vec<conversations::Model> = conversations::Entity::find()
        .filter(conversations::Column::Status.eq(ConversationStatus::Ai.as_str()))
        .filter(conversations::Column::LastMessageAt.lt(now - UNANSWERED_AFTER))
        .filter(conversations::Column::LastMessageAt.gt(now - chrono::Duration::hours(1)))
        .filter(
            sea_orm::Condition::any()
                .add(conversations::Column::AiLeaseOwner.is_null())
                .add(conversations::Column::AiLeaseExpiresAt.lt(now)),
        )
        .limit(BATCH)
        .all(&state.db)
        .await?;
    let mut started = 0;
    let mut spent: HashMap<Uuid, bool> = HashMap::new();
    for conversation in stale {
        let project_spent = if let Some(known) = spent.get(&conversation.project_id) {
            *known
        } else {
            let known = budget_spent(state, conversation.project_id).await?;
            spent.insert(conversation.project_id, known);
            known
        };
        if project_spent {
            continue;
        }
        if takeover::awaits_answer(&state.db, &conversation, true).await? {
            state.relay.start(state, conversation.id);
            started += 1;
        }
    }
    Ok(started)
}

/// True when the AI of `project_id` has nothing left to spend today (or the
/// project is gone).
async fn budget_spent(state: &AppState, project_id: Uuid) -> Result<bool, DbErr> {
    let project = projects::Entity::find_by_id(project_id)
        .one(&state.db)
        .await?;
    if let Some(project) = project {
        limits::budget_spent(&state.db, &project).await
    } else {
        Ok(true)
    }
}

/// Applies the project's rule to every conversation whose deadline passed;
/// returns how many.
///
/// # Errors
/// The [`DbErr`] of a query.
#[tracing::instrument(name = "deadlines::sweep", skip_all)]
pub async fn sweep(state: &AppState) -> Result<usize, DbErr> {
    let due: Vec<Uuid> = conversations::Entity::find()
        .select_only()
        .column(conversations::Column::Id)
        .filter(conversations::Column::Status.eq(ConversationStatus::WaitingHuman.as_str()))
        .filter(conversations::Column::HandoffDeadlineAt.lte(chrono::Utc::now()))
        .limit(BATCH)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut swept = 0;
    for id in due {
        if expire(state, id).await? {
            swept += 1;
        }
    }
    Ok(swept)
}

/// One conversation past its deadline, re-checked under its lock (an
/// operator may have taken it in between).
async fn expire(state: &AppState, id: Uuid) -> Result<bool, DbErr> {
    let txn = begin_write(&state.db).await?;
    let Some(conversation) = conversation_rows::find_for_update(&txn, id).await? else {
        return Ok(false);
    };
    let due = conversation.status == ConversationStatus::WaitingHuman.as_str()
        && conversation
            .handoff_deadline_at
            .is_some_and(|deadline| deadline <= chrono::Utc::now());
    let Some(project) = projects::Entity::find_by_id(conversation.project_id)
        .one(&txn)
        .await?
        .filter(|_| due)
    else {
        return Ok(false);
    };
    let visitor = visitors::Entity::find_by_id(conversation.visitor_id)
        .one(&txn)
        .await?;
    let lang = notices::lang(&project, visitor.as_ref());
    let action = HandoffTimeoutAction::parse(&project.handoff_timeout_action);
    let conversation = if conversation.handoff_timed_out_at.is_none() {
        // Kept for the statistics ("timed out"), whatever happens next.
        let mut active = conversation.into_active_model();
        active.handoff_timed_out_at = Set(Some(chrono::Utc::now()));
        active.update(&txn).await?
    } else {
        conversation
    };
    let mut pending: Vec<Pending> = Vec::new();
    let (conversation, notice, kind) = match action {
        HandoffTimeoutAction::Ai => {
            let (conversation, event) =
                conversation_rows::set_status(&txn, conversation, ConversationStatus::Ai, None)
                    .await?;
            pending.push(event);
            (conversation, notices::nobody_came_ai(lang), NOBODY_CAME)
        }
        HandoffTimeoutAction::Contact => {
            // Still waiting (an operator may come later), without a deadline.
            let mut active = conversation.into_active_model();
            active.handoff_deadline_at = Set(None);
            let conversation = active.update(&txn).await?;
            (
                conversation,
                notices::nobody_came_contact(lang),
                CONTACT_REQUESTED,
            )
        }
    };
    let mut new = NewMessage::new(conversation.id, MessageRole::System, notice);
    new.error_kind = Some(kind.to_owned());
    let message = messages::insert(&txn, new).await?;
    pending.push(events::emit_message(&txn, &conversation, message.id).await?);
    let answer = action == HandoffTimeoutAction::Ai
        && takeover::awaits_answer(&txn, &conversation, false).await?;
    if answer {
        pending.push(events::typing(&txn, &conversation, MessageRole::Ai, true).await?);
    }
    txn.commit().await?;
    events::publish(&state.hub, pending);
    if answer {
        state.relay.start(state, conversation.id);
    }
    Ok(true)
}
