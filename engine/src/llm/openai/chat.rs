//! The `chat_completions` style: `POST {base}/chat/completions` and its chunks.

use super::errors::{ErrorInfo, stream_kind};
use super::{Step, estimate_tokens};
use crate::llm::{
    HANDOFF_TOOL, HANDOFF_TOOL_DESCRIPTION, LlmErrorKind, LlmEvent, LlmRequest, TurnRole, Usage,
    handoff_parameters, handoff_reason,
};
use serde_json::{Value, json};

/// The request body: the instructions as a system message, the turns, and the
/// usage asked for in the stream unless `include_usage` is off (some compatible
/// providers refuse `stream_options`). Vector stores have no place here.
pub(super) fn body(request: &LlmRequest, include_usage: bool) -> Value {
    let system = (!request.instructions.is_empty())
        .then(|| json!({ "role": "system", "content": request.instructions }));
    let turns = request.turns.iter().map(|turn| {
        let role = match turn.role {
            TurnRole::User => "user",
            TurnRole::Assistant => "assistant",
        };
        json!({ "role": role, "content": turn.text })
    });
    let messages: Vec<Value> = system.into_iter().chain(turns).collect();
    let mut body = json!({
        "model": request.model,
        "stream": true,
        "messages": messages,
    });
    if let Some(cap) = request.max_output_tokens {
        body["max_tokens"] = json!(cap);
    }
    if include_usage {
        body["stream_options"] = json!({ "include_usage": true });
    }
    if request.handoff_tool {
        body["tools"] = json!([{
            "type": "function",
            "function": {
                "name": HANDOFF_TOOL,
                "description": HANDOFF_TOOL_DESCRIPTION,
                "parameters": handoff_parameters(),
            },
        }]);
    }
    body
}

/// What the chunks said so far.
#[derive(Debug)]
pub(super) struct Parser {
    /// Characters of the instructions and turns, to estimate usage if none comes.
    input_chars: usize,
    text: String,
    /// A `finish_reason` came: the answer is whole even if `[DONE]` does not.
    finished: bool,
    usage: Option<Usage>,
    /// `(name, arguments)` of the tool calls streamed so far, by index.
    calls: Vec<(String, String)>,
}

impl Parser {
    pub(super) fn new(input_chars: usize) -> Self {
        Self {
            input_chars,
            text: String::new(),
            finished: false,
            usage: None,
            calls: Vec::new(),
        }
    }

    /// One `data:` payload: `[DONE]` or a JSON chunk.
    pub(super) fn on_data(&mut self, data: &str) -> Step {
        if data.trim() == "[DONE]" {
            return Step::Done(self.completed());
        }
        let Ok(chunk) = serde_json::from_str::<Value>(data) else {
            return Step::Continue;
        };
        if let Some(error) = chunk.get("error").filter(|error| !error.is_null()) {
            return Step::Failed(stream_kind(&ErrorInfo::from_error(error)));
        }
        if let (Some(input_tokens), Some(output_tokens)) = (
            chunk["usage"]["prompt_tokens"].as_i64(),
            chunk["usage"]["completion_tokens"].as_i64(),
        ) {
            self.usage = Some(Usage {
                input_tokens,
                output_tokens,
                estimated: false,
            });
        }
        let choice = &chunk["choices"][0];
        if !choice["finish_reason"].is_null() {
            self.finished = true;
        }
        for call in choice["delta"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            self.add_call(call);
        }
        match choice["delta"]["content"].as_str() {
            Some(content) if !content.is_empty() => {
                self.text.push_str(content);
                Step::Delta(content.to_owned())
            }
            _ => Step::Continue,
        }
    }

    /// The body ended without `[DONE]`: whole if a `finish_reason` came, else cut.
    pub(super) fn on_end(&mut self) -> Result<LlmEvent, LlmErrorKind> {
        if self.finished {
            Ok(self.completed())
        } else {
            Err(LlmErrorKind::StreamCut)
        }
    }

    /// A piece of a streamed tool call: its name comes first, its arguments in parts.
    fn add_call(&mut self, call: &Value) {
        let index = call["index"]
            .as_u64()
            .and_then(|index| usize::try_from(index).ok())
            .unwrap_or(0)
            .min(16);
        if self.calls.len() <= index {
            self.calls.resize(index + 1, (String::new(), String::new()));
        }
        let (name, arguments) = &mut self.calls[index];
        if let Some(part) = call["function"]["name"].as_str() {
            name.push_str(part);
        }
        if let Some(part) = call["function"]["arguments"].as_str() {
            arguments.push_str(part);
        }
    }

    fn completed(&mut self) -> LlmEvent {
        let text = std::mem::take(&mut self.text);
        let usage = self.usage.unwrap_or_else(|| Usage {
            input_tokens: estimate_tokens(self.input_chars),
            output_tokens: estimate_tokens(text.chars().count()),
            estimated: true,
        });
        let handoff = self
            .calls
            .iter()
            .find(|(name, _)| name == HANDOFF_TOOL)
            .map(|(_, arguments)| handoff_reason(arguments));
        LlmEvent::Completed {
            text,
            sources: Vec::new(),
            usage,
            handoff,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Turn;
    use contract::projects::ApiStyle;

    fn chunk(content: &str, finish_reason: Option<&str>) -> String {
        json!({
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish_reason}],
            "usage": null
        })
        .to_string()
    }

    const USAGE: &str = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":31,"completion_tokens":4,"total_tokens":35}}"#;

    fn run(parser: &mut Parser, datas: &[&str]) -> Vec<Step> {
        datas.iter().map(|data| parser.on_data(data)).collect()
    }

    fn completed(text: &str, usage: Usage) -> LlmEvent {
        LlmEvent::Completed {
            handoff: None,
            text: text.into(),
            sources: vec![],
            usage,
        }
    }

    /// The system message comes first when set; `stream_options` only when asked.
    #[test]
    fn body_has_system_message_and_stream_options() {
        let request = LlmRequest {
            handoff_tool: false,
            max_output_tokens: None,
            base_url: "http://localhost:11434/v1".into(),
            api_key: "key".into(),
            style: ApiStyle::ChatCompletions,
            model: "llama3".into(),
            instructions: "Be brief.".into(),
            turns: vec![Turn {
                role: TurnRole::User,
                text: "Hi".into(),
            }],
            vector_store_ids: vec!["vs_1".into()],
        };
        assert_eq!(
            body(&request, true),
            json!({
                "model": "llama3",
                "stream": true,
                "stream_options": {"include_usage": true},
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"}
                ]
            })
        );
        let bare = body(
            &LlmRequest {
                instructions: String::new(),
                ..request.clone()
            },
            false,
        );
        assert!(bare.get("stream_options").is_none());
        assert!(bare.get("max_tokens").is_none());
        let capped = body(
            &LlmRequest {
                max_output_tokens: Some(256),
                ..request
            },
            true,
        );
        assert_eq!(capped["max_tokens"], json!(256));
        assert_eq!(bare["messages"], json!([{"role": "user", "content": "Hi"}]));
    }

    /// Deltas stream out; the usage chunk gives the counts; `[DONE]` completes.
    #[test]
    fn deltas_and_usage_then_done() {
        let mut parser = Parser::new(0);
        let role = r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#;
        let steps = run(
            &mut parser,
            &[
                role,
                &chunk("Hel", None),
                &chunk("lo", None),
                &chunk("", Some("stop")),
                USAGE,
                "[DONE]",
            ],
        );
        let usage = Usage {
            input_tokens: 31,
            output_tokens: 4,
            estimated: false,
        };
        assert_eq!(
            steps,
            vec![
                Step::Continue,
                Step::Delta("Hel".into()),
                Step::Delta("lo".into()),
                Step::Continue,
                Step::Continue,
                Step::Done(completed("Hello", usage)),
            ]
        );
    }

    /// Without a usage chunk the counts are estimated: characters / 4, rounded up.
    #[test]
    fn no_usage_is_estimated() {
        let mut parser = Parser::new(13);
        let steps = run(&mut parser, &[&chunk("Hello", Some("stop")), "[DONE]"]);
        let usage = Usage {
            input_tokens: 4,
            output_tokens: 2,
            estimated: true,
        };
        assert_eq!(steps[1], Step::Done(completed("Hello", usage)));
    }

    /// A body that ends after a `finish_reason` is whole; before one, it was cut.
    #[test]
    fn end_of_body_is_whole_only_after_a_finish_reason() {
        let mut finished = Parser::new(0);
        run(
            &mut finished,
            &[&chunk("Hi", None), &chunk("", Some("length"))],
        );
        assert!(matches!(finished.on_end(), Ok(LlmEvent::Completed { text, .. }) if text == "Hi"));

        let mut cut = Parser::new(0);
        run(&mut cut, &[&chunk("Hi", None)]);
        assert_eq!(cut.on_end(), Err(LlmErrorKind::StreamCut));
    }

    /// An error chunk ends the call as an upstream error (rate limits keep their kind).
    #[test]
    fn error_chunk_fails() {
        let mut parser = Parser::new(0);
        let steps = run(
            &mut parser,
            &[
                &chunk("Hi", None),
                r#"{"error":{"message":"overloaded","type":"server_error","code":null}}"#,
            ],
        );
        assert_eq!(steps[1], Step::Failed(LlmErrorKind::UpstreamError));
        let mut limited = Parser::new(0);
        let steps = run(
            &mut limited,
            &[r#"{"error":{"message":"slow","code":"rate_limit_exceeded"}}"#],
        );
        assert_eq!(steps, vec![Step::Failed(LlmErrorKind::RateLimited)]);
    }

    /// A tool call streamed in parts: its name, then its arguments in pieces.
    #[test]
    fn a_streamed_handoff_call_keeps_its_reason() {
        let mut parser = Parser::new(10);
        run(
            &mut parser,
            &[
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"handoff_to_human","arguments":""}}]},"finish_reason":null}]}"#,
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"reason\":"}}]},"finish_reason":null}]}"#,
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"возврат\"}"}}]},"finish_reason":"tool_calls"}]}"#,
            ],
        );
        assert!(matches!(
            parser.on_data("[DONE]"),
            Step::Done(LlmEvent::Completed { handoff: Some(reason), .. }) if reason == "возврат"
        ));
    }
}
