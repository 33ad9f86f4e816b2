//! Plain text, Markdown and CSV: decoding (UTF-8, else Windows-1251) and
//! tidying.

use super::ExtractError;
use encoding_rs::{Encoding, WINDOWS_1251};

/// The text of `bytes`: by its byte-order mark when it has one, else UTF-8,
/// else Windows-1251 (Russian files saved by older Windows programs).
pub(super) fn decode(bytes: &[u8]) -> Result<String, ExtractError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return Ok(text.into_owned());
    }
    if bytes.contains(&0) {
        return Err(ExtractError::Unreadable("it is not a text file".to_owned()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) => Ok(WINDOWS_1251
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()),
    }
}

/// Unix line ends, no trailing spaces, at most one blank line in a row.
pub(super) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
        blank = false;
    }
    out.trim_end().to_owned()
}

/// A CSV file as a Markdown table, its first row the header. The delimiter
/// is the first line's most frequent of `,`, `;` and tab (spreadsheets in
/// Russian locales save with `;`).
pub(super) fn csv_table(text: &str) -> Result<String, ExtractError> {
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ExtractError::Unreadable(e.to_string()))?;
        let row: Vec<String> = record.iter().map(str::to_owned).collect();
        if row.iter().any(|cell| !cell.trim().is_empty()) {
            rows.push(row);
        }
    }
    Ok(markdown_table(&rows))
}

/// Rows as a Markdown table (the first row the header), cells on one line
/// with `|` escaped, short rows padded.
pub(super) fn markdown_table(rows: &[Vec<String>]) -> String {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    if width == 0 {
        return String::new();
    }
    let line = |row: &[String]| {
        let cells: Vec<String> = (0..width)
            .map(|i| {
                let cell = row.get(i).map(String::as_str).unwrap_or_default();
                cell.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace('|', "\\|")
            })
            .collect();
        format!("| {} |", cells.join(" | "))
    };
    let mut out = Vec::with_capacity(rows.len() + 1);
    out.push(line(&rows[0]));
    out.push(format!("|{}", " --- |".repeat(width)));
    out.extend(rows[1..].iter().map(|row| line(row)));
    out.join("\n")
}
