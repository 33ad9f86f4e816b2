//! DOCX: a zip whose `word/document.xml` holds the body. Paragraphs,
//! headings (by style or outline level), list items and tables are kept;
//! headers, footers, comments and deleted text are not.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::text::markdown_table;
use super::{ExtractError, MAX_DOCX_XML_BYTES};

const MIB: u64 = 1024 * 1024;

/// The body of a DOCX as Markdown, its XML read up to [`MAX_DOCX_XML_BYTES`]
/// decompressed (a zip bomb is refused, not inflated).
pub(super) fn text(bytes: &[u8]) -> Result<String, ExtractError> {
    let not_docx = |why: &str| ExtractError::Unreadable(format!("it is not a DOCX file ({why})"));
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_docx("not a zip archive"))?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| not_docx("no word/document.xml"))?;
    let too_large = ExtractError::TooLarge {
        limit_mb: MAX_DOCX_XML_BYTES / MIB,
    };
    if entry.size() > MAX_DOCX_XML_BYTES {
        return Err(too_large);
    }
    // The declared size may lie: read one byte past the cap at most.
    let mut xml = Vec::new();
    entry
        .take(MAX_DOCX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|e| ExtractError::Unreadable(e.to_string()))?;
    if xml.len() as u64 > MAX_DOCX_XML_BYTES {
        return Err(too_large);
    }
    let xml = String::from_utf8(xml).map_err(|_| not_docx("its text is not UTF-8"))?;
    body(&xml).map_err(|e| ExtractError::Unreadable(format!("damaged document ({e})")))
}

/// A table being read: finished rows, the current row and cell.
#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
    row: Vec<String>,
    cell: String,
}

/// What has been read so far of `word/document.xml`.
#[derive(Default)]
struct Body {
    /// Finished blocks, each with whether it is a list item.
    blocks: Vec<(bool, String)>,
    /// Open tables, innermost last.
    tables: Vec<Table>,
    /// The text of the open paragraph and its kind.
    paragraph: String,
    heading: Option<usize>,
    list_item: bool,
    /// Open paragraphs (a text box puts paragraphs inside a paragraph).
    depth: usize,
    in_run: bool,
    in_text: bool,
    /// Inside `mc:Fallback`: the same content again for older readers.
    fallback: usize,
}

impl Body {
    /// Ends the open paragraph: into the open table cell, or a block.
    fn paragraph_end(&mut self) {
        let text = self.paragraph.trim();
        if !text.is_empty() {
            if let Some(table) = self.tables.last_mut() {
                if !table.cell.is_empty() {
                    table.cell.push(' ');
                }
                table.cell.push_str(text);
            } else if let Some(level) = self.heading {
                self.blocks
                    .push((false, format!("{} {text}", "#".repeat(level))));
            } else if self.list_item {
                self.blocks.push((true, format!("- {text}")));
            } else {
                self.blocks.push((false, text.to_owned()));
            }
        }
        self.paragraph.clear();
        self.heading = None;
        self.list_item = false;
    }

    fn start(&mut self, e: &BytesStart<'_>) {
        match e.local_name().as_ref() {
            "p" => {
                if self.depth > 0 {
                    self.paragraph_end();
                }
                self.depth += 1;
            }
            "r" => self.in_run = true,
            "t" => self.in_text = self.in_run,
            "tbl" => self.tables.push(Table::default()),
            _ => {}
        }
        properties(e, &mut self.heading, &mut self.list_item);
    }

    fn empty(&mut self, e: &BytesStart<'_>) {
        match e.local_name().as_ref() {
            "tab" if self.in_run => self.paragraph.push(' '),
            "br" | "cr" if self.in_run => self.paragraph.push('\n'),
            _ => {}
        }
        properties(e, &mut self.heading, &mut self.list_item);
    }

    fn end(&mut self, name: &str) {
        match name {
            "t" => self.in_text = false,
            "r" => self.in_run = false,
            "p" => {
                self.paragraph_end();
                self.depth = self.depth.saturating_sub(1);
            }
            "tc" => {
                if let Some(table) = self.tables.last_mut() {
                    let cell = std::mem::take(&mut table.cell);
                    table.row.push(cell);
                }
            }
            "tr" => {
                if let Some(table) = self.tables.last_mut() {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push(row);
                }
            }
            "tbl" => {
                let Some(table) = self.tables.pop() else {
                    return;
                };
                if let Some(outer) = self.tables.last_mut() {
                    // A table in a cell: its cells join the outer cell's text.
                    for row in table.rows {
                        outer.cell.push(' ');
                        outer.cell.push_str(&row.join("; "));
                    }
                } else if !table.rows.is_empty() {
                    self.blocks.push((false, markdown_table(&table.rows)));
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> String {
        let mut out = String::new();
        let mut previous_list = false;
        for (list, block) in self.blocks {
            if !out.is_empty() {
                out.push_str(if list && previous_list { "\n" } else { "\n\n" });
            }
            out.push_str(&block);
            previous_list = list;
        }
        out
    }
}

/// `word/document.xml` to Markdown.
fn body(xml: &str) -> Result<String, quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut body = Body::default();
    loop {
        let event = reader.read_event()?;
        let is_fallback = |name: &str| name == "Fallback";
        match event {
            Event::Eof => break,
            Event::Start(e) if is_fallback(e.local_name().as_ref()) => body.fallback += 1,
            Event::End(e) if is_fallback(e.local_name().as_ref()) => {
                body.fallback = body.fallback.saturating_sub(1);
            }
            _ if body.fallback > 0 => {}
            Event::Start(e) => body.start(&e),
            Event::Empty(e) => body.empty(&e),
            Event::End(e) => body.end(e.local_name().as_ref()),
            Event::Text(t) if body.in_text => body.paragraph.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if body.in_text => {
                if let Some(c) = r.resolve_char_ref()?.or_else(|| predefined_entity(&r)) {
                    body.paragraph.push(c);
                }
            }
            _ => {}
        }
    }
    Ok(body.finish())
}

/// Paragraph properties: a heading style (`Heading1`, `Title`, or the
/// digits Word in Russian uses as style ids), an outline level, a list.
fn properties(e: &BytesStart<'_>, heading: &mut Option<usize>, list_item: &mut bool) {
    let value = || {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == "val")
            .map(|a| a.value.into_owned())
            .unwrap_or_default()
    };
    match e.local_name().as_ref() {
        "pStyle" => {
            let style = value().to_ascii_lowercase();
            let level = style.strip_prefix("heading").unwrap_or(&style);
            if style == "title" {
                *heading = Some(1);
            } else if let Ok(n @ 1..=6) = level.trim().parse::<usize>() {
                *heading = Some(n);
            } else if style.starts_with("list") {
                *list_item = true;
            }
        }
        "outlineLvl" => {
            if let Ok(n @ 0..=5) = value().parse::<usize>() {
                heading.get_or_insert(n + 1);
            }
        }
        "numPr" => *list_item = true,
        _ => {}
    }
}

fn predefined_entity(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    Some(match &*r.xml10_content() {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}
