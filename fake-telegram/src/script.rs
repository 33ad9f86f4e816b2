//! The fake's mutable state: the bot, the update queue, the chats' messages,
//! what was sent and answered, the scripted faults and the webhook.
//!
//! A std `Mutex` rather than tokio's: it is never held across an `.await`,
//! only while a handler reads or changes the state. A `watch` channel beside
//! it counts changes, so that long polls and the webhook sender wake up when
//! an update arrives (or the fake goes down) without missing a change.

use crate::faults::Fault;
use crate::records::{CallbackAnswer, Delivery, Edit, Recorded, SentMessage, TgUser};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

/// The state shared by the handle, the routes and the webhook sender.
pub(crate) type Shared = Arc<State>;

/// The script behind its lock, and the change counter beside it.
#[derive(Debug)]
pub(crate) struct State {
    script: Mutex<Script>,
    changed: watch::Sender<u64>,
}

impl State {
    /// A fresh state for a bot with this token.
    pub(crate) fn new(token: &str) -> Shared {
        Arc::new(Self {
            script: Mutex::new(Script::new(token)),
            changed: watch::Sender::new(0),
        })
    }

    /// Locks the script, ignoring poisoning (a panicking test must not hide
    /// the fake).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Script> {
        self.script
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wakes the long polls and the webhook sender: something changed.
    pub(crate) fn touch(&self) {
        self.changed.send_modify(|count| *count += 1);
    }

    /// A receiver of change notices (mark it seen before reading the state).
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// A fault waiting for calls of one method.
#[derive(Debug, Clone)]
pub(crate) struct QueuedFault {
    /// The method name in lower case (`*` for any).
    pub method: String,
    /// What to answer.
    pub fault: Fault,
    /// How many more calls it answers.
    pub times: usize,
}

/// The webhook a bot set.
#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    /// Where updates are POSTed.
    pub url: String,
    /// The `X-Telegram-Bot-Api-Secret-Token` sent with each delivery.
    pub secret: Option<String>,
    /// The update types asked for (recorded, not applied).
    pub allowed_updates: Option<Value>,
    /// `(unix time, message)` of the last failed delivery.
    pub last_error: Option<(i64, String)>,
}

/// Everything a test can script, plus what the fake recorded.
#[derive(Debug)]
pub(crate) struct Script {
    /// The token the routes accept.
    pub token: String,
    /// The bot as a `User` object (what `getMe` answers).
    pub bot: Value,
    /// Updates not confirmed yet, oldest first, each with its `update_id`.
    pub updates: VecDeque<Value>,
    /// The id of the next update.
    pub next_update_id: i64,
    /// The last message id used in each chat (users and bot share it).
    pub last_message_ids: HashMap<i64, i64>,
    /// Every message by `(chat id, message id)`, as a `Message` object.
    pub messages: HashMap<(i64, i64), Value>,
    /// The simulated users seen so far, by id.
    pub users: HashMap<i64, TgUser>,
    /// The bot's messages, in order.
    pub sent: Vec<SentMessage>,
    /// The bot's successful edits, in order.
    pub edits: Vec<Edit>,
    /// The bot's answers to callback queries, in order.
    pub callback_answers: Vec<CallbackAnswer>,
    /// Callback query ids not answered yet.
    pub open_queries: HashSet<String>,
    /// Source of callback query ids.
    pub next_query: u64,
    /// Every Bot API call, in order.
    pub requests: Vec<Recorded>,
    /// Faults waiting for calls, first in first out.
    pub faults: Vec<QueuedFault>,
    /// Whether every call fails with `502` (see `FakeTelegram::set_down`).
    pub down: bool,
    /// Chats whose user blocked the bot.
    pub blocked: HashSet<i64>,
    /// The webhook, while one is set.
    pub webhook: Option<Webhook>,
    /// Every webhook delivery attempt, in order.
    pub deliveries: Vec<Delivery>,
}

impl Script {
    fn new(token: &str) -> Self {
        let bot_id: i64 = token
            .split(':')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or(123_456_789);
        Self {
            token: token.to_owned(),
            bot: json!({
                "id": bot_id,
                "is_bot": true,
                "first_name": "aiwidget test bot",
                "username": crate::BOT_USERNAME,
                "can_join_groups": true,
                "can_read_all_group_messages": false,
                "supports_inline_queries": false,
                "can_connect_to_business": false,
                "has_main_web_app": false,
            }),
            updates: VecDeque::new(),
            next_update_id: 700_000_001,
            last_message_ids: HashMap::new(),
            messages: HashMap::new(),
            users: HashMap::new(),
            sent: Vec::new(),
            edits: Vec::new(),
            callback_answers: Vec::new(),
            open_queries: HashSet::new(),
            next_query: 0,
            requests: Vec::new(),
            faults: Vec::new(),
            down: false,
            blocked: HashSet::new(),
            webhook: None,
            deliveries: Vec::new(),
        }
    }

    /// Queues an update carrying `payload` under `kind` (`"message"`,
    /// `"callback_query"`, …) and returns its id. The caller then `touch`es.
    pub(crate) fn push_update(&mut self, kind: &str, payload: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        let mut update = serde_json::Map::new();
        update.insert("update_id".to_owned(), json!(id));
        update.insert(kind.to_owned(), payload);
        self.updates.push_back(Value::Object(update));
        id
    }

    /// Queues a whole update as given, numbering it unless it has an id.
    pub(crate) fn push_raw(&mut self, mut update: Value) -> i64 {
        let id = if let Some(id) = update.get("update_id").and_then(Value::as_i64) {
            id
        } else {
            let id = self.next_update_id;
            if let Some(object) = update.as_object_mut() {
                object.insert("update_id".to_owned(), json!(id));
            }
            id
        };
        self.next_update_id = self.next_update_id.max(id + 1);
        self.updates.push_back(update);
        id
    }

    /// A fresh message id in `chat`.
    pub(crate) fn next_message_id(&mut self, chat: i64) -> i64 {
        let last = self.last_message_ids.entry(chat).or_insert(0);
        *last += 1;
        *last
    }

    /// The `Chat` object of a private chat with user `id`.
    pub(crate) fn private_chat(&self, id: i64) -> Value {
        match self.users.get(&id) {
            Some(user) => {
                let mut chat = json!({"id": id, "type": "private", "first_name": user.first_name});
                if let Some(username) = &user.username {
                    chat["username"] = json!(username);
                }
                chat
            }
            None => json!({"id": id, "type": "private", "first_name": format!("User {id}")}),
        }
    }

    /// Takes the next fault for `method`, if one is queued.
    pub(crate) fn take_fault(&mut self, method: &str) -> Option<Fault> {
        let index = self
            .faults
            .iter()
            .position(|queued| queued.method == method || queued.method == "*")?;
        let queued = &mut self.faults[index];
        let fault = queued.fault.clone();
        queued.times -= 1;
        if queued.times == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }
}

/// The current Unix time in seconds, as Telegram's `date` fields.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}
