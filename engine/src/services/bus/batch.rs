//! Deltas gathered for one notification: consecutive pieces of one message
//! joined, then cut to fit the 8000-byte limit of a notification.

use super::{MAX_DELTA_BYTES, Note};

/// Joins consecutive deltas of one message, then cuts texts too long for one notification.
pub(super) fn merge(batch: Vec<Note>) -> Vec<Note> {
    let mut merged: Vec<Note> = Vec::new();
    for note in batch {
        if let (
            Some(Note::Delta {
                m: last_message,
                end: last_end,
                text: last_text,
                ..
            }),
            Note::Delta { m, end, text, .. },
        ) = (merged.last_mut(), &note)
            && last_message == m
            && *last_end + text.len() == *end
        {
            last_text.push_str(text);
            *last_end = *end;
            continue;
        }
        merged.push(note);
    }
    merged.into_iter().flat_map(split).collect()
}

fn split(note: Note) -> Vec<Note> {
    let Note::Delta {
        from,
        p,
        c,
        v,
        m,
        end,
        text,
    } = note
    else {
        return vec![note];
    };
    let mut parts = Vec::new();
    let mut start = end.saturating_sub(text.len());
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let mut cut = rest.len().min(MAX_DELTA_BYTES);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (part, tail) = rest.split_at(cut);
        start += part.len();
        parts.push(Note::Delta {
            from: from.clone(),
            p,
            c,
            v,
            m,
            end: start,
            text: part.to_owned(),
        });
        rest = tail;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn delta(m: Uuid, end: usize, text: &str) -> Note {
        Note::Delta {
            from: "a".into(),
            p: Uuid::nil(),
            c: Uuid::nil(),
            v: Uuid::nil(),
            m,
            end,
            text: text.into(),
        }
    }

    #[test]
    fn deltas_of_a_message_go_as_one_and_long_texts_are_cut_on_characters() {
        let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
        // Ends are byte offsets: "Привет" is 12 bytes.
        let merged = merge(vec![
            delta(first, 12, "Привет"),
            delta(first, 13, ","),
            delta(second, 3, "Hi!"),
            delta(first, 20, " мир"),
        ]);
        assert_eq!(
            merged,
            vec![
                delta(first, 13, "Привет,"),
                delta(second, 3, "Hi!"),
                delta(first, 20, " мир")
            ]
        );
        let long = "я".repeat(MAX_DELTA_BYTES);
        let parts = split(delta(first, long.len() + 10, &long));
        assert_eq!(parts.len(), 2);
        let Note::Delta { end, text, .. } = &parts[0] else {
            unreachable!()
        };
        assert_eq!((*end, text.len()), (10 + MAX_DELTA_BYTES, MAX_DELTA_BYTES));
        let rejoined: String = parts
            .iter()
            .map(|part| match part {
                Note::Delta { text, .. } => text.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(rejoined, long);
        assert!(parts.iter().all(|part| part.payload().len() < 8000));
        let escaped = "\"\\\n\u{1f}".repeat(MAX_DELTA_BYTES);
        let parts = split(delta(first, escaped.len(), &escaped));
        assert!(
            parts.iter().all(|part| part.payload().len() < 8000),
            "text JSON escapes the most still fits"
        );
    }
}
