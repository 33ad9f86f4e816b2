//! The sink's mutable state: what it refuses, whether it is down, what it
//! received.
//!
//! A std `Mutex` rather than tokio's: it is never held across an `.await`,
//! only while a session copies out or pushes what it needs.

use crate::Received;
use std::sync::{Arc, Mutex, MutexGuard};

/// The state shared by the handle and the sessions.
pub(crate) type Shared = Arc<Mutex<State>>;

/// Locks the state, ignoring poisoning (a panicking test must not hide the sink).
pub(crate) fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where in a mail transaction a scripted refusal is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The answer to `MAIL FROM`.
    Mail,
    /// The answer to `RCPT TO` (a mailbox refused).
    Rcpt,
    /// The answer after the message's data (its content refused); the
    /// message is not recorded.
    Data,
}

/// A refusal waiting for its stage.
#[derive(Debug, Clone)]
pub(crate) struct Rejection {
    /// Where it is answered.
    pub stage: Stage,
    /// The reply code, e.g. 550 or 451.
    pub code: u16,
    /// The reply text after the code.
    pub text: String,
}

/// Everything a test can script, plus what the sink recorded.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Refusals not answered yet, first in first out per stage.
    pub rejections: Vec<Rejection>,
    /// While set, connections are closed at once, before the greeting, and
    /// open sessions are closed before their next command.
    pub down: bool,
    /// When set, `AUTH` must give these, and `MAIL` needs a successful `AUTH`.
    pub credentials: Option<(String, String)>,
    /// The messages accepted, oldest first.
    pub messages: Vec<Received>,
}

impl State {
    /// Takes the first refusal waiting for `stage`, if any.
    pub(crate) fn take_rejection(&mut self, stage: Stage) -> Option<Rejection> {
        let index = self.rejections.iter().position(|r| r.stage == stage)?;
        Some(self.rejections.remove(index))
    }
}
