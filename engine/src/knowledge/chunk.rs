//! A knowledge file's text split into chunks for retrieval (issue 18,
//! `docs/knowledge.md#retrieval-by-aiwidget`): sections by their Markdown
//! headings, each section's paragraphs packed up to [`TARGET_TOKENS`], the
//! end of one chunk repeated at the start of the next ([`OVERLAP_TOKENS`]),
//! and every chunk headed by its section's heading path, so that a chunk
//! read alone still says what it is about. A paragraph longer than a chunk
//! is cut at sentence ends, a sentence longer than that at words.
//!
//! A question/answer pair is one chunk ([`whole`]).
//!
//! Tokens are estimated (`services::relay::history::estimate_tokens`: a
//! token per 4 bytes), so no tokenizer is downloaded.

use crate::services::relay::history::estimate_tokens;

/// The size a chunk is packed up to, in estimated tokens.
pub const TARGET_TOKENS: usize = 350;

/// How much of a chunk's end starts the next one, in estimated tokens.
pub const OVERLAP_TOKENS: usize = 60;

/// The most one chunk may hold: embedding models take 8,192 tokens, and the
/// estimate may be low for some scripts.
pub const MAX_CHUNK_TOKENS: usize = 4_000;

/// The longest heading path put at the head of a chunk, in characters.
pub const MAX_HEADING_CHARS: usize = 200;

/// One chunk of a file, as it is embedded and given to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The section's heading path, a blank line, then the text.
    pub text: String,
    /// Its estimated tokens.
    pub tokens: usize,
}

impl Chunk {
    fn new(text: String) -> Self {
        let tokens = estimate_tokens(&text);
        Self { text, tokens }
    }
}

/// The whole `text` as one chunk (a question and its answer), cut to
/// [`MAX_CHUNK_TOKENS`]; none for an empty text.
#[must_use]
pub fn whole(text: &str) -> Vec<Chunk> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    vec![Chunk::new(cut_to_tokens(text, MAX_CHUNK_TOKENS).to_owned())]
}

/// `text` (Markdown or plain) split into chunks, in order.
#[must_use]
pub fn split(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for section in sections(text) {
        // Capped: it heads every chunk of the section.
        let heading: String = section
            .headings
            .join(" › ")
            .chars()
            .take(MAX_HEADING_CHARS)
            .collect();
        let units: Vec<String> = section
            .paragraphs
            .iter()
            .flat_map(|paragraph| pieces(paragraph, TARGET_TOKENS))
            .collect();
        pack(&heading, &units, &mut chunks);
    }
    chunks
}

/// A run of paragraphs under one heading path.
#[derive(Debug, Default)]
struct Section {
    headings: Vec<String>,
    paragraphs: Vec<String>,
}

/// The sections of `text`: a new one at each heading (`#` to `######`),
/// paragraphs split at blank lines, a fenced code block kept whole.
fn sections(text: &str) -> Vec<Section> {
    let mut done = Vec::new();
    let mut path: Vec<(usize, String)> = Vec::new();
    let mut current = Section::default();
    let mut paragraph = String::new();
    let mut in_fence = false;
    let end_paragraph = |paragraph: &mut String, current: &mut Section| {
        let text = paragraph.trim();
        if !text.is_empty() {
            current.paragraphs.push(text.to_owned());
        }
        paragraph.clear();
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if let Some((level, title)) = heading(trimmed) {
                end_paragraph(&mut paragraph, &mut current);
                if !current.paragraphs.is_empty() {
                    done.push(std::mem::take(&mut current));
                }
                path.retain(|(known, _)| *known < level);
                path.push((level, title.to_owned()));
                current.headings = path.iter().map(|(_, title)| title.clone()).collect();
                continue;
            }
            if trimmed.is_empty() {
                end_paragraph(&mut paragraph, &mut current);
                continue;
            }
        }
        paragraph.push_str(line);
        paragraph.push('\n');
    }
    end_paragraph(&mut paragraph, &mut current);
    if !current.paragraphs.is_empty() {
        done.push(current);
    }
    done
}

/// A Markdown heading's level and title.
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    let rest = &line[level..];
    ((1..=6).contains(&level) && rest.starts_with(' '))
        .then(|| (level, rest.trim().trim_end_matches('#').trim()))
        .filter(|(_, title)| !title.is_empty())
}

/// `paragraph` as it is, or cut at sentence ends (then words) into pieces
/// of at most `limit` tokens.
fn pieces(paragraph: &str, limit: usize) -> Vec<String> {
    if estimate_tokens(paragraph) <= limit {
        return vec![paragraph.to_owned()];
    }
    let mut out = Vec::new();
    let mut piece = String::new();
    for sentence in sentences(paragraph) {
        if estimate_tokens(sentence) > limit {
            if !piece.trim().is_empty() {
                out.push(piece.trim().to_owned());
            }
            piece.clear();
            out.extend(words(sentence, limit));
            continue;
        }
        if !piece.is_empty() && estimate_tokens(&piece) + estimate_tokens(sentence) > limit {
            out.push(piece.trim().to_owned());
            piece.clear();
        }
        piece.push_str(sentence);
    }
    if !piece.trim().is_empty() {
        out.push(piece.trim().to_owned());
    }
    out
}

/// `text` cut after each `.`, `!`, `?`, `…` or line end followed by a space
/// or the end; each keeps its end and the space after it.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let ends = matches!(c, '.' | '!' | '?' | '…' | '\n');
        if ends && chars.peek().is_none_or(|(_, next)| next.is_whitespace()) {
            let mut end = at + c.len_utf8();
            while let Some((next_at, next)) = chars.peek().copied() {
                if !next.is_whitespace() {
                    break;
                }
                end = next_at + next.len_utf8();
                chars.next();
            }
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// `text` cut between words into pieces of at most `limit` tokens (a word
/// longer than that is cut on a character boundary).
fn words(text: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut piece = String::new();
    for word in text.split_whitespace() {
        let word = cut_to_tokens(word, limit);
        if !piece.is_empty() && estimate_tokens(&piece) + estimate_tokens(word) + 1 > limit {
            out.push(std::mem::take(&mut piece));
        }
        if !piece.is_empty() {
            piece.push(' ');
        }
        piece.push_str(word);
    }
    if !piece.is_empty() {
        out.push(piece);
    }
    out
}

/// The longest start of `text` within `tokens` estimated tokens, on a
/// character boundary.
fn cut_to_tokens(text: &str, tokens: usize) -> &str {
    let bytes = tokens.saturating_mul(4);
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Packs `units` (each within a chunk) into chunks headed by `heading`,
/// the last units of each (up to [`OVERLAP_TOKENS`]) starting the next.
fn pack(heading: &str, units: &[String], chunks: &mut Vec<Chunk>) {
    let head = if heading.is_empty() {
        String::new()
    } else {
        format!("{heading}\n\n")
    };
    let budget = TARGET_TOKENS.saturating_sub(estimate_tokens(&head)).max(50);
    let mut body: Vec<&str> = Vec::new();
    let mut fresh = 0; // units of `body` not yet in an emitted chunk
    let size = |body: &[&str]| {
        body.iter()
            .map(|unit| estimate_tokens(unit) + 1)
            .sum::<usize>()
    };
    for unit in units {
        if fresh > 0 && size(&body) + estimate_tokens(unit) > budget {
            chunks.push(Chunk::new(format!("{head}{}", body.join("\n\n"))));
            body = overlap(&body);
            fresh = 0;
        }
        body.push(unit);
        fresh += 1;
    }
    if fresh > 0 {
        chunks.push(Chunk::new(format!("{head}{}", body.join("\n\n"))));
    }
}

/// The last units of `body` that fit [`OVERLAP_TOKENS`] (none when even
/// the last one is larger).
fn overlap<'a>(body: &[&'a str]) -> Vec<&'a str> {
    let mut kept = Vec::new();
    let mut size = 0;
    for unit in body.iter().rev() {
        size += estimate_tokens(unit) + 1;
        if size > OVERLAP_TOKENS {
            break;
        }
        kept.push(*unit);
    }
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_start_sections_and_head_their_chunks() {
        let text = "# Shop\n\nWe sell tea.\n\n## Delivery\n\nCourier in Moscow.\n\n## Returns\n\nWithin 14 days.\n";
        let chunks = split(text);
        let texts: Vec<&str> = chunks.iter().map(|chunk| chunk.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Shop\n\nWe sell tea.",
                "Shop › Delivery\n\nCourier in Moscow.",
                "Shop › Returns\n\nWithin 14 days."
            ]
        );
        assert!(
            chunks
                .iter()
                .all(|chunk| chunk.tokens == estimate_tokens(&chunk.text))
        );
    }

    #[test]
    fn long_sections_are_packed_with_overlap_and_every_paragraph_kept() {
        let paragraphs: Vec<String> = (0..60)
            .map(|n| format!("Paragraph {n} says something about tea number {n}."))
            .collect();
        let text = format!("# Tea\n\n{}", paragraphs.join("\n\n"));
        let chunks = split(&text);
        assert!(chunks.len() > 1, "{} chunks", chunks.len());
        for chunk in &chunks {
            assert!(chunk.tokens <= TARGET_TOKENS + 20, "{}", chunk.tokens);
            assert!(chunk.text.starts_with("Tea\n\n"));
        }
        for paragraph in &paragraphs {
            assert!(
                chunks
                    .iter()
                    .any(|chunk| chunk.text.contains(paragraph.as_str()))
            );
        }
        // The last paragraph of a chunk opens the next one.
        let first_last = chunks[0].text.rsplit("\n\n").next().expect("a paragraph");
        assert!(chunks[1].text.contains(first_last));
    }

    #[test]
    fn a_huge_paragraph_is_cut_at_sentences_then_words() {
        let sentence = "Чай собирают вручную в горах. ";
        let text = sentence.repeat(300);
        let chunks = split(&text);
        assert!(chunks.len() > 3);
        assert!(
            chunks
                .iter()
                .all(|chunk| chunk.tokens <= TARGET_TOKENS + 20)
        );
        assert!(chunks.iter().all(|chunk| chunk.text.ends_with("горах.")));
        let word = "x".repeat(10_000);
        let chunks = split(&word);
        assert!(
            chunks
                .iter()
                .all(|chunk| chunk.tokens <= TARGET_TOKENS + 20)
        );
        assert!(!chunks.is_empty());
    }

    #[test]
    fn fenced_code_is_not_read_as_headings_and_empty_text_has_no_chunks() {
        let chunks = split("Intro.\n\n```\n# not a heading\n\nstill code\n```\n");
        assert!(
            chunks
                .iter()
                .all(|chunk| !chunk.text.starts_with("not a heading"))
        );
        assert!(
            chunks
                .iter()
                .any(|chunk| chunk.text.contains("# not a heading"))
        );
        assert!(split("  \n\n# Only a heading\n").is_empty());
        assert!(whole(" ").is_empty());
        assert_eq!(whole("# Q?\n\nA.")[0].text, "# Q?\n\nA.");
    }
}
