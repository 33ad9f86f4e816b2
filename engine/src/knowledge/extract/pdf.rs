//! PDF: the text layer through `pdf-extract` (on `lopdf`). No OCR: a scanned
//! PDF gives no text.

use super::{ExtractError, text::normalize};

/// The text of a PDF, pages separated by a blank line.
pub(super) fn text(bytes: &[u8]) -> Result<String, ExtractError> {
    if !bytes.starts_with(b"%PDF-") && !bytes.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Err(ExtractError::Unreadable("it is not a PDF file".to_owned()));
    }
    let pages = pdf_extract::extract_text_from_mem_by_pages(bytes)
        .map_err(|e| ExtractError::Unreadable(e.to_string()))?;
    let pages: Vec<String> = pages
        .iter()
        .map(|page| normalize(page))
        .filter(|p| !p.is_empty())
        .collect();
    Ok(pages.join("\n\n"))
}
