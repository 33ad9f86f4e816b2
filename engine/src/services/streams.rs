//! What an event stream (a visitor's, an operator's) sends: stored events after a cursor (replayed from
//! the table, so a reconnect misses nothing) and the live deltas of streaming
//! messages, each delta sent once even when a replay and the live feed overlap.
//!
//! A stream resuming from a cursor older than the pruned events
//! ([`events::pruned_through`]) cannot replay what it missed: it sends the
//! current state instead ([`snapshot`]), in the frames the clients already
//! apply (`status` and `message` on a visitor's stream, `conversation` on an
//! operator's), and goes on from there.
//!
//! The HTTP layer turns [`Outgoing`] items into SSE frames; this module knows
//! nothing of HTTP.

use crate::db::entities::conversations;
use crate::metrics::{OpenStream, StreamKind};
use crate::services::auth::CurrentUser;
use crate::services::events::{self, Rendered, Scope};
use crate::services::hub::{Signal, VisitorFeed};
use crate::services::presence::PresenceGuard;
use crate::services::{auth, inbox, messages, relay};
use crate::state::AppState;
use contract::chat::{ConversationStatus, DeltaEvent, MessageStatus, MessageView, StatusEvent};
use futures_util::Stream;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashMap, VecDeque};
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

/// How many messages sent as final a stream remembers (the newest): a late
/// delta of one of them is dropped; of an older one it costs a resend.
const FINISHED_KEPT: usize = 256;

/// Where a stream stands: the last event sent, and how much of each
/// message's text the client has.
#[derive(Debug, Default)]
struct Cursor {
    last: i64,
    /// The last read filled a page: the next one is read before waiting.
    behind: bool,
    /// The cursor was checked against the pruned events (it is again while
    /// a backlog is read page by page, and after a resync).
    checked: bool,
    /// Operators' streams follow each change with the conversation's summary.
    summaries: bool,
    /// A visitor's stream: faults are shown without their kind
    /// ([`relay::for_visitor`]).
    visitor: bool,
    /// message id → bytes of text sent (`usize::MAX` once the message is
    /// final): every message still streaming, and the last [`FINISHED_KEPT`]
    /// final ones.
    sent: HashMap<Uuid, usize>,
    /// The final messages in `sent`, oldest first.
    finished: VecDeque<Uuid>,
}

/// What a delta asks of a stream.
#[derive(Debug, PartialEq)]
enum DeltaPlan {
    /// The client has it all.
    Skip,
    /// The part the client lacks.
    Send(Outgoing),
    /// The client has a gap (or the message is unknown): the whole message.
    Resend,
}

impl Cursor {
    fn message(&mut self, view: &MessageView, id: Option<i64>) -> Outgoing {
        if view.status == MessageStatus::Streaming {
            self.sent.insert(view.id, view.text.len());
        } else {
            self.finish(view.id);
        }
        let data = if self.visitor {
            serde_json::to_value(relay::for_visitor(view.clone()))
        } else {
            serde_json::to_value(view)
        };
        Outgoing {
            id,
            event: "message".into(),
            data: data.unwrap_or_default(),
        }
    }

    /// Marks `message_id` final, forgetting the oldest final one past
    /// [`FINISHED_KEPT`].
    fn finish(&mut self, message_id: Uuid) {
        if self.sent.insert(message_id, usize::MAX) == Some(usize::MAX) {
            return;
        }
        self.finished.push_back(message_id);
        while self.finished.len() > FINISHED_KEPT {
            if let Some(oldest) = self.finished.pop_front()
                && self.sent.get(&oldest) == Some(&usize::MAX)
            {
                self.sent.remove(&oldest);
            }
        }
    }

    /// The part of a delta (`text`, ending at byte `end`) the client lacks.
    fn plan_delta(&mut self, message_id: Uuid, end: usize, text: &str) -> DeltaPlan {
        let start = end.saturating_sub(text.len());
        match self.sent.get(&message_id).copied() {
            Some(have) if have >= end => DeltaPlan::Skip,
            Some(have) if have >= start => match text.get(have - start..) {
                Some(part) => {
                    self.sent.insert(message_id, end);
                    let data = DeltaEvent {
                        message_id,
                        text: part.to_owned(),
                        end,
                    };
                    DeltaPlan::Send(Outgoing {
                        id: None,
                        event: "delta".into(),
                        data: serde_json::to_value(&data).unwrap_or_default(),
                    })
                }
                None => DeltaPlan::Resend,
            },
            _ => DeltaPlan::Resend,
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
        // reconnects with what is true now). A visitor's stream has no timer:
        // every idle visitor would hold one for nothing.
        let every = state.settings.sweep_every;
        let mut recheck = operator
            .is_some()
            .then(|| tokio::time::interval_at(tokio::time::Instant::now() + every, every));
        let summaries = matches!(scope, Scope::Projects(_));
        let visitor = matches!(scope, Scope::Visitor(_));
        let mut cursor = Cursor { last: after, summaries, visitor, ..Cursor::default() };
        let mut next: Result<Option<Arc<Signal>>, RecvError> = Ok(None);
        loop {
            // Boxed: the database work's futures are large, and held inline
            // they would make every idle stream as large as the largest of
            // them; boxed they take memory only while they run.
            let items = match next {
                Ok(None) => Box::pin(catch_up(&state, &scope, &mut cursor)).await,
                Ok(Some(signal)) => {
                    Box::pin(on_signal(&state, &scope, &mut cursor, signal.as_ref())).await
                }
                Err(RecvError::Lagged(_)) => Box::pin(resync(&state, &scope, &mut cursor)).await,
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
            if cursor.behind {
                // More stored events wait: the next page, before anything live.
                if state.shutdown.is_cancelled() {
                    return;
                }
                next = Ok(None);
                continue;
            }
            next = loop {
                tokio::select! {
                    biased;
                    () = state.shutdown.cancelled() => return,
                    () = tick(recheck.as_mut()) => {
                        if let Some(operator) = &operator
                            && !Box::pin(operator.still_holds(&state)).await
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

/// The next tick of `interval`; never without one.
async fn tick(interval: Option<&mut tokio::time::Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
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

/// The next page of stored events after the cursor, in order, followed (on
/// operators' streams) by the summaries of the conversations they changed.
/// A full page leaves the cursor `behind`: the stream reads the next one
/// before it waits, so a long backlog goes out page by page, never whole in
/// memory, and no query names more than a page of conversations.
async fn catch_up(
    state: &AppState,
    scope: &Scope,
    cursor: &mut Cursor,
) -> Result<Vec<Outgoing>, DbErr> {
    let mut items = Vec::new();
    let mut changed = Vec::new();
    let rows = events::after(&state.db, scope, cursor.last).await?;
    // Checked after the read: the pruning moves the watermark with its
    // deletion, so rows missing from this read show in the watermark.
    if (!cursor.checked || cursor.behind) && cursor.last < events::pruned_through(&state.db).await?
    {
        return snapshot(state, scope, cursor).await;
    }
    cursor.checked = true;
    cursor.behind = rows.len() as u64 == events::PAGE;
    let rendered = events::render_all(&state.db, &state.hub, &rows).await?;
    for (row, rendered) in rows.into_iter().zip(rendered) {
        cursor.last = row.id;
        if cursor.summaries
            && row.kind != events::Kind::Typing.as_str()
            && row.kind != events::Kind::Removed.as_str()
            && let Some(id) = events::conversation_of(&row)
            && !changed.contains(&id)
        {
            changed.push(id);
        }
        match rendered {
            // Operators get it in the `conversation` frame.
            _ if row.kind == events::Kind::Summary.as_str() => {}
            Some(Rendered::Message(view)) => items.push(cursor.message(&view, Some(row.id))),
            Some(Rendered::Other { kind, data }) => items.push(Outgoing {
                id: Some(row.id),
                event: kind,
                data,
            }),
            None => {}
        }
    }
    items.extend(summaries(state, &changed).await?);
    Ok(items)
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
    match cursor.plan_delta(message_id, end, text) {
        DeltaPlan::Skip => Ok(Vec::new()),
        DeltaPlan::Send(item) => Ok(vec![item]),
        DeltaPlan::Resend => resend(state, cursor, message_id).await,
    }
}

/// The message as it is now, without an event id (a message that is gone
/// is forgotten).
async fn resend(
    state: &AppState,
    cursor: &mut Cursor,
    message_id: Uuid,
) -> Result<Vec<Outgoing>, DbErr> {
    let Some(row) = messages::find(&state.db, message_id).await? else {
        cursor.sent.remove(&message_id);
        return Ok(Vec::new());
    };
    Ok(vec![
        cursor.message(&messages::view(&row, &state.hub), None),
    ])
}

/// After falling behind the live feed: the stored events missed, and the
/// messages still streaming as they are now.
async fn resync(
    state: &AppState,
    scope: &Scope,
    cursor: &mut Cursor,
) -> Result<Vec<Outgoing>, DbErr> {
    cursor.checked = false;
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

/// The current state, for a stream whose cursor is older than the pruned
/// events: a visitor's newest conversation (its `status` and its messages),
/// or an operator's most recently changed conversations (`conversation`
/// frames, as many as the inbox's largest page). The stream goes on from
/// the newest event, and the last frame carries that id, so the client's
/// `Last-Event-ID` moves past the gap.
async fn snapshot(
    state: &AppState,
    scope: &Scope,
    cursor: &mut Cursor,
) -> Result<Vec<Outgoing>, DbErr> {
    // The cursor first: a change while the state is read is then replayed.
    let last = events::last_id(&state.db, scope).await?;
    let mut items = match scope {
        Scope::Visitor(visitor_id) => {
            let newest = conversations::Entity::find()
                .filter(conversations::Column::VisitorId.eq(*visitor_id))
                .order_by_desc(conversations::Column::CreatedAt)
                .one(&state.db)
                .await?;
            conversation_state(state, cursor, newest).await?
        }
        Scope::Conversation(id) => {
            let row = conversations::Entity::find_by_id(*id)
                .one(&state.db)
                .await?;
            conversation_state(state, cursor, row).await?
        }
        Scope::Projects(projects) => inbox_state(state, projects.as_deref()).await?,
    };
    cursor.last = last;
    cursor.behind = false;
    cursor.checked = true;
    if let Some(item) = items.last_mut() {
        item.id = Some(last);
    }
    Ok(items)
}

/// One conversation as it is: its `status`, then its messages.
async fn conversation_state(
    state: &AppState,
    cursor: &mut Cursor,
    conversation: Option<conversations::Model>,
) -> Result<Vec<Outgoing>, DbErr> {
    let Some(conversation) = conversation else {
        return Ok(Vec::new());
    };
    let summary = inbox::summaries(&state.db, std::slice::from_ref(&conversation)).await?;
    let status = ConversationStatus::parse(&conversation.status);
    let status = StatusEvent {
        conversation_id: conversation.id,
        status,
        reason: conversation
            .handoff_reason
            .clone()
            .filter(|_| status == ConversationStatus::WaitingHuman),
        operator: summary
            .into_iter()
            .next()
            .and_then(|summary| summary.assigned),
    };
    let mut items = vec![Outgoing {
        id: None,
        event: events::Kind::Status.as_str().into(),
        data: serde_json::to_value(&status).unwrap_or_default(),
    }];
    for row in messages::of_conversation(&state.db, conversation.id).await? {
        items.push(cursor.message(&messages::view(&row, &state.hub), None));
    }
    Ok(items)
}

/// How many conversations an operator's snapshot sends (the inbox's largest page).
const SNAPSHOT_CONVERSATIONS: u64 = 100;

/// The conversations of `projects` (all for `None`) changed most recently,
/// as `conversation` frames.
async fn inbox_state(state: &AppState, projects: Option<&[Uuid]>) -> Result<Vec<Outgoing>, DbErr> {
    let mut select = conversations::Entity::find()
        .filter(conversations::Column::LastMessagePreview.is_not_null());
    if let Some(projects) = projects {
        select = select.filter(conversations::Column::ProjectId.is_in(projects.to_vec()));
    }
    let ids: Vec<Uuid> = select
        .select_only()
        .column(conversations::Column::Id)
        .order_by_desc(conversations::Column::UpdatedAt)
        .limit(SNAPSHOT_CONVERSATIONS)
        .into_tuple()
        .all(&state.db)
        .await?;
    summaries(state, &ids).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use contract::chat::MessageRole;

    fn view(id: Uuid, status: MessageStatus, text: &str) -> MessageView {
        MessageView {
            id,
            conversation_id: Uuid::nil(),
            role: MessageRole::Ai,
            text: text.into(),
            status,
            author_name: None,
            sources: Vec::new(),
            error_kind: None,
            client_message_id: None,
            created_at: chrono::Utc::now(),
            translation: None,
        }
    }

    /// A long replay of final messages keeps only the newest in memory.
    #[test]
    fn the_sent_set_stays_bounded() {
        // Arrange
        let mut cursor = Cursor::default();
        let streaming = Uuid::new_v4();
        cursor.message(&view(streaming, MessageStatus::Streaming, "Hel"), Some(1));
        // Act
        for id in 0..10_000 {
            cursor.message(
                &view(Uuid::new_v4(), MessageStatus::Complete, "Done"),
                Some(id),
            );
        }
        // Assert
        assert!(
            cursor.sent.len() <= FINISHED_KEPT + 1,
            "{}",
            cursor.sent.len()
        );
        assert_eq!(cursor.finished.len(), FINISHED_KEPT);
        assert_eq!(
            cursor.sent.get(&streaming),
            Some(&3),
            "the streaming one stays"
        );
    }

    /// De-duplication still holds for recent messages: a late delta of a
    /// recent final message is dropped, a streaming one gets only its new part.
    #[test]
    fn recent_messages_are_still_deduplicated() {
        let mut cursor = Cursor::default();
        let streaming = Uuid::new_v4();
        cursor.message(&view(streaming, MessageStatus::Streaming, "Hel"), Some(1));
        let mut recent = Uuid::nil();
        for id in 0..1_000 {
            recent = Uuid::new_v4();
            cursor.message(&view(recent, MessageStatus::Complete, "Done"), Some(id));
        }
        assert_eq!(cursor.plan_delta(recent, 4, "ne"), DeltaPlan::Skip);
        assert_eq!(cursor.plan_delta(streaming, 3, "el"), DeltaPlan::Skip);
        let DeltaPlan::Send(part) = cursor.plan_delta(streaming, 5, "llo") else {
            panic!("the new part is sent");
        };
        assert_eq!(part.data["text"], "lo");
        assert_eq!(
            cursor.plan_delta(Uuid::new_v4(), 5, "llo"),
            DeltaPlan::Resend
        );
    }

    /// A message finished twice counts once.
    #[test]
    fn a_message_finished_again_is_kept_once() {
        let mut cursor = Cursor::default();
        let id = Uuid::new_v4();
        for event in 0..10 {
            cursor.message(&view(id, MessageStatus::Complete, "Done"), Some(event));
        }
        assert_eq!(cursor.finished.len(), 1);
    }
}
