//! The in-process fan-out of real-time changes: durable events (by id: the
//! streams read them from the `events` table) and token deltas (not stored).
//!
//! One broadcast channel per visitor with an open stream (the visitor's stream
//! follows all their conversations, so a conversation opened after a close
//! reaches it too), and one channel for everything (operators' streams). A
//! channel with no receivers is removed on the next publish. A std `Mutex`
//! guards the map: it is held for a lookup or an insert, never across an
//! `.await` (as mini-redis argues for its `Db`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;
use uuid::Uuid;

/// How many signals a slow receiver may fall behind before it resyncs.
const CHANNEL_CAPACITY: usize = 512;

/// A change, as sent through the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// An event was committed: receivers read it (and any before it) from the table.
    Event {
        /// The event's id in the `events` table.
        id: i64,
        /// Its project (the operators' streams filter on it).
        project_id: Uuid,
        /// Its conversation, if it has one.
        conversation_id: Option<Uuid>,
    },
    /// Text appended to a streaming message: `text` ends at byte `end` of the message.
    Delta {
        /// The project.
        project_id: Uuid,
        /// The conversation.
        conversation_id: Uuid,
        /// The streaming message.
        message_id: Uuid,
        /// The byte of the message's text where `text` ends.
        end: usize,
        /// The appended text.
        text: String,
    },
    /// Signals may have been missed (the instances' listener reconnected):
    /// every stream reads what it missed from the table.
    Resync,
}

impl Signal {
    /// The project the change belongs to (none for a resync, which concerns all).
    #[must_use]
    pub fn project_id(&self) -> Option<Uuid> {
        match self {
            Self::Event { project_id, .. } | Self::Delta { project_id, .. } => Some(*project_id),
            Self::Resync => None,
        }
    }
}

/// The fan-out, and the current text of messages being streamed on this instance.
#[derive(Debug)]
pub struct Hub {
    visitors: Mutex<HashMap<Uuid, broadcast::Sender<Arc<Signal>>>>,
    all: broadcast::Sender<Arc<Signal>>,
    /// message id → the text streamed so far (a replay sends it instead of the deltas).
    live_text: Mutex<HashMap<Uuid, String>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            visitors: Mutex::default(),
            all: broadcast::channel(CHANNEL_CAPACITY).0,
            live_text: Mutex::default(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A subscription to one visitor's signals; dropping the last one of a
/// visitor removes their channel, so visitors who left cost nothing.
#[derive(Debug)]
pub struct VisitorFeed {
    hub: Arc<Hub>,
    visitor_id: Uuid,
    receiver: Option<broadcast::Receiver<Arc<Signal>>>,
}

impl VisitorFeed {
    /// The next signal; `Lagged` when this feed fell behind (resync from the table).
    ///
    /// # Errors
    /// [`broadcast::error::RecvError`] when lagging or closed.
    pub async fn recv(&mut self) -> Result<Arc<Signal>, broadcast::error::RecvError> {
        match &mut self.receiver {
            Some(receiver) => receiver.recv().await,
            None => Err(broadcast::error::RecvError::Closed),
        }
    }
}

impl Drop for VisitorFeed {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut visitors = lock(&self.hub.visitors);
        if visitors
            .get(&self.visitor_id)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            visitors.remove(&self.visitor_id);
        }
    }
}

impl Hub {
    /// The signals of one visitor's conversations.
    pub fn subscribe_visitor(self: &Arc<Self>, visitor_id: Uuid) -> VisitorFeed {
        let receiver = lock(&self.visitors)
            .entry(visitor_id)
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe();
        VisitorFeed {
            hub: self.clone(),
            visitor_id,
            receiver: Some(receiver),
        }
    }

    /// How many visitors have a channel (an open stream).
    pub fn visitor_channels(&self) -> usize {
        lock(&self.visitors).len()
    }

    /// Every signal (operators' streams filter by their projects).
    pub fn subscribe_all(&self) -> broadcast::Receiver<Arc<Signal>> {
        self.all.subscribe()
    }

    /// Sends `signal` to the visitor's streams and to the operators'.
    pub fn publish(&self, visitor_id: Uuid, signal: Signal) {
        let signal = Arc::new(signal);
        {
            let mut visitors = lock(&self.visitors);
            if let Some(sender) = visitors.get(&visitor_id)
                && sender.send(signal.clone()).is_err()
            {
                visitors.remove(&visitor_id);
            }
        }
        // No operator listening is fine.
        let _ = self.all.send(signal);
    }

    /// Tells every stream on this instance to resync from the table.
    pub fn resync_all(&self) {
        let signal = Arc::new(Signal::Resync);
        for sender in lock(&self.visitors).values() {
            let _ = sender.send(signal.clone());
        }
        let _ = self.all.send(signal);
    }

    /// Keeps the live text of a message streamed on another instance: `text`
    /// ends at byte `end`. After a gap (pieces were missed) the live text is
    /// dropped, and the message shows as stored.
    pub fn append_remote(&self, message_id: Uuid, end: usize, text: &str) {
        let mut live = lock(&self.live_text);
        let known = live.get(&message_id).map_or(0, String::len);
        if known + text.len() == end {
            live.entry(message_id).or_default().push_str(text);
        } else if known < end {
            live.remove(&message_id);
        }
    }

    /// Appends `text` to the live text of `message_id` and returns the byte end of it.
    pub fn append_live(&self, message_id: Uuid, text: &str) -> usize {
        let mut live = lock(&self.live_text);
        let current = live.entry(message_id).or_default();
        current.push_str(text);
        current.len()
    }

    /// The text streamed so far, when the message streams on this instance.
    pub fn live_text(&self, message_id: Uuid) -> Option<String> {
        lock(&self.live_text).get(&message_id).cloned()
    }

    /// Forgets a message's live text once it is stored in full.
    pub fn end_live(&self, message_id: Uuid) {
        lock(&self.live_text).remove(&message_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_visitor_gets_their_signals_only_and_operators_get_all() {
        let hub = Arc::new(Hub::default());
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let mut alice_rx = hub.subscribe_visitor(alice);
        let mut all_rx = hub.subscribe_all();
        let event = |id| Signal::Event {
            id,
            project_id: Uuid::nil(),
            conversation_id: None,
        };
        hub.publish(bob, event(1));
        hub.publish(alice, event(2));
        assert_eq!(*alice_rx.recv().await.expect("alice's"), event(2));
        assert_eq!(*all_rx.recv().await.expect("first"), event(1));
        assert_eq!(*all_rx.recv().await.expect("second"), event(2));
    }

    #[test]
    fn a_visitors_channel_goes_when_their_last_stream_does() {
        let hub = Arc::new(Hub::default());
        let visitor = Uuid::new_v4();
        let first = hub.subscribe_visitor(visitor);
        let second = hub.subscribe_visitor(visitor);
        drop(first);
        assert_eq!(hub.visitor_channels(), 1, "one stream is still open");
        drop(second);
        assert_eq!(hub.visitor_channels(), 0);
    }

    #[test]
    fn remote_text_is_kept_only_where_it_follows() {
        let hub = Hub::default();
        let id = Uuid::new_v4();
        hub.append_remote(id, "При".len(), "При");
        hub.append_remote(id, "При".len(), "При");
        hub.append_remote(id, "Привет".len(), "вет");
        assert_eq!(
            hub.live_text(id).as_deref(),
            Some("Привет"),
            "a repeat is left out"
        );
        hub.append_remote(id, "Привет, мир".len(), " мир");
        assert_eq!(hub.live_text(id), None, "after a gap the stored text shows");
    }

    #[tokio::test]
    async fn a_resync_reaches_every_stream() {
        let hub = Arc::new(Hub::default());
        let mut visitor = hub.subscribe_visitor(Uuid::new_v4());
        let mut all = hub.subscribe_all();
        hub.resync_all();
        assert_eq!(*visitor.recv().await.expect("visitor"), Signal::Resync);
        assert_eq!(*all.recv().await.expect("all"), Signal::Resync);
    }

    #[test]
    fn live_text_accumulates_until_the_message_ends() {
        let hub = Hub::default();
        let id = Uuid::new_v4();
        assert_eq!(hub.append_live(id, "При"), "При".len());
        assert_eq!(hub.append_live(id, "вет"), "Привет".len());
        assert_eq!(hub.live_text(id).as_deref(), Some("Привет"));
        hub.end_live(id);
        assert_eq!(hub.live_text(id), None);
    }
}
