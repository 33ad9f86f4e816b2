//! The markdown that AI answers use, parsed into a small tree of plain text:
//! paragraphs, lists, fenced code, headings; bold, italic, inline code and
//! links. There is no HTML in the tree at all, so whatever a renderer builds
//! from it as text nodes cannot inject markup: `<script>` stays the text
//! `<script>`. Links keep only `http:`, `https:` and `mailto:` targets; any
//! other link is shown as its label.
//!
//! Used by the widget (inside the client's page) and the dashboard.

/// A block of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Lines of text; line breaks inside it are [`Inline::Break`].
    Paragraph(Vec<Inline>),
    /// `#` … `######`: shown as a strong line.
    Heading(Vec<Inline>),
    /// `- item`, `* item` or `1. item` lines.
    List {
        /// True for numbered items (`1.`), false for bullets.
        ordered: bool,
        /// The items, each a run of inline text.
        items: Vec<Vec<Inline>>,
    },
    /// A fenced block, verbatim.
    Code(String),
}

/// A run of text inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Plain text, shown as is.
    Text(String),
    /// `**bold**`.
    Strong(Vec<Self>),
    /// `*italic*`.
    Emphasis(Vec<Self>),
    /// `` `inline code` ``, verbatim.
    Code(String),
    /// A link with a checked target (see [`safe_href`]).
    Link {
        /// The target: an `http:`, `https:` or `mailto:` URL.
        href: String,
        /// The text shown for it.
        label: Vec<Self>,
    },
    /// A line break inside a paragraph.
    Break,
}

/// Parses `text` into blocks. Total: every input gives a tree, half-written
/// markup (while an answer streams) included.
#[must_use]
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            flush(&mut paragraph, &mut blocks);
            let mut code = Vec::new();
            for inner in lines.by_ref() {
                if inner.trim().starts_with("```") {
                    break;
                }
                code.push(inner);
            }
            blocks.push(Block::Code(code.join("\n")));
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else if let Some(heading) = heading(trimmed) {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Heading(inlines(heading)));
        } else if let Some((ordered, first)) = list_item(trimmed) {
            flush(&mut paragraph, &mut blocks);
            let mut items = vec![inlines(first)];
            while let Some((same, item)) = lines.peek().and_then(|next| list_item(next.trim())) {
                if same != ordered {
                    break;
                }
                items.push(inlines(item));
                lines.next();
            }
            blocks.push(Block::List { ordered, items });
        } else {
            paragraph.push(trimmed);
        }
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

fn flush(paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>) {
    if paragraph.is_empty() {
        return;
    }
    let mut runs = Vec::new();
    for (index, line) in paragraph.drain(..).enumerate() {
        if index > 0 {
            runs.push(Inline::Break);
        }
        runs.extend(inlines(line));
    }
    blocks.push(Block::Paragraph(runs));
}

fn heading(line: &str) -> Option<&str> {
    let level = line.chars().take_while(|&c| c == '#').count();
    ((1..=6).contains(&level))
        .then(|| line[level..].strip_prefix(' '))
        .flatten()
        .map(str::trim)
}

/// `- x`, `* x`, `• x` (unordered) or `12. x` / `12) x` (ordered).
fn list_item(line: &str) -> Option<(bool, &str)> {
    for bullet in ["- ", "* ", "• "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((false, rest.trim()));
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        if let Some(item) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, item.trim()));
        }
    }
    None
}

/// The inline runs of one line.
fn inlines(line: &str) -> Vec<Inline> {
    let mut runs = Vec::new();
    let mut text = String::new();
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if let Some((run, after)) = special(rest) {
            if !text.is_empty() {
                runs.push(Inline::Text(std::mem::take(&mut text)));
            }
            runs.push(run);
            rest = after;
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !text.is_empty() {
        runs.push(Inline::Text(text));
    }
    runs
}

/// A markup run at the start of `rest`, and what follows it.
fn special(rest: &str) -> Option<(Inline, &str)> {
    if let Some(after) = rest.strip_prefix('`') {
        let end = after.find('`')?;
        return Some((Inline::Code(after[..end].to_owned()), &after[end + 1..]));
    }
    if let Some(after) = rest.strip_prefix("**") {
        let end = after.find("**").filter(|&end| end > 0)?;
        return Some((Inline::Strong(inlines(&after[..end])), &after[end + 2..]));
    }
    if let Some(after) = rest.strip_prefix('*') {
        let end = after
            .find('*')
            .filter(|&end| end > 0 && !after.starts_with(' '))?;
        return Some((Inline::Emphasis(inlines(&after[..end])), &after[end + 1..]));
    }
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find("](")?;
        let target_end = after[close + 2..].find(')')? + close + 2;
        let label = &after[..close];
        let target = after[close + 2..target_end].trim();
        let run = match safe_href(target) {
            Some(href) => Inline::Link {
                href,
                label: inlines(label),
            },
            // A refused target: the label alone, as text.
            None => Inline::Text(label.to_owned()),
        };
        return Some((run, &after[target_end + 1..]));
    }
    if rest.starts_with("https://") || rest.starts_with("http://") {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(rest.len());
        let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
        let href = safe_href(url)?;
        return Some((
            Inline::Link {
                label: vec![Inline::Text(url.to_owned())],
                href,
            },
            &rest[url.len()..],
        ));
    }
    None
}

/// `target` when it is an absolute `http:`, `https:` or `mailto:` URL
/// without control characters or spaces; `None` for anything else
/// (`javascript:`, `data:`, relative and protocol-relative URLs).
#[must_use]
pub fn safe_href(target: &str) -> Option<String> {
    if target.is_empty() || target.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let lower = target.to_ascii_lowercase();
    let allowed = ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme) && lower.len() > scheme.len());
    allowed.then(|| target.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Inline {
        Inline::Text(value.to_owned())
    }

    #[test]
    fn paragraphs_lists_code_and_headings() {
        let blocks = parse(
            "# Доставка\n\nМы возим:\n- по **Москве**\n- по *России*\n\n1. Закажите\n2. Оплатите `онлайн`\n\n```\nlet x = 1;\n```",
        );
        assert_eq!(
            blocks,
            vec![
                Block::Heading(vec![text("Доставка")]),
                Block::Paragraph(vec![text("Мы возим:")]),
                Block::List {
                    ordered: false,
                    items: vec![
                        vec![text("по "), Inline::Strong(vec![text("Москве")])],
                        vec![text("по "), Inline::Emphasis(vec![text("России")])],
                    ],
                },
                Block::List {
                    ordered: true,
                    items: vec![
                        vec![text("Закажите")],
                        vec![text("Оплатите "), Inline::Code("онлайн".into())],
                    ],
                },
                Block::Code("let x = 1;".into()),
            ]
        );
    }

    #[test]
    fn links_keep_safe_targets_only() {
        let cases = [
            (
                "[site](https://shop.example/a?b=1)",
                Some("https://shop.example/a?b=1"),
            ),
            (
                "[mail](mailto:hi@shop.example)",
                Some("mailto:hi@shop.example"),
            ),
            (
                "see https://shop.example/faq.",
                Some("https://shop.example/faq"),
            ),
            ("[x](javascript:alert(1))", None),
            ("[x](JaVaScRiPt:alert(1))", None),
            ("[x](data:text/html;base64,PHNjcmlwdD4=)", None),
            ("[x](//evil.example)", None),
            ("[x](/relative)", None),
            ("[x](vbscript:msgbox)", None),
            ("[x](https://a.example\u{0}javascript:1)", None),
        ];
        for (input, expected) in cases {
            let links: Vec<String> = links(&parse(input));
            assert_eq!(
                links.first().map(String::as_str),
                expected,
                "{input}: {links:?}"
            );
        }
    }

    fn links(blocks: &[Block]) -> Vec<String> {
        fn walk(runs: &[Inline], out: &mut Vec<String>) {
            for run in runs {
                match run {
                    Inline::Link { href, label } => {
                        out.push(href.clone());
                        walk(label, out);
                    }
                    Inline::Strong(inner) | Inline::Emphasis(inner) => walk(inner, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        for block in blocks {
            match block {
                Block::Paragraph(runs) | Block::Heading(runs) => walk(runs, &mut out),
                Block::List { items, .. } => items.iter().for_each(|item| walk(item, &mut out)),
                Block::Code(_) => {}
            }
        }
        out
    }

    /// Markup in the text stays text: the tree has no place for HTML.
    #[test]
    fn html_and_script_payloads_stay_plain_text() {
        let corpus = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "\"><svg onload=alert(1)>",
            "**<b>bold</b>**",
        ];
        for payload in corpus {
            let blocks = parse(payload);
            assert!(links(&blocks).is_empty(), "{payload}: no link");
            let flat = format!("{blocks:?}");
            assert!(flat.contains('<'), "{payload}: kept as text: {flat}");
        }
    }

    #[test]
    fn half_written_markup_while_streaming_is_text() {
        assert_eq!(parse("**bo"), vec![Block::Paragraph(vec![text("**bo")])]);
        assert_eq!(parse("[lin"), vec![Block::Paragraph(vec![text("[lin")])]);
        assert_eq!(
            parse("```\nunfinished"),
            vec![Block::Code("unfinished".into())]
        );
    }
}
