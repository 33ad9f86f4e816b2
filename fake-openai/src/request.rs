//! The common part of `POST /v1/responses` and `POST /v1/chat/completions`:
//! parse the body, validate it like OpenAI, and copy what the answer needs.

use crate::errors;
use crate::faults::Fault;
use crate::knowledge::{Citation, Store};
use crate::script::{Script, Shared, StreamStats, lock};
use axum::body::Bytes;
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One validated request and the script as it stood when it arrived.
#[derive(Debug)]
pub(crate) struct Turn {
    /// The parsed body.
    pub body: Value,
    /// The requested model, echoed in the answer.
    pub model: String,
    /// `"stream": true`.
    pub stream: bool,
    /// The assistant text.
    pub reply: String,
    /// The citations, empty unless the request has a `file_search` tool:
    /// the scripted ones, or else the first completed file of each searched
    /// store.
    pub citations: Vec<Citation>,
    /// Whether the request has a `file_search` tool.
    pub searches_files: bool,
    /// The words of the request's text, a rough stand-in for its tokens.
    pub input_words: Vec<String>,
    /// The pause between deltas.
    pub delay: Duration,
    /// Whether chat streams may send usage.
    pub usage: bool,
    /// Whether `stream_options` is refused.
    pub reject_stream_options: bool,
    /// The reason of a `handoff_to_human` call, when scripted and offered.
    pub handoff: Option<String>,
    /// The mid-answer fault for this request.
    pub fault: Option<Fault>,
    /// Where the stream records how it ended.
    pub stats: Arc<StreamStats>,
    /// Unix seconds, for `created` / `created_at`.
    pub created: u64,
    number: u64,
}

impl Turn {
    /// Parses and validates a request body against the script.
    ///
    /// # Errors
    /// The OpenAI error answer, boxed (a `Response` is large): `400` for a
    /// body that is not JSON, a missing or unknown model; `404` for an unknown
    /// vector store.
    pub(crate) fn parse(
        script: &Shared,
        bytes: &Bytes,
        fault: Option<Fault>,
    ) -> Result<Self, Box<Response>> {
        let body: Value =
            serde_json::from_slice(&bytes[..]).map_err(|_| Box::new(errors::invalid_json()))?;
        let Some(model) = body["model"].as_str().map(str::to_owned) else {
            return Err(Box::new(errors::missing_model()));
        };
        let mut script = lock(script);
        if !script.models.contains(&model) {
            return Err(Box::new(errors::model_not_found(&model)));
        }
        let searched = check_vector_stores(&body, &script.vector_stores)?;
        let searches_files = searched.is_some();
        let input_words = ["instructions", "input", "messages"]
            .iter()
            .flat_map(|key| words_in(&body[*key]))
            .collect();
        Ok(Self {
            model,
            stream: body["stream"].as_bool().unwrap_or(false),
            reply: reply_for(&script, &body),
            citations: citations(&script, searched.as_deref()),
            searches_files,
            input_words,
            delay: script.delta_delay,
            usage: script.usage,
            reject_stream_options: script.reject_stream_options,
            handoff: script
                .handoff
                .clone()
                .filter(|_| offers_tool(&body, HANDOFF_TOOL)),
            fault,
            stats: script.streams.clone(),
            created: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs()),
            number: script.next_id(),
            body,
        })
    }

    /// An id unique to this answer, such as `resp_fake00000000000000000001`.
    pub(crate) fn id(&self, prefix: &str) -> String {
        format!("{prefix}fake{:020}", self.number)
    }

    /// The rough number of input tokens.
    pub(crate) fn input_tokens(&self) -> usize {
        self.input_words.len()
    }
}

/// The scripted reply for a task whose prompt the request's instructions
/// contain (whitespace runs taken as one space), else the general reply.
fn reply_for(script: &Script, body: &Value) -> String {
    let instructions = instructions_of(body).join(" ");
    script
        .task_replies
        .iter()
        .find(|(phrase, _)| {
            let phrase: Vec<&str> = phrase.split_whitespace().collect();
            instructions.contains(&phrase.join(" "))
        })
        .map_or_else(|| script.reply.clone(), |(_, reply)| reply.clone())
}

/// The words of the request's instructions: the Responses `instructions`
/// and the text of `system` and `developer` messages (either style).
fn instructions_of(body: &Value) -> Vec<String> {
    let mut words = words_in(&body["instructions"]);
    let messages = [&body["messages"], &body["input"]];
    for message in messages.into_iter().filter_map(Value::as_array).flatten() {
        if matches!(message["role"].as_str(), Some("system" | "developer")) {
            words.extend(words_in(&message["content"]));
        }
    }
    words
}

/// The function tool the fake calls when a test scripts a handoff.
pub(crate) const HANDOFF_TOOL: &str = "handoff_to_human";

/// Whether the request offers a function tool named `name` (the Responses
/// shape `{"type":"function","name"}` or the chat shape `{"function":{"name"}}`).
fn offers_tool(body: &Value, name: &str) -> bool {
    body["tools"].as_array().is_some_and(|tools| {
        tools.iter().any(|tool| {
            tool["type"] == "function" && (tool["name"] == name || tool["function"]["name"] == name)
        })
    })
}

/// What a turn cites: nothing without a search; the scripted citations if
/// any; else the first completed file of each searched store.
fn citations(script: &Script, searched: Option<&[String]>) -> Vec<Citation> {
    let Some(store_ids) = searched else {
        return Vec::new();
    };
    if script.citations.is_empty() {
        return crate::store_files::default_citations(script, store_ids);
    }
    script
        .citations
        .iter()
        .map(|(file_id, filename)| Citation {
            file_id: file_id.clone(),
            filename: filename.clone(),
            attributes: Value::Object(serde_json::Map::new()),
            text: String::new(),
        })
        .collect()
}

/// Checks every `file_search` tool's stores; returns the searched store ids
/// when there is such a tool.
fn check_vector_stores(
    body: &Value,
    known: &[Store],
) -> Result<Option<Vec<String>>, Box<Response>> {
    let mut searched: Option<Vec<String>> = None;
    let tools = body["tools"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, tool) in tools.iter().enumerate() {
        if tool["type"] != "file_search" {
            continue;
        }
        let searched_ids = searched.get_or_insert_with(Vec::new);
        let ids = tool["vector_store_ids"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for id in ids.iter().map(|id| id.as_str().unwrap_or_default()) {
            if !known.iter().any(|store| store.id == id) {
                return Err(Box::new(errors::vector_store_not_found(index, id)));
            }
            searched_ids.push(id.to_owned());
        }
    }
    Ok(searched)
}

/// The words of every text in a request part, skipping roles and part types.
fn words_in(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => text.split_whitespace().map(str::to_owned).collect(),
        Value::Array(items) => items.iter().flat_map(words_in).collect(),
        Value::Object(fields) => fields
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "role" | "type" | "id" | "name"))
            .flat_map(|(_, value)| words_in(value))
            .collect(),
        _ => Vec::new(),
    }
}
