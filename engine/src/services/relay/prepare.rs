//! The fast path of an answer (docs/architecture.md, "The path of an
//! answer"): what the run needs before its call is done inside the visitor
//! message's own transaction — the conversation's lease taken, the history
//! read, today's budget reserved — so that the run calls the provider at
//! once, with no write of its own before the call. The guarantees stay: one
//! run per conversation (the lease), never an unreserved call (the
//! reservation commits with the message or not at all).

use super::run::{estimate, request, reserved_tokens};
use crate::db::entities::{conversations, projects, visitors};
use crate::llm::LlmRequest;
use crate::services::lease::{self, Lease};
use crate::services::{limits, messages, notices};
use crate::state::AppState;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

/// A run ready to call the provider.
#[derive(Debug)]
pub struct Prepared {
    pub(super) conversation: conversations::Model,
    pub(super) project: projects::Model,
    pub(super) lang: notices::Lang,
    /// `None`: the project's key does not decrypt (nothing was reserved).
    pub(super) request: Option<LlmRequest>,
    /// `None`: today's budget had no room for the call; the run tries
    /// again once it has cancelled the run it replaces (whose reservation
    /// is then given back), as every start outside the fast path does.
    pub(super) reservation: Option<limits::Reservation>,
}

/// Where the answer to a visitor's message runs.
#[derive(Debug)]
pub enum Preparation {
    /// Here, prepared (boxed: it carries the project and the request).
    Here(Box<Prepared>),
    /// On the instance that holds the conversation's lease (it is told to restart).
    HeldBy {
        /// The instance holding the lease.
        owner: String,
        /// The conversation it is to answer.
        conversation_id: Uuid,
    },
    /// Nowhere: the conversation is gone.
    Gone,
}

/// Prepares the AI's answer to the message just stored in `txn`, in that
/// transaction. Call it after the conversation's row is locked and the
/// message inserted, before any event is written (rows first, events last:
/// the lock order of every writing transaction).
///
/// # Errors
/// The [`DbErr`] of the lease, the read or the reservation.
pub async fn prepare(
    txn: &impl ConnectionTrait,
    state: &AppState,
    project: &projects::Model,
    conversation: &conversations::Model,
    visitor: &visitors::Model,
) -> Result<Preparation, DbErr> {
    match lease::acquire(txn, conversation.id, state.bus.instance()).await? {
        Lease::Ours => {}
        Lease::HeldBy(owner) => {
            return Ok(Preparation::HeldBy {
                owner,
                conversation_id: conversation.id,
            });
        }
        Lease::Gone => return Ok(Preparation::Gone),
    }
    let rows = messages::of_conversation(txn, conversation.id).await?;
    let request = request(state, project, &rows);
    let reservation = match &request {
        Some(request) => {
            let tokens = reserved_tokens(project, estimate(request));
            limits::reserve_ai_answer(txn, project, tokens).await?
        }
        None => None,
    };
    Ok(Preparation::Here(Box::new(Prepared {
        conversation: conversation.clone(),
        project: project.clone(),
        lang: notices::lang(project, Some(visitor)),
        request,
        reservation,
    })))
}
