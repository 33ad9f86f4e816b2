//! Text extraction: a web page or an uploaded file to clean Markdown.
//!
//! - [`page`]: the main text of an HTML page (without navigation, header,
//!   footer, scripts, styles, forms, cookie banners and hidden elements), its
//!   title and its links (for the crawler).
//! - [`file`]: an upload by its extension (`.txt`, `.md`, `.csv`, `.html`,
//!   `.htm`, `.pdf`, `.docx`), refused over [`MAX_FILE_BYTES`]; a DOCX is a
//!   zip and its text is read up to [`MAX_DOCX_XML_BYTES`] decompressed.
//! - [`file_async`]: the same on a blocking thread, given up after
//!   [`EXTRACT_TIMEOUT`]; a panic of a parser fails that file only.
//!
//! Each refusal is an [`ExtractError`] with a stable [`ExtractError::code`]
//! (the dashboard words it in the user's language) and a plain English message.

mod docx;
mod html;
mod pdf;
#[cfg(test)]
mod tests;
mod text;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

pub use html::page;

/// The largest upload read here (20 MiB).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The most a DOCX's `word/document.xml` may decompress to (20 MiB).
pub const MAX_DOCX_XML_BYTES: u64 = 20 * 1024 * 1024;
/// How long [`file_async`] waits for one file.
pub const EXTRACT_TIMEOUT: Duration = Duration::from_secs(30);

/// The text of a web page, for the knowledge base and the crawler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// `<title>`, else `og:title`, else the first `<h1>`.
    pub title: Option<String>,
    /// The main text as Markdown.
    pub markdown: String,
    /// The page's absolute `http(s)` links, fragments removed, each once, in
    /// document order (resolved against `<base href>` when there is one).
    pub links: Vec<url::Url>,
}

/// The text of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// What the file was read as.
    pub format: Format,
    /// The document's title when the format carries one (HTML).
    pub title: Option<String>,
    /// The text as Markdown.
    pub markdown: String,
}

/// The formats [`file`] reads, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.txt`: plain text.
    Text,
    /// `.md`, `.markdown`: kept as written.
    Markdown,
    /// `.csv`: a Markdown table.
    Csv,
    /// `.html`, `.htm`: through [`page`].
    Html,
    /// `.pdf`: the text layer (no OCR).
    Pdf,
    /// `.docx`: paragraphs, headings, lists and tables of the body.
    Docx,
}

impl Format {
    /// The format of a file name by its extension (case-insensitive), or
    /// `None` when the extension is not read here. Lets an upload be refused
    /// before its body is read.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let (_, extension) = name.rsplit_once('.')?;
        Some(match extension.to_ascii_lowercase().as_str() {
            "txt" => Self::Text,
            "md" | "markdown" => Self::Markdown,
            "csv" => Self::Csv,
            "html" | "htm" => Self::Html,
            "pdf" => Self::Pdf,
            "docx" => Self::Docx,
            _ => return None,
        })
    }

    /// The file's media type, for the provider's upload.
    #[must_use]
    pub const fn mime(self) -> &'static str {
        match self {
            Self::Text => "text/plain",
            Self::Markdown => "text/markdown",
            Self::Csv => "text/csv",
            Self::Html => "text/html",
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }
}

/// Why a file's text could not be extracted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The extension is not one of [`Format`]'s.
    #[error("files of this type are not supported (PDF, DOCX, TXT, Markdown, HTML and CSV are)")]
    Unsupported,
    /// The file, or a DOCX's decompressed text, is over its cap.
    #[error("the file is too large (the limit is {limit_mb} MB)")]
    TooLarge {
        /// The cap that was passed, in MiB.
        limit_mb: u64,
    },
    /// The file is damaged, encrypted or not what its extension says.
    #[error("the file could not be read: {0}")]
    Unreadable(String),
    /// The file was read but holds no text (a scanned PDF, an empty file).
    #[error("the file contains no text (a scanned document has to be recognised first)")]
    NoText,
    /// Reading took longer than [`EXTRACT_TIMEOUT`].
    #[error("reading the file took too long")]
    TimedOut,
    /// The parser failed unexpectedly (a panic).
    #[error("the file could not be processed: {0}")]
    Failed(String),
}

impl ExtractError {
    /// A stable code for the dashboard, which words the error per language.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Unsupported => "unsupported_type",
            Self::TooLarge { .. } => "too_large",
            Self::Unreadable(_) => "unreadable",
            Self::NoText => "no_text",
            Self::TimedOut => "timed_out",
            Self::Failed(_) => "failed",
        }
    }
}

/// The text of an uploaded file, by its name's extension. Synchronous and
/// CPU-bound: from async code use [`file_async`]. A panic inside a parser is
/// caught and returned as [`ExtractError::Failed`].
pub fn file(name: &str, bytes: &[u8]) -> Result<Extracted, ExtractError> {
    let format = Format::from_name(name).ok_or(ExtractError::Unsupported)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ExtractError::TooLarge {
            limit_mb: (MAX_FILE_BYTES / (1024 * 1024)) as u64,
        });
    }
    let (title, markdown) = catch_panic(|| read(format, bytes))?;
    if markdown.trim().is_empty() {
        return Err(ExtractError::NoText);
    }
    Ok(Extracted {
        format,
        title,
        markdown,
    })
}

/// [`file`] on a blocking thread, given up after [`EXTRACT_TIMEOUT`] (the
/// thread itself finishes in the background; its result is dropped).
pub async fn file_async(name: String, bytes: Vec<u8>) -> Result<Extracted, ExtractError> {
    let task = tokio::task::spawn_blocking(move || file(&name, &bytes));
    match tokio::time::timeout(EXTRACT_TIMEOUT, task).await {
        Err(_) => Err(ExtractError::TimedOut),
        Ok(Err(join)) => Err(ExtractError::Failed(join.to_string())),
        Ok(Ok(result)) => result,
    }
}

fn read(format: Format, bytes: &[u8]) -> Result<(Option<String>, String), ExtractError> {
    Ok(match format {
        Format::Text | Format::Markdown => (None, text::normalize(&text::decode(bytes)?)),
        Format::Csv => (None, text::csv_table(&text::decode(bytes)?)?),
        Format::Html => {
            // Relative links of an uploaded page lead nowhere: a `file:` base
            // keeps them out of the Markdown links and out of `links`.
            let base = url::Url::parse("file:///upload.html")
                .map_err(|e| ExtractError::Failed(e.to_string()))?;
            let page = page(&text::decode(bytes)?, &base);
            (page.title, page.markdown)
        }
        Format::Pdf => (None, pdf::text(bytes)?),
        Format::Docx => (None, docx::text(bytes)?),
    })
}

/// `f`, with a panic turned into [`ExtractError::Failed`] (the parsers are
/// fed untrusted files).
fn catch_panic<T>(f: impl FnOnce() -> Result<T, ExtractError>) -> Result<T, ExtractError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|panic| Err(ExtractError::Failed(panic_message(&*panic))))
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown error".to_owned());
    format!("the parser failed ({detail})")
}
