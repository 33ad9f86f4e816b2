//! Decoding what a mail client encodes, enough for lettre's output: RFC 2047
//! encoded-words in headers (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`), and the
//! `base64` and `quoted-printable` transfer encodings of a body.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A header value with its encoded-words decoded; the whitespace between two
/// adjacent encoded-words is dropped (RFC 2047, section 6.2), and adjacent
/// words are joined as bytes before UTF-8 decoding, so a character split
/// across two words survives. Every charset is read as UTF-8.
pub(crate) fn encoded_words(text: &str) -> String {
    let mut out = String::new();
    // The bytes of the encoded-words read since the last plain text.
    let mut pending: Vec<u8> = Vec::new();
    // Whitespace after an encoded-word, dropped if another word follows.
    let mut gap = String::new();
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        if let Some((bytes, len)) = encoded_word(rest) {
            pending.extend(bytes);
            gap.clear();
            rest = &rest[len..];
            continue;
        }
        if ch.is_whitespace() && !pending.is_empty() {
            gap.push(ch);
        } else {
            out.push_str(&String::from_utf8_lossy(&pending));
            pending.clear();
            out.push_str(&gap);
            gap.clear();
            out.push(ch);
        }
        rest = &rest[ch.len_utf8()..];
    }
    out.push_str(&String::from_utf8_lossy(&pending));
    out.push_str(&gap);
    out
}

/// The bytes of the encoded-word `=?charset?B|Q?text?=` at the start of
/// `text` and its length, or `None` if `text` does not start with one.
fn encoded_word(text: &str) -> Option<(Vec<u8>, usize)> {
    let inner = text.strip_prefix("=?")?;
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let (payload, _) = rest.split_once("?=")?;
    if charset.is_empty() || payload.contains(char::is_whitespace) {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => STANDARD.decode(payload).ok()?,
        "Q" | "q" => q_decode(payload),
        _ => return None,
    };
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + payload.len() + 2;
    Some((bytes, len))
}

/// RFC 2047's Q encoding: `_` is a space, `=XX` a byte.
fn q_decode(payload: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = payload.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                if let Some(byte) = hex_byte(&bytes[i + 1..]) {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

/// The byte written as two hex digits at the start of `digits`.
fn hex_byte(digits: &[u8]) -> Option<u8> {
    let pair = std::str::from_utf8(digits.get(..2)?).ok()?;
    u8::from_str_radix(pair, 16).ok()
}

/// A body's bytes per its `Content-Transfer-Encoding` (`base64`,
/// `quoted-printable`, anything else taken as is). Lines end with `\n`.
pub(crate) fn transfer_decode(body: &str, encoding: &str) -> Vec<u8> {
    match encoding.trim().to_ascii_lowercase().as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            STANDARD.decode(compact).unwrap_or_default()
        }
        "quoted-printable" => qp_decode(body),
        _ => body.as_bytes().to_vec(),
    }
}

/// Quoted-printable (RFC 2045, section 6.7): `=XX` a byte, a line ending in
/// `=` a soft break.
fn qp_decode(body: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let lines: Vec<&str> = body.split('\n').collect();
    for (index, line) in lines.iter().enumerate() {
        let line = line.trim_end();
        let (line, soft) = match line.strip_suffix('=') {
            Some(line) => (line, true),
            None => (line, false),
        };
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && let Some(byte) = hex_byte(&bytes[i + 1..])
            {
                out.push(byte);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        if !soft && index + 1 < lines.len() {
            out.push(b'\n');
        }
    }
    out
}
