//! Server-sent events read from a fetch body: the playground and the
//! suggested reply answer a POST, which an `EventSource` cannot send.

/// One event: its name (`message` when unnamed) and its data lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    pub(crate) name: String,
    pub(crate) data: String,
}

/// Takes the complete events out of `buffer` (bytes received so far, `\r`
/// removed), leaving an incomplete one for the next chunk. Blocks without
/// data (keep-alive comments) give no event.
pub(crate) fn take_events(buffer: &mut Vec<u8>) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(end) = buffer.windows(2).position(|pair| pair == b"\n\n") {
        let block: Vec<u8> = buffer.drain(..end + 2).collect();
        if let Some(event) = parse(&String::from_utf8_lossy(&block)) {
            events.push(event);
        }
    }
    events
}

fn parse(block: &str) -> Option<Event> {
    let mut name = "message".to_owned();
    let mut data: Option<String> = None;
    for line in block.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => value.clone_into(&mut name),
            "data" => match &mut data {
                Some(text) => {
                    text.push('\n');
                    text.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
    data.map(|data| Event { name, data })
}

#[cfg(test)]
mod tests {
    use super::{Event, take_events};

    /// Events split across chunks come out whole, in order, and a
    /// keep-alive comment gives nothing.
    #[test]
    fn events_come_out_whole_across_chunks() {
        // Arrange
        let mut buffer = b"event: delta\ndata: {\"text\":\"\xd0".to_vec();

        // Act
        let first = take_events(&mut buffer);
        buffer.extend_from_slice(b"\x9f\"}\n\n:\n\nevent: message\ndata: a\ndata: b\n\nevent: de");
        let second = take_events(&mut buffer);

        // Assert
        assert!(first.is_empty(), "nothing is complete yet");
        assert_eq!(
            second,
            vec![
                Event {
                    name: "delta".into(),
                    data: "{\"text\":\"П\"}".into()
                },
                Event {
                    name: "message".into(),
                    data: "a\nb".into()
                },
            ]
        );
        assert_eq!(buffer, b"event: de", "the incomplete event waits");
    }
}
