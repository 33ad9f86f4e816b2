//! A message the sink accepted, and the reading of its MIME structure:
//! headers (unfolded, encoded-words decoded) and the text of its
//! `text/plain` or `text/html` part, however deep in `multipart/*`.

use crate::decode::{encoded_words, transfer_decode};

/// One message the sink accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The envelope sender (`MAIL FROM`), without its angle brackets.
    pub from: String,
    /// The accepted envelope recipients (`RCPT TO`), in order.
    pub to: Vec<String>,
    /// The message as sent after `DATA`, dot-unstuffed, lines ending `\r\n`.
    pub data: String,
    /// The user of the session's successful `AUTH`, if any.
    pub auth_user: Option<String>,
}

impl Received {
    /// The first header `name` (any case), unfolded, with its RFC 2047
    /// encoded-words decoded.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<String> {
        let data = normalize(&self.data);
        let (headers, _) = split_entity(&data);
        header(headers, name).map(|raw| encoded_words(&raw))
    }

    /// The decoded `Subject`.
    #[must_use]
    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// The decoded text of the first `text/plain` part (or of the message
    /// itself when it is not multipart), lines ending `\n`.
    #[must_use]
    pub fn text_body(&self) -> Option<String> {
        find_body(&normalize(&self.data), "text/plain")
    }

    /// The decoded text of the first `text/html` part.
    #[must_use]
    pub fn html_body(&self) -> Option<String> {
        find_body(&normalize(&self.data), "text/html")
    }
}

/// The text with `\r\n` line endings made `\n`.
fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The headers and the body of an entity (split at the first empty line).
fn split_entity(entity: &str) -> (&str, &str) {
    if let Some(body) = entity.strip_prefix('\n') {
        return ("", body);
    }
    entity.split_once("\n\n").unwrap_or((entity, ""))
}

/// The raw value of the first header `name`, unfolded and trimmed.
fn header(headers: &str, name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for line in headers.split('\n') {
        if line.starts_with([' ', '\t']) {
            if let Some(value) = found.as_mut() {
                value.push_str(line);
            }
            continue;
        }
        if found.is_some() {
            break;
        }
        if let Some((key, value)) = line.split_once(':')
            && key.trim().eq_ignore_ascii_case(name)
        {
            found = Some(value.to_owned());
        }
    }
    found.map(|value| value.trim().to_owned())
}

/// The media type (lower case) and the parameters of a `Content-Type`.
fn content_type(value: &str) -> (String, Vec<(String, String)>) {
    let mut pieces = value.split(';');
    let media = pieces
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let params = pieces
        .filter_map(|piece| piece.split_once('='))
        .map(|(key, value)| {
            let value = value.trim().trim_matches('"');
            (key.trim().to_ascii_lowercase(), value.to_owned())
        })
        .collect();
    (media, params)
}

/// The decoded text of the first part of type `wanted` in `entity`.
fn find_body(entity: &str, wanted: &str) -> Option<String> {
    let (headers, body) = split_entity(entity);
    let (media, params) =
        content_type(&header(headers, "Content-Type").unwrap_or_else(|| "text/plain".to_owned()));
    if media.starts_with("multipart/") {
        let boundary = params
            .into_iter()
            .find_map(|(key, value)| (key == "boundary").then_some(value))?;
        return parts(body, &boundary)
            .iter()
            .find_map(|part| find_body(part, wanted));
    }
    if media != wanted {
        return None;
    }
    let encoding = header(headers, "Content-Transfer-Encoding").unwrap_or_default();
    let body = body.strip_suffix('\n').unwrap_or(body);
    Some(String::from_utf8_lossy(&transfer_decode(body, &encoding)).replace("\r\n", "\n"))
}

/// The parts of a multipart body, without the line breaks that belong to
/// the delimiters.
fn parts(body: &str, boundary: &str) -> Vec<String> {
    let delimiter = format!("--{boundary}");
    let closing = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in body.split('\n') {
        let line_trimmed = line.trim_end();
        if line_trimmed == delimiter || line_trimmed == closing {
            if let Some(lines) = current.take() {
                parts.push(lines.join("\n"));
            }
            if line_trimmed == closing {
                break;
            }
            current = Some(Vec::new());
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
        }
    }
    parts
}
