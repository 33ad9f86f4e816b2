//! The in-process fan-out of real-time changes: durable events (by id: the
//! streams read them from the `events` table) and token deltas (not stored).
//!
//! Each open visitor stream has a queue of its own, under its visitor (the
//! visitor's stream follows all their conversations, so a conversation opened
//! after a close reaches it too), and one broadcast channel carries everything
//! to operators' streams. A std `Mutex` guards the map: it is held for a
//! lookup or an insert, never across an `.await` (as mini-redis argues for
//! its `Db`).
//!
//! A visitor's queue is a bounded `mpsc` channel, not a `broadcast` one: a
//! broadcast channel allocates all its slots when it is made (512 slots, about
//! 20 KB, for every idle visitor), whereas an `mpsc` channel grows by blocks of
//! 32 only as signals wait, so an idle stream holds about 1 KB and a slow one
//! may still fall [`VISITOR_BACKLOG`] behind before it resyncs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

/// How many signals the operators' streams may fall behind before they resync.
const CHANNEL_CAPACITY: usize = 512;

/// How many signals a slow visitor stream may fall behind before it resyncs.
const VISITOR_BACKLOG: usize = 512;

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
    /// visitor id → the queues of their open streams (usually one).
    visitors: Mutex<HashMap<Uuid, Vec<Subscriber>>>,
    /// Numbers the visitors' subscriptions (a feed finds its own queue by it).
    next_subscriber: AtomicU64,
    all: broadcast::Sender<Arc<Signal>>,
    /// message id → the text streamed so far (a replay sends it instead of the deltas).
    live_text: Mutex<HashMap<Uuid, String>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            visitors: Mutex::default(),
            next_subscriber: AtomicU64::new(0),
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

/// The sending side of one visitor stream's queue.
#[derive(Debug)]
struct Subscriber {
    id: u64,
    queue: mpsc::Sender<Arc<Signal>>,
    /// Set when a signal found the queue full (and was dropped): the feed
    /// then reports [`RecvError::Lagged`], and its stream resyncs.
    lagged: Arc<AtomicBool>,
}

impl Subscriber {
    /// Queues `signal`; false once the feed is gone.
    fn send(&self, signal: &Arc<Signal>) -> bool {
        match self.queue.try_send(signal.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.lagged.store(true, Ordering::Release);
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

/// A subscription to one visitor's signals; dropping the last one of a
/// visitor removes their entry, so visitors who left cost nothing.
#[derive(Debug)]
pub struct VisitorFeed {
    hub: Arc<Hub>,
    visitor_id: Uuid,
    id: u64,
    receiver: mpsc::Receiver<Arc<Signal>>,
    lagged: Arc<AtomicBool>,
}

impl VisitorFeed {
    /// The next signal; `Lagged` when this feed fell behind (resync from the
    /// table), as a broadcast receiver would say.
    ///
    /// # Errors
    /// [`RecvError::Lagged`] when signals were dropped since the last call,
    /// [`RecvError::Closed`] when the hub is gone.
    pub async fn recv(&mut self) -> Result<Arc<Signal>, RecvError> {
        if self.lagged.swap(false, Ordering::Acquire) {
            // What waits is older than what the resync reads: drop it, as a
            // lagging broadcast receiver skips ahead.
            let mut skipped = 0;
            while self.receiver.try_recv().is_ok() {
                skipped += 1;
            }
            return Err(RecvError::Lagged(skipped));
        }
        self.receiver.recv().await.ok_or(RecvError::Closed)
    }
}

impl Drop for VisitorFeed {
    fn drop(&mut self) {
        let mut visitors = lock(&self.hub.visitors);
        if let Some(subscribers) = visitors.get_mut(&self.visitor_id) {
            subscribers.retain(|subscriber| subscriber.id != self.id);
            if subscribers.is_empty() {
                visitors.remove(&self.visitor_id);
            }
        }
    }
}

impl Hub {
    /// The signals of one visitor's conversations.
    pub fn subscribe_visitor(self: &Arc<Self>, visitor_id: Uuid) -> VisitorFeed {
        let (queue, receiver) = mpsc::channel(VISITOR_BACKLOG);
        let lagged = Arc::new(AtomicBool::new(false));
        let id = self.next_subscriber.fetch_add(1, Ordering::Relaxed);
        lock(&self.visitors)
            .entry(visitor_id)
            .or_default()
            .push(Subscriber {
                id,
                queue,
                lagged: lagged.clone(),
            });
        VisitorFeed {
            hub: self.clone(),
            visitor_id,
            id,
            receiver,
            lagged,
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
            if let Some(subscribers) = visitors.get_mut(&visitor_id) {
                subscribers.retain(|subscriber| subscriber.send(&signal));
                if subscribers.is_empty() {
                    visitors.remove(&visitor_id);
                }
            }
        }
        // No operator listening is fine.
        let _ = self.all.send(signal);
    }

    /// Tells every stream on this instance to resync from the table.
    pub fn resync_all(&self) {
        let signal = Arc::new(Signal::Resync);
        for subscriber in lock(&self.visitors).values().flatten() {
            subscriber.send(&signal);
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

    /// A feed that falls more than the backlog behind is told so once (its
    /// stream resyncs from the table), without what was waiting, and then
    /// gets what comes next; another stream of the visitor is not affected.
    #[tokio::test]
    async fn a_visitor_feed_that_falls_behind_lags_then_goes_on() {
        let hub = Arc::new(Hub::default());
        let visitor = Uuid::new_v4();
        let mut slow = hub.subscribe_visitor(visitor);
        let event = |id| Signal::Event {
            id,
            project_id: Uuid::nil(),
            conversation_id: None,
        };
        for id in 0..=VISITOR_BACKLOG as i64 {
            hub.publish(visitor, event(id));
        }
        let mut fresh = hub.subscribe_visitor(visitor);
        assert_eq!(
            slow.recv().await.expect_err("lagged"),
            RecvError::Lagged(VISITOR_BACKLOG as u64)
        );
        hub.publish(visitor, event(1_000));
        assert_eq!(*slow.recv().await.expect("after the lag"), event(1_000));
        assert_eq!(*fresh.recv().await.expect("the other stream"), event(1_000));
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
