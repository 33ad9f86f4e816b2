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
//! - `prepare`: the fast path, a run made ready in the visitor message's transaction.
//! - `run`: one run, from loading its context to the end of the stream.
//! - `reply`: the answer stored as it streams, and how a run ends.

pub mod history;
mod prepare;
mod reply;
mod run;

pub use prepare::{Preparation, Prepared, prepare};
use reply::recover;
use run::answer;

use crate::services::bus::Note;
use crate::services::lease::{self, Lease};
use crate::state::AppState;
use contract::chat::MessageView;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How often the text of a streaming answer is saved (a crash keeps it).
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// The error kind of the notice sent when today's budget is spent.
pub const BUDGET_SPENT: &str = "budget_exhausted";

/// The `error_kind` a visitor reads in place of a fault's own kind.
pub const AI_UNAVAILABLE: &str = "ai_unavailable";

/// The kinds of the product's notices, which a visitor may read (the widget
/// acts on them); every other kind names a fault of the site owner's
/// provider or key, for operators only.
const VISITOR_KINDS: [&str; 3] = [
    BUDGET_SPENT,
    crate::services::deadlines::CONTACT_REQUESTED,
    crate::services::deadlines::NOBODY_CAME,
];

/// A message as its visitor reads it (their event stream, their session),
/// without the operators' translation; a fault's kind (`invalid_api_key`, `quota_exceeded`, …) becomes
/// [`AI_UNAVAILABLE`]; operators read the stored kind.
#[must_use]
pub fn for_visitor(mut view: MessageView) -> MessageView {
    // Translations are the operators' (`docs/copilot.md`, "Translation").
    view.translation = None;
    if view
        .error_kind
        .as_deref()
        .is_some_and(|kind| !VISITOR_KINDS.contains(&kind))
    {
        view.error_kind = Some(AI_UNAVAILABLE.to_owned());
    }
    view
}

/// The runs in flight on this instance, by conversation.
#[derive(Debug, Default)]
pub struct Relay {
    runs: Mutex<HashMap<Uuid, Run>>,
    next_run: AtomicU64,
}

#[derive(Debug)]
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
    /// its AI lease, else on the instance that holds it. An instance that is
    /// shutting down starts nothing (its runs were cancelled and nobody waits
    /// for a new one): the sweep of unanswered conversations, on another
    /// instance or after the restart, answers it.
    pub fn start(&self, state: &AppState, conversation_id: Uuid) {
        if state.shutdown.is_cancelled() {
            return;
        }
        let state = state.clone();
        tokio::spawn(async move {
            match lease::acquire(&state.db, conversation_id, state.bus.instance()).await {
                Ok(Lease::Ours) => state.relay.start_here(&state, conversation_id, None),
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

    /// Answers the visitor's message as [`prepare`] made ready, in the
    /// transaction that stored it (now committed).
    pub fn start_prepared(&self, state: &AppState, preparation: Preparation) {
        match preparation {
            Preparation::Here(prepared) => {
                let conversation_id = prepared.conversation.id;
                self.start_here(state, conversation_id, Some(prepared));
            }
            Preparation::HeldBy {
                owner,
                conversation_id,
            } => state.bus.send(Note::Restart {
                to: owner,
                c: conversation_id,
            }),
            Preparation::Gone => {}
        }
    }

    /// Answers `conversation_id` on this instance (its lease taken),
    /// cancelling the run in flight for it; the lease is given back when the
    /// last run ends.
    fn start_here(&self, state: &AppState, conversation_id: Uuid, prepared: Option<Box<Prepared>>) {
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
            let reserved = std::sync::Arc::new(reply::Reserved::default());
            let run = RunRef {
                conversation_id,
                id,
            };
            if let Err(err) = answer(
                &state,
                run,
                &cancel,
                &mut streaming,
                reserved.clone(),
                prepared,
            )
            .await
            {
                tracing::error!(%conversation_id, error = %err, "the AI run failed to store its result");
                recover(&state, run, streaming, &reserved).await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use contract::chat::{MessageRole, MessageStatus};

    fn notice(kind: &str) -> MessageView {
        MessageView {
            id: Uuid::nil(),
            conversation_id: Uuid::nil(),
            role: MessageRole::System,
            text: "Sorry".into(),
            status: MessageStatus::Complete,
            author_name: None,
            sources: Vec::new(),
            error_kind: Some(kind.into()),
            client_message_id: None,
            created_at: chrono::Utc::now(),
            translation: None,
        }
    }

    /// A provider's or key's fault reaches the visitor as `ai_unavailable`.
    #[test]
    fn faults_are_hidden_from_the_visitor() {
        for kind in [
            "invalid_api_key",
            "quota_exceeded",
            "api_key_unreadable",
            "internal",
        ] {
            assert_eq!(
                for_visitor(notice(kind)).error_kind.as_deref(),
                Some(AI_UNAVAILABLE),
                "{kind}"
            );
        }
    }

    /// The product's notices keep the kind the widget acts on; a message
    /// without a kind stays without one.
    #[test]
    fn product_notices_keep_their_kind() {
        for kind in VISITOR_KINDS {
            assert_eq!(for_visitor(notice(kind)).error_kind.as_deref(), Some(kind));
        }
        let mut plain = notice("x");
        plain.error_kind = None;
        assert_eq!(for_visitor(plain).error_kind, None);
    }
}
