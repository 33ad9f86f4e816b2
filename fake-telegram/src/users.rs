//! What simulated users do: write, reply, press a button. Each action is a
//! new update in the queue (and a message in the chat's history).

use crate::messages::quoted;
use crate::records::TgUser;
use crate::script::{Script, now};
use serde_json::json;

impl Script {
    /// `user` writes `text` in their private chat, optionally replying to
    /// message `reply_to`; returns the new message's id.
    pub(crate) fn user_text(
        &mut self,
        user: &TgUser,
        text: &str,
        reply_to: Option<i64>,
    ) -> Result<i64, String> {
        self.users.insert(user.id, user.clone());
        let replied = match reply_to {
            Some(id) => Some(
                quoted(self, user.id, id)
                    .ok_or_else(|| format!("no message {id} in chat {}", user.id))?,
            ),
            None => None,
        };
        let message_id = self.next_message_id(user.id);
        let mut message = json!({
            "message_id": message_id,
            "from": user.to_json(),
            "chat": self.private_chat(user.id),
            "date": now(),
            "text": text,
        });
        if let Some(replied) = replied {
            message["reply_to_message"] = replied;
        }
        if let Some(command) = text.strip_prefix('/') {
            let length = 1 + command
                .split_whitespace()
                .next()
                .map_or(0, |word| word.encode_utf16().count());
            message["entities"] = json!([{"offset": 0, "length": length, "type": "bot_command"}]);
        }
        self.messages.insert((user.id, message_id), message.clone());
        self.push_update("message", message);
        Ok(message_id)
    }

    /// `user` presses the button carrying `data` under message `message_id`
    /// of their private chat; returns the callback query's id.
    pub(crate) fn user_press(
        &mut self,
        user: &TgUser,
        message_id: i64,
        data: &str,
    ) -> Result<String, String> {
        let message = quoted(self, user.id, message_id)
            .ok_or_else(|| format!("no message {message_id} in chat {}", user.id))?;
        self.users.insert(user.id, user.clone());
        self.next_query += 1;
        let id = format!("{}{:06}", user.id.unsigned_abs(), self.next_query);
        let query = json!({
            "id": id,
            "from": user.to_json(),
            "message": message,
            "chat_instance": format!("-{}", user.id.unsigned_abs() * 7 + 13),
            "data": data,
        });
        self.open_queries.insert(id.clone());
        self.push_update("callback_query", query);
        Ok(id)
    }
}
