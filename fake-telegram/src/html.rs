//! Telegram's `parse_mode: "HTML"` check: only the supported tags and
//! entities pass, anything else is `400 Bad Request: can't parse entities`,
//! which is what proves a sender escapes its text. Gives the plain text
//! (tags removed, entities decoded) on success.

/// Tags Telegram supports.
const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
    "tg-time",
];

/// The plain text of `html`, or the reason Telegram gives after
/// `can't parse entities: `.
pub(crate) fn parse(html: &str) -> Result<String, String> {
    let bytes = html.as_bytes();
    let mut plain = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'&' => {
                let (decoded, end) = entity(html, at)?;
                plain.push_str(&decoded);
                at = end;
            }
            b'<' if bytes.get(at + 1) == Some(&b'/') => {
                let Some(close) = html[at..].find('>') else {
                    return Err(format!("Unclosed end tag at byte offset {at}"));
                };
                let name = html[at + 2..at + close].trim().to_ascii_lowercase();
                match open.pop() {
                    Some(expected) if expected == name => {}
                    Some(expected) => {
                        return Err(format!(
                            "Unmatched end tag at byte offset {at}, expected \"</{expected}>\", found \"</{name}>\""
                        ));
                    }
                    None => return Err(format!("Unexpected end tag at byte offset {at}")),
                }
                at += close + 1;
            }
            b'<' => {
                let (name, end) = start_tag(html, at)?;
                open.push(name);
                at = end;
            }
            _ => {
                let next = html[at..]
                    .find(['&', '<'])
                    .map_or(html.len(), |offset| at + offset);
                plain.push_str(&html[at..next]);
                at = next;
            }
        }
    }
    match open.pop() {
        Some(name) => Err(format!(
            "Can't find end tag corresponding to start tag \"{name}\""
        )),
        None => Ok(plain),
    }
}

/// Decodes the entity at `at`; returns it and the offset after its `;`.
fn entity(html: &str, at: usize) -> Result<(String, usize), String> {
    let rest = &html[at + 1..];
    let end = rest
        .char_indices()
        .take(12)
        .find(|(_, c)| *c == ';')
        .map(|(index, _)| index)
        .ok_or_else(|| format!("Can't find end of the entity starting at byte offset {at}"))?;
    let name = &rest[..end];
    let decoded = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => name.strip_prefix('#').and_then(|number| {
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => number.parse().ok(),
            };
            code.and_then(char::from_u32)
        }),
    };
    decoded
        .map(|c| (c.to_string(), at + 1 + end + 1))
        .ok_or_else(|| format!("Unsupported HTML entity \"&{name};\" at byte offset {at}"))
}

/// Reads the start tag at `at` and checks it; returns its lower-case name
/// and the offset after its `>`.
fn start_tag(html: &str, at: usize) -> Result<(String, usize), String> {
    let Some(close) = html[at..].find('>') else {
        return Err(format!("Unclosed start tag at byte offset {at}"));
    };
    let inside = &html[at + 1..at + close];
    let name_end = inside
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(inside.len());
    let name = inside[..name_end].to_ascii_lowercase();
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || !TAGS.contains(&name.as_str())
    {
        return Err(format!(
            "Unsupported start tag \"{name}\" at byte offset {at}"
        ));
    }
    let attributes = inside[name_end..].trim();
    check_attributes(&name, attributes, at)?;
    Ok((name, at + close + 1))
}

/// The attributes Telegram requires or allows on each tag.
fn check_attributes(name: &str, attributes: &str, at: usize) -> Result<(), String> {
    let has = |attribute: &str| attributes.contains(attribute);
    let ok = match name {
        "a" => has("href="),
        "span" => has("class=\"tg-spoiler\"") || has("class='tg-spoiler'"),
        "tg-emoji" => has("emoji-id="),
        "tg-time" => has("unix="),
        "code" => attributes.is_empty() || has("class="),
        "blockquote" => attributes.is_empty() || attributes == "expandable",
        _ => attributes.is_empty(),
    };
    if ok {
        Ok(())
    } else if name == "span" {
        Err(format!(
            "Tag \"span\" must have class \"tg-spoiler\" at byte offset {at}"
        ))
    } else {
        Err(format!(
            "Unsupported attributes of start tag \"{name}\" at byte offset {at}"
        ))
    }
}
