//! The inbox's state: the list, the open conversation and what rings, as
//! signals that the list, the pane and the event stream share.

use contract::auth::{Role, UserView};
use contract::chat::{ConversationStatus, DeltaEvent, MessageRole, MessageView, TypingEvent};
use contract::inbox::{ConversationDetail, ConversationSummary, InboxQuery};
use leptos::prelude::*;
use uuid::Uuid;

/// Why the inbox rings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// A conversation started waiting for a human.
    Waiting,
    /// A visitor wrote in a conversation that waits or that this operator holds.
    Message,
}

/// What the inbox shows; every field is a signal.
#[derive(Debug, Clone, Copy)]
pub struct InboxState {
    /// The signed-in operator.
    pub me: Uuid,
    /// Whether they are an admin.
    pub admin: bool,
    /// Their display name (a canned reply's `{operator_name}`).
    pub my_name: StoredValue<String>,
    /// The names of the projects they see (a canned reply's `{project_name}`).
    pub project_names: RwSignal<std::collections::BTreeMap<Uuid, String>>,
    /// The conversations listed, newest activity first.
    pub items: RwSignal<Vec<ConversationSummary>>,
    /// Where the next page of the list starts; `None` on the last page.
    pub next_cursor: RwSignal<Option<String>>,
    /// The project filter; `None`: every project.
    pub project: RwSignal<Option<Uuid>>,
    /// The state filter; `None`: every state.
    pub status: RwSignal<Option<ConversationStatus>>,
    /// The search words; empty: no search.
    pub search: RwSignal<String>,
    /// The open conversation.
    pub selected: RwSignal<Option<Uuid>>,
    /// The open conversation as loaded, kept current by the event stream.
    pub detail: RwSignal<Option<ConversationDetail>>,
    /// The conversation whose visitor is typing.
    pub visitor_typing: RwSignal<Option<Uuid>>,
    /// The last failure, as the operator reads it.
    pub error: RwSignal<Option<String>>,
    /// The operator's language when they turned translation on (`None`: off).
    pub translate_into: RwSignal<Option<String>>,
}

impl InboxState {
    pub(super) fn new(user: &UserView) -> Self {
        Self {
            me: user.id,
            admin: user.role == Role::Admin,
            my_name: StoredValue::new(user.display_name.clone()),
            project_names: RwSignal::new(std::collections::BTreeMap::new()),
            items: RwSignal::new(Vec::new()),
            next_cursor: RwSignal::new(None),
            project: RwSignal::new(None),
            status: RwSignal::new(None),
            search: RwSignal::new(String::new()),
            selected: RwSignal::new(None),
            detail: RwSignal::new(None),
            visitor_typing: RwSignal::new(None),
            error: RwSignal::new(None),
            translate_into: RwSignal::new(None),
        }
    }

    /// The visitor's language when the open conversation is translated for
    /// this operator: known, and not theirs.
    #[must_use]
    pub fn foreign_language(&self) -> Option<String> {
        let mine = self.translate_into.get()?;
        self.detail.with(|detail| {
            detail
                .as_ref()?
                .visitor_language
                .clone()
                .filter(|theirs| *theirs != mine)
        })
    }

    /// The list's query as the filters stand (tracked).
    pub(super) fn query(&self, cursor: Option<String>) -> InboxQuery {
        let search = self.search.get();
        InboxQuery {
            project_id: self.project.get(),
            status: self.status.get().map(|status| status.as_str().to_owned()),
            q: (!search.trim().is_empty()).then_some(search),
            cursor,
            limit: None,
        }
    }

    /// True when the filters let `summary` into the list.
    fn admits(&self, summary: &ConversationSummary) -> bool {
        self.project
            .get_untracked()
            .is_none_or(|project| project == summary.project_id)
            && self
                .status
                .get_untracked()
                .is_none_or(|status| status == summary.status)
    }

    /// True when the conversation needs this operator: it waits for a human,
    /// or they hold it and the visitor wrote.
    #[must_use]
    pub fn needs_me(&self, summary: &ConversationSummary) -> bool {
        match summary.status {
            ConversationStatus::WaitingHuman => true,
            ConversationStatus::Human => {
                summary.operator_unread > 0
                    && summary
                        .assigned
                        .as_ref()
                        .is_some_and(|held| held.id == self.me)
            }
            ConversationStatus::Ai | ConversationStatus::Closed => false,
        }
    }

    /// A conversation changed: the list (and the open conversation) show it
    /// now; the answer says whether to ring.
    #[allow(
        clippy::must_use_candidate,
        reason = "it updates the signals; only the event stream rings"
    )]
    pub fn apply_summary(&self, summary: ConversationSummary) -> Option<Alert> {
        let previous = self
            .items
            .with_untracked(|items| items.iter().find(|item| item.id == summary.id).cloned());
        let searching = !self.search.get_untracked().trim().is_empty();
        let alert = if summary.status == ConversationStatus::WaitingHuman
            && previous
                .as_ref()
                .is_none_or(|previous| previous.status != ConversationStatus::WaitingHuman)
        {
            Some(Alert::Waiting)
        } else if self.needs_me(&summary)
            && summary.operator_unread > previous.as_ref().map_or(0, |p| p.operator_unread)
        {
            Some(Alert::Message)
        } else {
            None
        };
        self.detail.update(|detail| {
            if let Some(detail) = detail.as_mut().filter(|d| d.conversation.id == summary.id) {
                detail.conversation = summary.clone();
            }
        });
        let admitted = self.admits(&summary) && (previous.is_some() || !searching);
        self.items.update(|items| {
            items.retain(|item| item.id != summary.id);
            if admitted {
                items.push(summary);
                items.sort_by(|a, b| {
                    b.last_message_at
                        .cmp(&a.last_message_at)
                        .then(b.id.cmp(&a.id))
                });
            }
        });
        alert
    }

    /// A conversation was deleted: it leaves the list, and the pane when open.
    pub fn remove_conversation(&self, conversation_id: Uuid) {
        self.items
            .update(|items| items.retain(|item| item.id != conversation_id));
        if self.selected.get_untracked() == Some(conversation_id) {
            self.selected.set(None);
        }
    }

    /// A visitor's data was deleted: their conversations leave the list and the pane.
    pub fn forget_visitor(&self, visitor_id: Uuid) {
        let gone: Vec<Uuid> = self.items.with_untracked(|items| {
            items
                .iter()
                .filter(|item| item.visitor_id == visitor_id)
                .map(|item| item.id)
                .collect()
        });
        let open = self.detail.with_untracked(|detail| {
            detail
                .as_ref()
                .filter(|d| d.visitor.id == visitor_id)
                .map(|d| d.conversation.id)
        });
        for id in gone.into_iter().chain(open) {
            self.remove_conversation(id);
        }
    }

    /// A message was written or changed: the open conversation shows it.
    pub fn apply_message(&self, message: MessageView) {
        if message.role == MessageRole::Visitor
            && self.visitor_typing.get_untracked() == Some(message.conversation_id)
        {
            self.visitor_typing.set(None);
        }
        self.detail.update(|detail| {
            let Some(detail) = detail
                .as_mut()
                .filter(|d| d.conversation.id == message.conversation_id)
            else {
                return;
            };
            match detail
                .messages
                .iter_mut()
                .find(|known| known.id == message.id)
            {
                Some(known) => *known = message,
                None => detail.messages.push(message),
            }
        });
    }

    /// Text appended to a streaming answer of the open conversation: only
    /// the part not shown yet (the conversation may have been loaded with
    /// some of it); after a gap the complete message puts it right.
    pub fn apply_delta(&self, delta: &DeltaEvent) {
        self.detail.update(|detail| {
            let Some(known) = detail
                .as_mut()
                .and_then(|d| d.messages.iter_mut().find(|m| m.id == delta.message_id))
            else {
                return;
            };
            let start = delta.end.saturating_sub(delta.text.len());
            let have = known.text.len();
            if (start..delta.end).contains(&have)
                && let Some(missing) = delta.text.get(have - start..)
            {
                known.text.push_str(missing);
            }
        });
    }

    /// The visitor started or stopped typing (shown for a few seconds at most).
    pub fn apply_typing(&self, typing: &TypingEvent) {
        if typing.role != MessageRole::Visitor {
            return;
        }
        if typing.active {
            let conversation_id = typing.conversation_id;
            self.visitor_typing.set(Some(conversation_id));
            let shown = self.visitor_typing;
            set_timeout(
                move || {
                    if shown.get_untracked() == Some(conversation_id) {
                        shown.set(None);
                    }
                },
                std::time::Duration::from_secs(6),
            );
        } else if self.visitor_typing.get_untracked() == Some(typing.conversation_id) {
            self.visitor_typing.set(None);
        }
    }
}
