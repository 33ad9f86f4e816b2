//! Several instances on one PostgreSQL database: what one instance does,
//! the others learn through `LISTEN/NOTIFY` on one channel.
//!
//! - Events: every event-writing transaction notifies its event's ids (never
//!   its payload; notifications are limited to 8000 bytes and sent on
//!   commit). Each instance, the writer included, hands them to its
//!   [`Hub`](super::hub::Hub); streams read the events from the table, so a
//!   duplicate costs nothing.
//! - Deltas of a streaming answer are batched (~50 ms) into notifications
//!   of their own, so that a visitor or an operator connected to another
//!   instance sees the answer as it is written.
//! - Commands: cancel the AI of a conversation (wherever it runs), and
//!   restart it on the instance that holds its lease (a visitor's second
//!   message arrived elsewhere).
//! - A listener that reconnects tells every local stream to resync from the
//!   events table: notifications sent meanwhile are lost, the table is not.
//!
//! On SQLite (one instance) nothing is sent and nothing listens.

mod batch;

use crate::services::hub::Signal;
use crate::state::AppState;
use batch::merge;
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

/// The `LISTEN`/`NOTIFY` channel of aiwidget.
pub const CHANNEL: &str = "aiwidget";

/// How long deltas are gathered before they are sent.
const DELTA_BATCH: Duration = Duration::from_millis(50);

/// The most text one delta notification carries: the payload limit is 8000
/// bytes, and JSON may write a byte of text as six (`\u001f`).
const MAX_DELTA_BYTES: usize = 1000;

/// How long a lost listener waits before it connects again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Note {
    // Field names are one letter: a notification carries at most 8000 bytes.
    /// An event was committed: its id, project, conversation and visitor.
    Event {
        /// The event's id in the `events` table.
        id: i64,
        /// Its project.
        p: Uuid,
        /// Its conversation.
        c: Uuid,
        /// The conversation's visitor (whose streams follow it).
        v: Uuid,
    },
    /// Text appended to a streaming message, ending at byte `end`.
    Delta {
        /// The instance that streams it (which ignores its own notes).
        from: String,
        /// The project.
        p: Uuid,
        /// The conversation.
        c: Uuid,
        /// The conversation's visitor.
        v: Uuid,
        /// The streaming message.
        m: Uuid,
        /// The byte of the message's text where `text` ends.
        end: usize,
        /// The appended text.
        text: String,
    },
    /// A message stopped streaming: forget its live text.
    EndLive {
        /// The instance that streamed it.
        from: String,
        /// The message.
        m: Uuid,
    },
    /// Stop the AI of a conversation.
    Cancel {
        /// The instance that asks (it has stopped its own run already).
        from: String,
        /// The conversation.
        c: Uuid,
    },
    /// Answer a conversation again (sent to the lease holder).
    Restart {
        /// The instance that holds the conversation's AI lease.
        to: String,
        /// The conversation.
        c: Uuid,
    },
}

impl Note {
    fn payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// This instance's name on the bus and the queue of what it sends.
#[derive(Debug)]
pub struct Bus {
    instance: String,
    outbox: OnceLock<mpsc::UnboundedSender<Note>>,
}

impl Default for Bus {
    /// A new instance, with a new random id.
    fn default() -> Self {
        Self {
            instance: Uuid::new_v4().simple().to_string(),
            outbox: OnceLock::new(),
        }
    }
}

impl Bus {
    /// This instance's id (the owner of the AI leases it takes).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Queues `note` for the other instances (nothing on SQLite).
    pub fn send(&self, note: Note) {
        if let Some(outbox) = self.outbox.get() {
            let _ = outbox.send(note);
        }
    }

    /// Tells the others about text appended to a streaming message of `visitor_id`.
    pub fn delta(&self, visitor_id: Uuid, signal: &Signal) {
        if let Signal::Delta {
            project_id,
            conversation_id,
            message_id,
            end,
            text,
        } = signal
        {
            self.send(Note::Delta {
                from: self.instance.clone(),
                p: *project_id,
                c: *conversation_id,
                v: visitor_id,
                m: *message_id,
                end: *end,
                text: text.clone(),
            });
        }
    }

    /// On PostgreSQL: starts sending queued notes and listening to the
    /// others' (both until shutdown). The commands the others send to this
    /// instance arrive on the returned channel, which start-up hands to the
    /// relay (the bus only carries them). On SQLite the channel is closed.
    #[must_use]
    pub fn start(state: &AppState) -> mpsc::UnboundedReceiver<Command> {
        let (commands, received) = mpsc::unbounded_channel();
        if state.db.get_database_backend() != DatabaseBackend::Postgres {
            return received;
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        if state.bus.outbox.set(sender).is_err() {
            return received;
        }
        tokio::spawn(deliver(state.clone(), receiver));
        tokio::spawn(listen(state.clone(), commands));
        received
    }
}

/// What another instance asks this one to do with a conversation's AI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Stop the AI of this conversation if it runs here.
    Cancel(Uuid),
    /// Answer this conversation again (this instance holds its lease).
    Restart(Uuid),
}

/// Notifies the event `note` inside the transaction that writes it (sent on commit).
///
/// # Errors
/// The [`DbErr`] of `pg_notify`.
pub async fn notify_in(txn: &impl ConnectionTrait, note: &Note) -> Result<(), DbErr> {
    txn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), note.payload().into()],
    ))
    .await
    .map(|_| ())
}

/// Sends queued notes in order; deltas wait ~50 ms so that those of one
/// message go as one.
#[tracing::instrument(name = "bus::deliver", skip_all)]
async fn deliver(state: AppState, mut outbox: mpsc::UnboundedReceiver<Note>) {
    while let Some(first) = outbox.recv().await {
        if matches!(first, Note::Delta { .. }) {
            tokio::time::sleep(DELTA_BATCH).await;
        }
        let mut batch = vec![first];
        while let Ok(note) = outbox.try_recv() {
            batch.push(note);
        }
        for note in merge(batch) {
            if let Err(err) = notify_in(&state.db, &note).await {
                tracing::warn!(error = %err, "a notification to the other instances was lost");
            }
        }
    }
}

/// Listens until shutdown, connecting again after a loss (and resyncing the streams).
#[tracing::instrument(name = "bus::listen", skip_all)]
async fn listen(state: AppState, commands: mpsc::UnboundedSender<Command>) {
    let pool = state.db.get_postgres_connection_pool().clone();
    loop {
        match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    // Whatever was missed before listening is in the table.
                    state.hub.resync_all();
                    loop {
                        let received = tokio::select! {
                            () = state.shutdown.cancelled() => return,
                            received = listener.try_recv() => received,
                        };
                        match received {
                            Ok(Some(notification)) => {
                                dispatch(&state, &commands, notification.payload());
                            }
                            Ok(None) => {
                                // Connect and LISTEN again, then resync.
                                tracing::warn!("the notification listener lost its connection");
                                break;
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "the notification listener failed");
                                break;
                            }
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "LISTEN failed"),
            },
            Err(err) => tracing::warn!(error = %err, "the notification listener cannot connect"),
        }
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            () = tokio::time::sleep(RECONNECT_AFTER) => {}
        }
    }
}

/// What one notification means here.
fn dispatch(state: &AppState, commands: &mpsc::UnboundedSender<Command>, payload: &str) {
    let Ok(note) = serde_json::from_str::<Note>(payload) else {
        return;
    };
    let me = state.bus.instance();
    match note {
        Note::Event { id, p, c, v } => state.hub.publish(
            v,
            Signal::Event {
                id,
                project_id: p,
                conversation_id: Some(c),
            },
        ),
        Note::Delta {
            from,
            p,
            c,
            v,
            m,
            end,
            text,
        } if from != me => {
            state.hub.append_remote(m, end, &text);
            state.hub.publish(
                v,
                Signal::Delta {
                    project_id: p,
                    conversation_id: c,
                    message_id: m,
                    end,
                    text,
                },
            );
        }
        Note::EndLive { from, m } if from != me => state.hub.end_live(m),
        Note::Cancel { from, c } if from != me => {
            let _ = commands.send(Command::Cancel(c));
        }
        Note::Restart { to, c } if to == me => {
            let _ = commands.send(Command::Restart(c));
        }
        Note::Delta { .. } | Note::EndLive { .. } | Note::Cancel { .. } | Note::Restart { .. } => {}
    }
}
