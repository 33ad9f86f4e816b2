//! Server-sent events: a parser fed with the body's chunks as they come, and
//! what a first answer text looks like in the streams measured here.

use serde_json::Value;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    /// `event:` (`message` when absent, as in browsers).
    pub(crate) name: String,
    /// The `data:` lines joined with `\n`.
    pub(crate) data: String,
}

/// Splits a byte stream into events. Lines may end in `\n` or `\r\n` and a
/// chunk may end anywhere, even inside a UTF-8 character: only whole lines
/// are decoded.
#[derive(Debug, Default)]
pub(crate) struct Parser {
    /// Bytes after the last complete line.
    partial: Vec<u8>,
    name: Option<String>,
    data: Option<String>,
}

impl Parser {
    /// Feeds a chunk; returns the events it completed, in order.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<Event> {
        self.partial.extend_from_slice(chunk);
        let mut events = Vec::new();
        let mut start = 0;
        while let Some(end) = self.partial[start..].iter().position(|&b| b == b'\n') {
            let mut line = &self.partial[start..start + end];
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            let line = String::from_utf8_lossy(line).into_owned();
            start += end + 1;
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
        }
        self.partial.drain(..start);
        events
    }

    fn line(&mut self, line: &str) -> Option<Event> {
        if line.is_empty() {
            let data = self.data.take();
            let name = self.name.take();
            // A blank line without data (after `retry:` or `id:` alone)
            // dispatches nothing.
            return data.map(|data| Event {
                name: name.unwrap_or_else(|| "message".to_owned()),
                data,
            });
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.name = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }
}

/// What an event of aiwidget's visitor stream says about the AI's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AiProgress {
    /// Nothing about the AI's text.
    None,
    /// Some of the AI's text arrived.
    Text,
    /// The AI's message ended (`complete`); with text when it carries some.
    Done {
        /// Whether the final message has text.
        text: bool,
    },
    /// The AI's message ended without an answer (`failed`, `interrupted`).
    Failed,
}

/// Reads a visitor stream's event: a non-empty `delta`, or an `ai`
/// `message` (with text, or finished); with the AI message's id (a finished
/// message may be sent again: callers skip the ids they saw end).
pub(crate) fn ai_progress(event: &Event) -> (AiProgress, Option<String>) {
    let Ok(data) = serde_json::from_str::<Value>(&event.data) else {
        return (AiProgress::None, None);
    };
    let id = data["message_id"].as_str().or(data["id"].as_str());
    (progress(&event.name, &data), id.map(str::to_owned))
}

fn progress(name: &str, data: &Value) -> AiProgress {
    let has_text = data["text"].as_str().is_some_and(|text| !text.is_empty());
    match name {
        "delta" if has_text => AiProgress::Text,
        "message" if data["role"] == "ai" => match data["status"].as_str() {
            Some("complete") => AiProgress::Done { text: has_text },
            Some("failed" | "interrupted") => AiProgress::Failed,
            _ if has_text => AiProgress::Text,
            _ => AiProgress::None,
        },
        _ => AiProgress::None,
    }
}

/// Whether an event of an OpenAI-style stream carries answer text: a
/// Responses `response.output_text.delta`, or a Chat Completions chunk with
/// `choices[0].delta.content`.
pub(crate) fn upstream_text(event: &Event) -> bool {
    let Ok(data) = serde_json::from_str::<Value>(&event.data) else {
        return false;
    };
    let responses = data["delta"].as_str();
    let chat = data["choices"][0]["delta"]["content"].as_str();
    responses.or(chat).is_some_and(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, data: &str) -> Event {
        Event {
            name: name.to_owned(),
            data: data.to_owned(),
        }
    }

    /// Events split at any byte, with CRLF lines, comments and multi-line
    /// data, come out whole and in order.
    #[test]
    fn events_survive_any_chunking() {
        let body = "retry: 3000\n\n: keep-alive\r\nid: 7\r\nevent: delta\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\ndata: é\n\n";
        let bytes = body.as_bytes();
        for cut in 0..bytes.len() {
            let mut parser = Parser::default();
            let mut events = parser.push(&bytes[..cut]);
            events.extend(parser.push(&bytes[cut..]));
            assert_eq!(
                events,
                [event("delta", "{\"a\":\n1}"), event("message", "é")],
                "cut at byte {cut}"
            );
        }
    }

    /// An event is only dispatched by its blank line.
    #[test]
    fn an_event_waits_for_its_blank_line() {
        let mut parser = Parser::default();
        assert!(parser.push(b"event: status\ndata: {}\n").is_empty());
        assert_eq!(parser.push(b"\n"), [event("status", "{}")]);
    }

    /// The visitor stream's deltas and AI messages are read as the answer's
    /// progress; the visitor's own message is not.
    #[test]
    fn visitor_stream_events_tell_the_answers_progress() {
        let cases = [
            (
                event("delta", r#"{"message_id":"m","text":"Hi","end":2}"#),
                AiProgress::Text,
            ),
            (event("delta", r#"{"text":"","end":0}"#), AiProgress::None),
            (
                event("message", r#"{"role":"ai","status":"streaming","text":""}"#),
                AiProgress::None,
            ),
            (
                event(
                    "message",
                    r#"{"role":"ai","status":"complete","text":"Hi"}"#,
                ),
                AiProgress::Done { text: true },
            ),
            (
                event("message", r#"{"role":"ai","status":"failed","text":""}"#),
                AiProgress::Failed,
            ),
            (
                event(
                    "message",
                    r#"{"role":"visitor","status":"complete","text":"Q"}"#,
                ),
                AiProgress::None,
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(ai_progress(&event).0, expected, "{event:?}");
        }
        let delta = event("delta", r#"{"message_id":"m1","text":"Hi","end":2}"#);
        let message = event(
            "message",
            r#"{"id":"m1","role":"ai","status":"complete","text":"Hi"}"#,
        );
        assert_eq!(ai_progress(&delta).1.as_deref(), Some("m1"));
        assert_eq!(ai_progress(&message).1.as_deref(), Some("m1"));
    }

    /// Both OpenAI stream shapes are recognised, empty deltas are not text.
    #[test]
    fn upstream_text_reads_both_api_styles() {
        assert!(upstream_text(&event(
            "response.output_text.delta",
            r#"{"delta":"Hi"}"#
        )));
        assert!(upstream_text(&event(
            "message",
            r#"{"choices":[{"delta":{"content":"Hi"}}]}"#
        )));
        assert!(!upstream_text(&event(
            "message",
            r#"{"choices":[{"delta":{"role":"assistant"}}]}"#
        )));
        assert!(!upstream_text(&event("message", "[DONE]")));
    }
}
