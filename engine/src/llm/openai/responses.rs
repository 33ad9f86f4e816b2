//! The `responses` style: `POST {base}/responses` and its typed events.

use super::errors::{ErrorInfo, stream_kind};
use super::{Step, add_source, estimate_tokens};
use crate::llm::{
    HANDOFF_TOOL, HANDOFF_TOOL_DESCRIPTION, LlmEvent, LlmRequest, TurnRole, Usage,
    handoff_parameters, handoff_reason,
};
use contract::chat::Source;
use serde_json::{Value, json};

/// The request body: streamed, not stored, `file_search` only with vector stores.
pub(super) fn body(request: &LlmRequest) -> Value {
    let input: Vec<Value> = request
        .turns
        .iter()
        .map(|turn| json!({ "role": role(turn.role), "content": turn.text }))
        .collect();
    let mut body = json!({
        "model": request.model,
        "stream": true,
        "store": false,
        "input": input,
    });
    if !request.instructions.is_empty() {
        body["instructions"] = json!(request.instructions);
    }
    if let Some(cap) = request.max_output_tokens {
        body["max_output_tokens"] = json!(cap);
    }
    let mut tools = Vec::new();
    if !request.vector_store_ids.is_empty() {
        tools.push(json!({
            "type": "file_search",
            "vector_store_ids": request.vector_store_ids,
        }));
    }
    if request.handoff_tool {
        tools.push(json!({
            "type": "function",
            "name": HANDOFF_TOOL,
            "description": HANDOFF_TOOL_DESCRIPTION,
            "parameters": handoff_parameters(),
            "strict": true,
        }));
    }
    if !tools.is_empty() {
        body["tools"] = Value::Array(tools);
    }
    body
}

fn role(role: TurnRole) -> &'static str {
    match role {
        TurnRole::User => "user",
        TurnRole::Assistant => "assistant",
    }
}

/// What the events said so far.
#[derive(Debug)]
pub(super) struct Parser {
    /// Characters of the instructions and turns, to estimate usage if none comes.
    input_chars: usize,
    text: String,
    sources: Vec<Source>,
    /// The reason of a `handoff_to_human` call.
    handoff: Option<String>,
}

impl Parser {
    pub(super) fn new(input_chars: usize) -> Self {
        Self {
            input_chars,
            text: String::new(),
            sources: Vec::new(),
            handoff: None,
        }
    }

    /// One event's `data`; its `type` decides (the `event:` line is only a copy).
    pub(super) fn on_data(&mut self, data: &str) -> Step {
        let Ok(event) = serde_json::from_str::<Value>(data) else {
            return Step::Continue;
        };
        match event["type"].as_str().unwrap_or_default() {
            "response.output_text.delta" => match event["delta"].as_str() {
                Some(delta) if !delta.is_empty() => {
                    self.text.push_str(delta);
                    Step::Delta(delta.to_owned())
                }
                _ => Step::Continue,
            },
            "response.output_text.annotation.added" => {
                self.cite(&event["annotation"]);
                Step::Continue
            }
            "response.output_item.done" => {
                self.call(&event["item"]);
                Step::Continue
            }
            "response.completed" | "response.incomplete" => self.complete(&event["response"]),
            "response.failed" => Step::Failed(stream_kind(&ErrorInfo::from_error(
                &event["response"]["error"],
            ))),
            "error" => {
                let error = event.get("error").unwrap_or(&event);
                Step::Failed(stream_kind(&ErrorInfo::from_error(error)))
            }
            _ => Step::Continue,
        }
    }

    fn cite(&mut self, annotation: &Value) {
        if annotation["type"] != "file_citation" {
            return;
        }
        if let Some(file_id) = annotation["file_id"].as_str() {
            let filename = annotation["filename"].as_str().map(str::to_owned);
            add_source(&mut self.sources, file_id, filename);
        }
    }

    /// A finished output item: a `handoff_to_human` call keeps its reason.
    fn call(&mut self, item: &Value) {
        if item["type"] == "function_call" && item["name"] == HANDOFF_TOOL {
            self.handoff = Some(handoff_reason(
                item["arguments"].as_str().unwrap_or_default(),
            ));
        }
    }

    /// The final response: its message items give the text (if no delta came)
    /// and more citations; its usage, the counts.
    fn complete(&mut self, response: &Value) -> Step {
        let mut output_text = String::new();
        let items = response["output"].as_array().into_iter().flatten();
        for item in items.clone() {
            self.call(item);
        }
        for item in items.filter(|item| item["type"] == "message") {
            let contents = item["content"].as_array().into_iter().flatten();
            for content in contents.filter(|content| content["type"] == "output_text") {
                output_text.push_str(content["text"].as_str().unwrap_or_default());
                for annotation in content["annotations"].as_array().into_iter().flatten() {
                    self.cite(annotation);
                }
            }
        }
        let text = if self.text.is_empty() {
            output_text
        } else {
            std::mem::take(&mut self.text)
        };
        let usage = &response["usage"];
        let usage = match (
            usage["input_tokens"].as_i64(),
            usage["output_tokens"].as_i64(),
        ) {
            (Some(input_tokens), Some(output_tokens)) => Usage {
                input_tokens,
                output_tokens,
                estimated: false,
            },
            _ => Usage {
                input_tokens: estimate_tokens(self.input_chars),
                output_tokens: estimate_tokens(text.chars().count()),
                estimated: true,
            },
        };
        Step::Done(LlmEvent::Completed {
            text,
            sources: std::mem::take(&mut self.sources),
            usage,
            handoff: self.handoff.take(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{LlmErrorKind, Turn};
    use contract::projects::ApiStyle;

    /// Runs recorded `data:` payloads through a parser, as the driver would.
    fn run(datas: &[&str]) -> Vec<Step> {
        let mut parser = Parser::new(40);
        datas.iter().map(|data| parser.on_data(data)).collect()
    }

    fn source(file_id: &str, filename: Option<&str>) -> Source {
        Source {
            file_id: file_id.to_owned(),
            filename: filename.map(str::to_owned),
            url: None,
            title: None,
        }
    }

    fn request(instructions: &str, vector_store_ids: &[&str]) -> LlmRequest {
        LlmRequest {
            handoff_tool: false,
            max_output_tokens: None,
            base_url: "https://api.openai.com/v1".into(),
            api_key: "sk-test".into(),
            style: ApiStyle::Responses,
            model: "gpt-4.1-mini".into(),
            instructions: instructions.into(),
            turns: vec![
                Turn {
                    role: TurnRole::User,
                    text: "Hi".into(),
                },
                Turn {
                    role: TurnRole::Assistant,
                    text: "Hello!".into(),
                },
            ],
            vector_store_ids: vector_store_ids.iter().map(|id| (*id).to_owned()).collect(),
        }
    }

    /// The body has store:false, the turns, and instructions and tools only when set.
    #[test]
    fn body_has_instructions_and_tools_only_when_set() {
        let full = body(&request("Be brief.", &["vs_1", "vs_2"]));
        assert_eq!(
            full,
            json!({
                "model": "gpt-4.1-mini",
                "stream": true,
                "store": false,
                "instructions": "Be brief.",
                "input": [
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello!"}
                ],
                "tools": [{"type": "file_search", "vector_store_ids": ["vs_1", "vs_2"]}]
            })
        );
        let bare = body(&request("", &[]));
        assert!(bare.get("instructions").is_none());
        assert!(bare.get("tools").is_none());
        assert!(bare.get("max_output_tokens").is_none());
        let capped = body(&LlmRequest {
            max_output_tokens: Some(256),
            ..request("", &[])
        });
        assert_eq!(capped["max_output_tokens"], json!(256));
    }

    /// Deltas stream out; citations from the events and the final output are
    /// deduplicated in order; the usage is the provider's.
    #[test]
    fn deltas_citations_and_usage() {
        let steps = run(&[
            r#"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","output":[]}}"#,
            r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"Our hours "}"#,
            r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"are 9-5."}"#,
            r#"{"type":"response.output_text.annotation.added","annotation_index":0,"annotation":{"type":"file_citation","file_id":"file-A","filename":"hours.pdf","index":18}}"#,
            r#"{"type":"response.output_text.annotation.added","annotation_index":1,"annotation":{"type":"url_citation","url":"https://example.com"}}"#,
            r#"{"type":"response.output_text.annotation.added","annotation_index":2,"annotation":{"type":"file_citation","file_id":"file-A","filename":"hours.pdf","index":18}}"#,
            r#"{"type":"response.completed","response":{"id":"resp_1","status":"completed","output":[
                {"type":"file_search_call","id":"fs_1","status":"completed","queries":["hours"]},
                {"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Our hours are 9-5.","annotations":[
                    {"type":"file_citation","file_id":"file-A","filename":"hours.pdf","index":18},
                    {"type":"file_citation","file_id":"file-B","filename":"faq.md","index":18}
                ]}]}],
                "usage":{"input_tokens":120,"output_tokens":7,"total_tokens":127}}}"#,
        ]);
        assert_eq!(
            steps,
            vec![
                Step::Continue,
                Step::Delta("Our hours ".into()),
                Step::Delta("are 9-5.".into()),
                Step::Continue,
                Step::Continue,
                Step::Continue,
                Step::Done(LlmEvent::Completed {
                    handoff: None,
                    text: "Our hours are 9-5.".into(),
                    sources: vec![
                        source("file-A", Some("hours.pdf")),
                        source("file-B", Some("faq.md"))
                    ],
                    usage: Usage {
                        input_tokens: 120,
                        output_tokens: 7,
                        estimated: false
                    },
                }),
            ]
        );
    }

    /// Without deltas the text comes from the final message items; an
    /// incomplete response is a finished, truncated answer; no usage is estimated.
    #[test]
    fn incomplete_without_deltas_takes_the_output_text() {
        let steps = run(&[
            r#"{"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[
                {"type":"message","content":[{"type":"output_text","text":"Trunc","annotations":[]},{"type":"refusal","refusal":"no"}]},
                {"type":"message","content":[{"type":"output_text","text":"ated","annotations":[]}]}]}}"#,
        ]);
        assert_eq!(
            steps,
            vec![Step::Done(LlmEvent::Completed {
                handoff: None,
                text: "Truncated".into(),
                sources: vec![],
                usage: Usage {
                    input_tokens: 10,
                    output_tokens: 3,
                    estimated: true
                },
            })]
        );
    }

    /// `response.failed` and `error` events end the call with a mapped kind.
    #[test]
    fn failed_and_error_events() {
        let cases = [
            (
                r#"{"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"The model failed"}}}"#,
                LlmErrorKind::UpstreamError,
            ),
            (
                r#"{"type":"response.failed","response":{"status":"failed","error":{"code":"rate_limit_exceeded","message":"slow down"}}}"#,
                LlmErrorKind::RateLimited,
            ),
            (
                r#"{"type":"response.failed","response":{"status":"failed","error":{"code":"invalid_prompt","message":"no"}}}"#,
                LlmErrorKind::UpstreamError,
            ),
            (
                r#"{"type":"error","code":"rate_limit_exceeded","message":"Rate limit","param":null,"sequence_number":3}"#,
                LlmErrorKind::RateLimited,
            ),
            (
                r#"{"type":"error","error":{"type":"server_error","code":"server_error","message":"oops"}}"#,
                LlmErrorKind::UpstreamError,
            ),
        ];
        for (data, kind) in cases {
            assert_eq!(run(&[data]), vec![Step::Failed(kind)], "{data}");
        }
    }

    /// Unknown events, empty deltas and broken JSON change nothing.
    #[test]
    fn ignores_other_events() {
        let steps = run(&[
            r#"{"type":"response.in_progress","response":{}}"#,
            r#"{"type":"response.output_text.delta","delta":""}"#,
            r#"{"type":"response.file_search_call.searching"}"#,
            "not json",
        ]);
        assert!(steps.iter().all(|step| *step == Step::Continue));
    }

    /// A `handoff_to_human` call gives its reason with the completed answer;
    /// the tool is offered only when the request allows it.
    #[test]
    fn a_handoff_call_keeps_its_reason() {
        let steps = run(&[
            r#"{"type":"response.output_item.done","item":{"type":"function_call","name":"handoff_to_human","arguments":"{\"reason\":\"refund\"}"}}"#,
            r#"{"type":"response.completed","response":{"output":[],"usage":{"input_tokens":1,"output_tokens":1}}}"#,
        ]);
        assert!(matches!(
            steps.last(),
            Some(Step::Done(LlmEvent::Completed { handoff: Some(reason), .. })) if reason == "refund"
        ));
        let mut allowed = request("", &[]);
        allowed.handoff_tool = true;
        assert_eq!(body(&allowed)["tools"][0]["name"], "handoff_to_human");
        assert!(body(&request("", &[])).get("tools").is_none());
    }
}
