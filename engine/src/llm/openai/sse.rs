//! A small server-sent-events parser: bytes in, `(event, data)` pairs out.
//!
//! Only what the two OpenAI styles use: `event:` and `data:` fields (several
//! `data:` lines join with `\n`), comments and other fields ignored, lines
//! ended by `\n`, `\r\n` or `\r` even when a chunk splits them. Lines are cut
//! as bytes, so a UTF-8 character split across chunks is decoded whole.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SseEvent {
    /// The `event:` field, if any (the OpenAI styles repeat it in the data's `type`).
    pub event: Option<String>,
    pub data: String,
}

/// An event larger than [`MAX_EVENT_BYTES`]: the upstream is not speaking SSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooLarge;

/// The largest event kept in memory (a `response.completed` repeats the whole answer).
const MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;

/// Parser state across chunks.
#[derive(Debug, Default)]
pub(super) struct SseParser {
    /// The current, unfinished line.
    line: Vec<u8>,
    /// The previous chunk ended in `\r`: a leading `\n` belongs to that line end.
    skip_lf: bool,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    /// Feeds a chunk of the body; returns the events it completed.
    pub(super) fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, TooLarge> {
        let mut events = Vec::new();
        for &byte in chunk {
            if std::mem::take(&mut self.skip_lf) && byte == b'\n' {
                continue;
            }
            match byte {
                b'\n' => self.end_line(&mut events),
                b'\r' => {
                    self.skip_lf = true;
                    self.end_line(&mut events);
                }
                _ => self.line.push(byte),
            }
            let pending = self.line.len() + self.data.as_ref().map_or(0, String::len);
            if pending > MAX_EVENT_BYTES {
                return Err(TooLarge);
            }
        }
        Ok(events)
    }

    /// The body ended: an event whose blank line never came is still given
    /// (some compatible providers end on `data: [DONE]` alone).
    pub(super) fn finish(&mut self) -> Option<SseEvent> {
        let mut events = Vec::new();
        if !self.line.is_empty() {
            self.end_line(&mut events);
        }
        self.end_line(&mut events);
        events.pop()
    }

    fn end_line(&mut self, events: &mut Vec<SseEvent>) {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            let event = self.event.take();
            if let Some(data) = self.data.take() {
                events.push(SseEvent { event, data });
            }
            return;
        }
        let line = String::from_utf8_lossy(&line);
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            // Comments (`: ping`), `id:`, `retry:` and unknown fields.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut parser = SseParser::default();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(parser.push(chunk).expect("small events"));
        }
        events.extend(parser.finish());
        events
    }

    fn event(name: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: name.map(str::to_owned),
            data: data.to_owned(),
        }
    }

    /// Named events and plain `data:` events both come out, comments do not.
    #[test]
    fn parses_named_and_plain_events_and_skips_comments() {
        let events =
            parse_all(&[b": ping\n\nevent: response.created\ndata: {\"a\":1}\n\ndata: [DONE]\n\n"]);
        assert_eq!(
            events,
            vec![
                event(Some("response.created"), "{\"a\":1}"),
                event(None, "[DONE]")
            ]
        );
    }

    /// Lines split anywhere (even inside `\r\n` or a UTF-8 character) parse the same.
    #[test]
    fn chunk_boundaries_do_not_matter() {
        let text = "event: x\r\ndata: h\u{e9}llo\r\n\r\ndata: a\r\ndata: b\r\n\r\n".as_bytes();
        let whole = parse_all(&[text]);
        for cut in 1..text.len() {
            let (head, tail) = text.split_at(cut);
            assert_eq!(parse_all(&[head, tail]), whole, "cut at byte {cut}");
        }
        assert_eq!(
            whole,
            vec![event(Some("x"), "h\u{e9}llo"), event(None, "a\nb")]
        );
    }

    /// A bare `\r` ends a line too, and `data:` without a space keeps its text.
    #[test]
    fn bare_carriage_returns_end_lines() {
        assert_eq!(
            parse_all(&[b"data:x\r\rdata: y\r\r"]),
            vec![event(None, "x"), event(None, "y")]
        );
    }

    /// The last event is given even when the body ends without a blank line.
    #[test]
    fn finish_flushes_an_unterminated_event() {
        assert_eq!(parse_all(&[b"data: [DONE]"]), vec![event(None, "[DONE]")]);
        assert_eq!(parse_all(&[b"data: [DONE]\n"]), vec![event(None, "[DONE]")]);
        assert_eq!(parse_all(&[b"event: only-a-name\n"]), vec![]);
    }

    /// An endless line is refused instead of filling the memory.
    #[test]
    fn refuses_an_oversized_event() {
        let mut parser = SseParser::default();
        let chunk = vec![b'a'; 1024 * 1024];
        let mut result = Ok(Vec::new());
        for _ in 0..9 {
            result = parser.push(&chunk);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(TooLarge));
    }
}
