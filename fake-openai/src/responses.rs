//! `POST /v1/responses`: the Responses API, streamed as typed events or
//! answered as one response object, with `file_search` citations.

use crate::errors::SERVER_ERROR_MESSAGE;
use crate::faults::PendingFault;
use crate::request::Turn;
use crate::script::Shared;
use crate::sse::{self, Interruption, Step};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

/// The route: validate, then stream or answer at once.
pub(crate) async fn create(
    State(script): State<Shared>,
    Extension(PendingFault(fault)): Extension<PendingFault>,
    bytes: Bytes,
) -> Response {
    let turn = match Turn::parse(&script, &bytes, fault) {
        Ok(turn) => turn,
        Err(refusal) => return *refusal,
    };
    let answer = Answer::new(&turn);
    if turn.stream {
        sse::stream(answer.events(), turn.stats.clone())
    } else {
        let output = answer.output();
        sse::json(
            &turn,
            answer.response("completed", &output, &answer.usage()),
        )
        .await
    }
}

/// Numbers the events: every data object gets its `type` and `sequence_number`.
#[derive(Default)]
struct Sequence(u64);

impl Sequence {
    fn event(&mut self, name: &str, mut data: Value) -> Step {
        data["type"] = json!(name);
        data["sequence_number"] = json!(self.0);
        self.0 += 1;
        sse::event(name, &data)
    }
}

/// The answer to one request: its ids, text and citations.
struct Answer<'a> {
    turn: &'a Turn,
    id: String,
    message_id: String,
    search_id: String,
    words: Vec<&'a str>,
    annotations: Vec<Value>,
}

impl<'a> Answer<'a> {
    fn new(turn: &'a Turn) -> Self {
        let end = turn.reply.chars().count();
        let annotations = turn
            .citations
            .iter()
            .map(|citation| {
                json!({
                    "type": "file_citation", "file_id": citation.file_id,
                    "filename": citation.filename, "index": end
                })
            })
            .collect();
        Self {
            turn,
            id: turn.id("resp_"),
            message_id: turn.id("msg_"),
            search_id: turn.id("fs_"),
            words: sse::words(&turn.reply),
            annotations,
        }
    }

    /// Whether a `file_search_call` item comes before the message.
    fn searches(&self) -> bool {
        self.turn.searches_files && !self.annotations.is_empty()
    }

    fn message_index(&self) -> usize {
        usize::from(self.searches())
    }

    /// An event's fields plus where in the message's text it happens.
    fn in_text(&self, mut fields: Value) -> Value {
        fields["item_id"] = json!(self.message_id);
        fields["output_index"] = json!(self.message_index());
        fields["content_index"] = json!(0);
        fields
    }

    fn search_item(&self, status: &str) -> Value {
        let queries = if status == "completed" {
            json!([self.turn.input_words.join(" ")])
        } else {
            json!([])
        };
        json!({
            "id": self.search_id, "type": "file_search_call", "status": status,
            "queries": queries, "results": self.search_results(status)
        })
    }

    /// The search's results, only when the request asks for them with
    /// `"include": ["file_search_call.results"]` (otherwise `null`, as at
    /// OpenAI): each cited file with its `attributes` and text.
    fn search_results(&self, status: &str) -> Value {
        let asked = self.turn.body["include"].as_array().is_some_and(|include| {
            include
                .iter()
                .any(|item| item == "file_search_call.results")
        });
        if !asked || status != "completed" {
            return Value::Null;
        }
        self.turn
            .citations
            .iter()
            .map(|citation| {
                json!({
                    "file_id": citation.file_id, "filename": citation.filename,
                    "score": 0.9, "text": citation.text, "attributes": citation.attributes
                })
            })
            .collect()
    }

    fn text_part(text: &str, annotations: &[Value]) -> Value {
        json!({"type": "output_text", "text": text, "annotations": annotations})
    }

    fn message_item(&self, status: &str, content: &[Value]) -> Value {
        json!({"id": self.message_id, "type": "message", "status": status, "role": "assistant", "content": content})
    }

    /// The finished output items.
    fn output(&self) -> Vec<Value> {
        let part = Self::text_part(&self.turn.reply, &self.annotations);
        let message = self.message_item("completed", &[part]);
        let mut items = if self.searches() {
            vec![self.search_item("completed"), message]
        } else {
            vec![message]
        };
        items.extend(self.call_item("completed"));
        items
    }

    /// The `handoff_to_human` call, when the turn makes one.
    fn call_item(&self, status: &str) -> Option<Value> {
        let reason = self.turn.handoff.as_ref()?;
        let arguments = if status == "completed" {
            json!({"reason": reason}).to_string()
        } else {
            String::new()
        };
        Some(json!({
            "id": self.turn.id("fc_"), "type": "function_call", "status": status,
            "call_id": self.turn.id("call_"), "name": crate::request::HANDOFF_TOOL,
            "arguments": arguments
        }))
    }

    fn usage(&self) -> Value {
        let (input, output) = (self.turn.input_tokens(), self.words.len());
        json!({
            "input_tokens": input, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input + output
        })
    }

    /// The response object in a given state.
    fn response(&self, status: &str, output: &[Value], usage: &Value) -> Value {
        let tools = self.turn.body.get("tools").cloned().unwrap_or(json!([]));
        json!({
            "id": self.id, "object": "response", "created_at": self.turn.created,
            "status": status, "error": null, "incomplete_details": null,
            "instructions": self.turn.body.get("instructions"), "model": self.turn.model,
            "output": output, "tools": tools, "usage": usage, "metadata": {}
        })
    }

    /// Every event of the stream, with the turn's pacing and fault.
    fn events(&self) -> Vec<Step> {
        let mut seq = Sequence::default();
        let mut steps = vec![
            seq.event(
                "response.created",
                json!({"response": self.response("in_progress", &[], &Value::Null)}),
            ),
            seq.event(
                "response.in_progress",
                json!({"response": self.response("in_progress", &[], &Value::Null)}),
            ),
        ];
        if self.searches() {
            self.push_search(&mut seq, &mut steps);
        }
        let index = self.message_index();
        steps.push(seq.event(
            "response.output_item.added",
            json!({"output_index": index, "item": self.message_item("in_progress", &[])}),
        ));
        steps.push(seq.event(
            "response.content_part.added",
            self.in_text(json!({"part": Self::text_part("", &[])})),
        ));
        let interruption = sse::push_deltas(&mut steps, self.turn, &self.words, |word| {
            seq.event(
                "response.output_text.delta",
                self.in_text(json!({"delta": word})),
            )
        });
        match interruption {
            Some(Interruption::Cut) => {}
            Some(Interruption::Error) => steps.push(seq.event(
                "error",
                json!({"code": "server_error", "message": SERVER_ERROR_MESSAGE, "param": null}),
            )),
            Some(Interruption::Failed) => {
                let mut failed = self.response("failed", &[], &Value::Null);
                failed["error"] = json!({"code": "server_error", "message": SERVER_ERROR_MESSAGE});
                steps.push(seq.event("response.failed", json!({"response": failed})));
            }
            None => self.push_ending(&mut seq, &mut steps),
        }
        steps
    }

    /// The `file_search_call` item's events.
    fn push_search(&self, seq: &mut Sequence, steps: &mut Vec<Step>) {
        let ids = json!({"output_index": 0, "item_id": self.search_id});
        steps.push(seq.event(
            "response.output_item.added",
            json!({"output_index": 0, "item": self.search_item("in_progress")}),
        ));
        for phase in ["in_progress", "searching", "completed"] {
            steps.push(seq.event(&format!("response.file_search_call.{phase}"), ids.clone()));
        }
        steps.push(seq.event(
            "response.output_item.done",
            json!({"output_index": 0, "item": self.search_item("completed")}),
        ));
    }

    /// Citations, the text's end, the message's end and `response.completed`.
    fn push_ending(&self, seq: &mut Sequence, steps: &mut Vec<Step>) {
        let text = &self.turn.reply;
        for (at, annotation) in self.annotations.iter().enumerate() {
            let data = json!({"annotation_index": at, "annotation": annotation});
            steps.push(seq.event("response.output_text.annotation.added", self.in_text(data)));
        }
        let part = Self::text_part(text, &self.annotations);
        let done = self.in_text(json!({"text": text}));
        steps.push(seq.event("response.output_text.done", done));
        let done = self.in_text(json!({"part": part}));
        steps.push(seq.event("response.content_part.done", done));
        let item = self.message_item("completed", &[part]);
        let done = json!({"output_index": self.message_index(), "item": item});
        steps.push(seq.event("response.output_item.done", done));
        if let (Some(added), Some(call)) =
            (self.call_item("in_progress"), self.call_item("completed"))
        {
            let index = self.message_index() + 1;
            steps.push(seq.event(
                "response.output_item.added",
                json!({"output_index": index, "item": added}),
            ));
            let ids = json!({"output_index": index, "item_id": call["id"]});
            let mut delta = ids.clone();
            delta["delta"] = call["arguments"].clone();
            steps.push(seq.event("response.function_call_arguments.delta", delta));
            let mut done = ids;
            done["arguments"] = call["arguments"].clone();
            steps.push(seq.event("response.function_call_arguments.done", done));
            steps.push(seq.event(
                "response.output_item.done",
                json!({"output_index": index, "item": call}),
            ));
        }
        let completed = self.response("completed", &self.output(), &self.usage());
        steps.push(seq.event("response.completed", json!({"response": completed})));
    }
}
