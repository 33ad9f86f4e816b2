//! What an event stream (a visitor's, an operator's) sends: stored events after a cursor (replayed from
//! the table, so a reconnect misses nothing) and the live deltas of streaming
//! messages, each delta sent once even when a replay and the live feed overlap.
//!
//! The HTTP layer turns [`Outgoing`] items into SSE frames; this module knows
//! nothing of HTTP.

use crate::db::entities::conversations;
use crate::metrics::{OpenStream, StreamKind};
use crate::services::auth::CurrentUser;
use crate::services::events::{self, Rendered, Scope};
use crate::services::hub::{Signal, VisitorFeed};
use crate::services::presence::PresenceGuard;
use crate::services::{auth, inbox, messages};
use crate::state::AppState;
use contract::chat::{DeltaEvent, MessageStatus, MessageView};
use futures_util::Stream;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

/// One frame of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The event id (`id:`), for stored events; deltas have none.
    pub id: Option<i64>,
    /// `message`, `delta`, `status`, `typing`, `read`.
    pub event: String,
    /// The JSON of `data:`.
    pub data: serde_json::Value,
}

/// Where a stream stands: the last event sent, and how much of each
/// message's text the client has.
#[derive(Debug, Default)]
struct Cursor {
    last: i64,
    /// Operators' streams follow each change with the conversation's summary.
    summaries: bool,
    /// message id → bytes of text sent (`usize::MAX` once the message is final).
    sent: HashMap<Uuid, usize>,
}

impl Cursor {
    fn message(&mut self, view: &MessageView, id: Option<i64>) -> Outgoing {
        let have = if view.status == MessageStatus::Streaming {
            view.text.len()
        } else {
            usize::MAX
        };
        self.sent.insert(view.id, have);
        Outgoing {
            id,
            event: "message".into(),
            data: serde_json::to_value(view).unwrap_or_default(),
        }
    }
}

/// The live signals a stream follows: one visitor's, or everyone's
/// (filtered by the stream's scope).
enum Live {
    Visitor(VisitorFeed),
    All(broadcast::Receiver<Arc<Signal>>),
}

impl Live {
    async fn recv(&mut self) -> Result<Arc<Signal>, RecvError> {
        match self {
            Self::Visitor(feed) => feed.recv().await,
            Self::All(receiver) => receiver.recv().await,
        }
    }
}

/// The stream of one visitor's conversations, from after event `after`,
/// until the server shuts down or the database fails (the client reconnects).
pub fn visitor(state: AppState, visitor_id: Uuid, after: i64) -> impl Stream<Item = Outgoing> {
    let open = OpenStream::open(StreamKind::Visitor);
    let live = Live::Visitor(state.hub.subscribe_visitor(visitor_id));
    follow(state, Scope::Visitor(visitor_id), live, after, None, open)
}

/// The operator behind a stream: their session, as when it opened.
struct Operator {
    user: CurrentUser,
    token: String,
    _presence: PresenceGuard,
}

impl Operator {
    async fn still_holds(&self, state: &AppState) -> bool {
        let sorted = |ids: &[Uuid]| {
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            ids
        };
        auth::authenticate(state, &self.token)
            .await
            .is_ok_and(|now| {
                now.role == self.user.role
                    && sorted(&now.project_ids) == sorted(&self.user.project_ids)
            })
    }
}

/// The stream of every conversation `user` (signed in with `token`) may
/// see, from after event `after`: the events, the deltas, and after each
/// change a `conversation` frame with the conversation as the inbox lists
/// it. The operator counts as online while it is open; it ends when their
/// session or projects change.
pub fn operator(
    state: AppState,
    user: &CurrentUser,
    token: String,
    after: i64,
) -> impl Stream<Item = Outgoing> + use<> {
    let projects = (!user.is_admin()).then(|| user.project_ids.clone());
    let operator = Operator {
        user: user.clone(),
        token,
        _presence: state.presence.enter(user.id, projects.clone()),
    };
    let open = OpenStream::open(StreamKind::Operator);
    let live = Live::All(state.hub.subscribe_all());
    follow(
        state,
        Scope::Projects(projects),
        live,
        after,
        Some(operator),
        open,
    )
}

fn follow(
    state: AppState,
    scope: Scope,
    mut live: Live,
    after: i64,
    operator: Option<Operator>,
    open: OpenStream,
) -> impl Stream<Item = Outgoing> {
    async_stream::stream! {
        // Counted until the stream is dropped: it ended, or the client left.
        let _open = open;
        // An operator's stream checks, as often as the stored deadlines are,
        // that its session still holds and its projects are the same (a
        // logout, a removal or a new membership ends it; the dashboard
        // reconnects with what is true now).
        let every = state.settings.sweep_every;
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let summaries = matches!(scope, Scope::Projects(_));
        let mut cursor = Cursor { last: after, summaries, ..Cursor::default() };
        let mut next: Result<Option<Arc<Signal>>, RecvError> = Ok(None);
        loop {
            let items = match next {
                Ok(None) => catch_up(&state, &scope, &mut cursor).await,
                Ok(Some(signal)) => on_signal(&state, &scope, &mut cursor, signal.as_ref()).await,
                Err(RecvError::Lagged(_)) => resync(&state, &scope, &mut cursor).await,
                Err(RecvError::Closed) => break,
            };
            match items {
                Ok(items) => {
                    for item in items {
                        yield item;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "an event stream ends on a database error");
                    break;
                }
            }
            next = loop {
                tokio::select! {
                    biased;
                    () = state.shutdown.cancelled() => return,
                    _ = recheck.tick(), if operator.is_some() => {
                        if let Some(operator) = &operator
                            && !operator.still_holds(&state).await
                        {
                            return;
                        }
                    }
                    signal = live.recv() => break signal.map(Some),
                }
            };
        }
    }
}

async fn on_signal(
    state: &AppState,
    scope: &Scope,
    cursor: &mut Cursor,
    signal: &Signal,
) -> Result<Vec<Outgoing>, DbErr> {
    if let Some(project_id) = signal.project_id()
        && !scope.covers(project_id)
    {
        return Ok(Vec::new());
    }
    match signal {
        Signal::Resync => resync(state, scope, cursor).await,
        Signal::Event { id, .. } if *id > cursor.last => catch_up(state, scope, cursor).await,
        Signal::Event { .. } => Ok(Vec::new()),
        Signal::Delta {
            message_id,
            end,
            text,
            ..
        } => delta(state, cursor, *message_id, *end, text).await,
    }
}

/// Every stored event after the cursor, in order.
async fn catch_up(
    state: &AppState,
    scope: &Scope,
    cursor: &mut Cursor,
) -> Result<Vec<Outgoing>, DbErr> {
    let mut items = Vec::new();
    let mut changed = Vec::new();
    loop {
        let rows = events::after(&state.db, scope, cursor.last).await?;
        let full_page = rows.len() as u64 == events::PAGE;
        let rendered = events::render_all(&state.db, &state.hub, &rows).await?;
        for (row, rendered) in rows.into_iter().zip(rendered) {
            cursor.last = row.id;
            if cursor.summaries
                && row.kind != events::Kind::Typing.as_str()
                && let Some(id) = row.conversation_id
                && !changed.contains(&id)
            {
                changed.push(id);
            }
            match rendered {
                Some(Rendered::Message(view)) => items.push(cursor.message(&view, Some(row.id))),
                Some(Rendered::Other { kind, data }) => items.push(Outgoing {
                    id: Some(row.id),
                    event: kind,
                    data,
                }),
                None => {}
            }
        }
        if !full_page {
            items.extend(summaries(state, &changed).await?);
            return Ok(items);
        }
    }
}

/// `conversation` frames: the changed conversations as the inbox lists them.
async fn summaries(state: &AppState, ids: &[Uuid]) -> Result<Vec<Outgoing>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = conversations::Entity::find()
        .filter(conversations::Column::Id.is_in(ids.to_vec()))
        .all(&state.db)
        .await?;
    Ok(inbox::summaries(&state.db, &rows)
        .await?
        .into_iter()
        .map(|summary| Outgoing {
            id: None,
            event: "conversation".into(),
            data: serde_json::to_value(&summary).unwrap_or_default(),
        })
        .collect())
}

/// The part of a delta the client does not have yet; the whole message when
/// the client has a gap (it connected mid-stream, or fell behind).
async fn delta(
    state: &AppState,
    cursor: &mut Cursor,
    message_id: Uuid,
    end: usize,
    text: &str,
) -> Result<Vec<Outgoing>, DbErr> {
    let start = end.saturating_sub(text.len());
    let have = cursor.sent.get(&message_id).copied();
    match have {
        Some(have) if have >= end => Ok(Vec::new()),
        Some(have) if have >= start => match text.get(have - start..) {
            Some(part) => {
                cursor.sent.insert(message_id, end);
                let data = DeltaEvent {
                    message_id,
                    text: part.to_owned(),
                    end,
                };
                Ok(vec![Outgoing {
                    id: None,
                    event: "delta".into(),
                    data: serde_json::to_value(&data).unwrap_or_default(),
                }])
            }
            None => resend(state, cursor, message_id).await,
        },
        _ => resend(state, cursor, message_id).await,
    }
}

/// The message as it is now, without an event id.
async fn resend(
    state: &AppState,
    cursor: &mut Cursor,
    message_id: Uuid,
) -> Result<Vec<Outgoing>, DbErr> {
    Ok(messages::find(&state.db, message_id)
        .await?
        .map(|row| cursor.message(&messages::view(&row, &state.hub), None))
        .into_iter()
        .collect())
}

/// After falling behind the live feed: the stored events missed, and the
/// messages still streaming as they are now.
async fn resync(
    state: &AppState,
    scope: &Scope,
    cursor: &mut Cursor,
) -> Result<Vec<Outgoing>, DbErr> {
    let mut items = catch_up(state, scope, cursor).await?;
    let streaming: Vec<Uuid> = cursor
        .sent
        .iter()
        .filter(|(_, have)| **have != usize::MAX)
        .map(|(id, _)| *id)
        .collect();
    for id in streaming {
        items.extend(resend(state, cursor, id).await?);
    }
    Ok(items)
}
