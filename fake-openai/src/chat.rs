//! `POST /v1/chat/completions`: Chat Completions, streamed as `data:` chunks
//! ending in `[DONE]` or answered as one `chat.completion`.

use crate::errors::{self, SERVER_ERROR_MESSAGE};
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
    if turn.reject_stream_options && turn.body.get("stream_options").is_some() {
        return errors::stream_options_refused();
    }
    let completion = Completion::new(&turn);
    if turn.stream {
        sse::stream(completion.chunks(), turn.stats.clone())
    } else {
        sse::json(&turn, completion.whole()).await
    }
}

/// The answer to one request.
struct Completion<'a> {
    turn: &'a Turn,
    id: String,
    words: Vec<&'a str>,
    /// `"stream_options": {"include_usage": true}`.
    include_usage: bool,
}

impl<'a> Completion<'a> {
    fn new(turn: &'a Turn) -> Self {
        Self {
            turn,
            id: turn.id("chatcmpl-"),
            words: sse::words(&turn.reply),
            include_usage: turn.body["stream_options"]["include_usage"] == json!(true),
        }
    }

    fn usage(&self) -> Value {
        let (prompt, completion) = (self.turn.input_tokens(), self.words.len());
        json!({
            "prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0}
        })
    }

    /// The `chat.completion` object.
    fn whole(&self) -> Value {
        json!({
            "id": self.id, "object": "chat.completion", "created": self.turn.created,
            "model": self.turn.model,
            "choices": [{
                "index": 0,
                "message": {
                    "role": "assistant", "content": self.turn.reply,
                    "refusal": null, "annotations": []
                },
                "logprobs": null, "finish_reason": "stop"
            }],
            "usage": self.usage()
        })
    }

    /// One `chat.completion.chunk`; with `include_usage` every chunk carries
    /// `"usage": null` but the last, as OpenAI's do.
    fn chunk(&self, choices: &Value, usage: &Value) -> Step {
        let mut chunk = json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.turn.created,
            "model": self.turn.model, "choices": choices
        });
        if self.include_usage {
            chunk["usage"] = usage.clone();
        }
        sse::data(&chunk)
    }

    fn choice(&self, delta: &Value, finish_reason: Option<&str>) -> Step {
        let choice =
            json!([{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}]);
        self.chunk(&choice, &Value::Null)
    }

    /// Every chunk of the stream, with the turn's pacing and fault.
    fn chunks(&self) -> Vec<Step> {
        let mut steps = vec![self.choice(&json!({"role": "assistant", "content": ""}), None)];
        let interruption = sse::push_deltas(&mut steps, self.turn, &self.words, |word| {
            self.choice(&json!({"content": word}), None)
        });
        match interruption {
            Some(Interruption::Cut) => {}
            Some(Interruption::Error | Interruption::Failed) => {
                let error = errors::error_object(
                    "server_error",
                    None,
                    Some("server_error"),
                    SERVER_ERROR_MESSAGE,
                );
                steps.push(sse::data(&json!({"error": error})));
            }
            None => {
                let finish = match &self.turn.handoff {
                    Some(reason) => {
                        let call = json!({"tool_calls": [{
                            "index": 0, "id": self.turn.id("call_"), "type": "function",
                            "function": {"name": crate::request::HANDOFF_TOOL, "arguments": ""}
                        }]});
                        steps.push(self.choice(&call, None));
                        let arguments = json!({"reason": reason}).to_string();
                        let middle = arguments
                            .char_indices()
                            .nth(arguments.chars().count() / 2)
                            .map_or(0, |(at, _)| at);
                        let (head, tail) = arguments.split_at(middle);
                        for part in [head, tail] {
                            let part = json!({"tool_calls": [{"index": 0, "function": {"arguments": part}}]});
                            steps.push(self.choice(&part, None));
                        }
                        "tool_calls"
                    }
                    None => "stop",
                };
                steps.push(self.choice(&json!({}), Some(finish)));
                if self.include_usage && self.turn.usage {
                    steps.push(self.chunk(&json!([]), &self.usage()));
                }
                steps.push(sse::done());
            }
        }
        steps
    }
}
