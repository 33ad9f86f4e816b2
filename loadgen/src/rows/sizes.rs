//! The sizes: what the dashboard and the widget cost to send, as built
//! (`target/site/pkg/*.wasm`, `target/widget-dist/widget/`), compressed with
//! brotli at its best setting (quality 11, 4 MiB window) as a precompressed
//! `.br` file would be.

use crate::cli::Cli;
use crate::report::{Column, Line, Report};
use anyhow::{Context, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Raw and brotli sizes of a file.
fn sizes(path: &Path) -> Result<(usize, usize)> {
    let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok((raw.len(), brotli_len(&raw)?))
}

/// The length of `bytes` compressed with brotli quality 11, window 22.
///
/// # Errors
/// When the compressor fails.
pub(crate) fn brotli_len(bytes: &[u8]) -> Result<usize> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(bytes).context("brotli")?;
        writer.flush().context("brotli")?;
    }
    Ok(out.len())
}

/// Thousands separated by commas, as in the issue.
fn bytes(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Fills the sizes lines (they do not depend on the database).
pub(crate) fn run(cli: &Cli, report: &mut Report) {
    report.put(
        Line::Dashboard,
        Column::Other,
        dashboard(&cli.site.join("pkg")),
    );
    let widget = ["chat_bg.wasm", "chat.js"].map(|name| sizes(&cli.widget.join(name)));
    let text = match widget {
        [Ok((wasm_raw, wasm)), Ok((js_raw, js))] => format!(
            "**{} bytes** (chat_bg.wasm {} of {} raw, chat.js {} of {} raw)",
            bytes(wasm + js),
            bytes(wasm),
            bytes(wasm_raw),
            bytes(js),
            bytes(js_raw)
        ),
        [Err(err), _] | [_, Err(err)] => format!("not measured ({err:#})"),
    };
    report.put(Line::Widget, Column::Other, text);
    let text = match sizes(&cli.widget.join("widget.js")) {
        Ok((raw, br)) => format!("**{} bytes** ({} raw)", bytes(br), bytes(raw)),
        Err(err) => format!("not measured ({err:#})"),
    };
    report.put(Line::Loader, Column::Other, text);
}

fn dashboard(pkg: &Path) -> String {
    let wasm: Vec<PathBuf> = match std::fs::read_dir(pkg) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
            .collect(),
        Err(err) => return format!("not measured ({}: {err})", pkg.display()),
    };
    let mut parts = Vec::new();
    for path in &wasm {
        match sizes(path) {
            Ok((raw, br)) => parts.push(format!(
                "{}: **{} bytes** brotli ({} raw)",
                path.file_name()
                    .map_or_else(String::new, |name| name.to_string_lossy().into_owned()),
                bytes(br),
                bytes(raw)
            )),
            Err(err) => parts.push(format!("{err:#}")),
        }
    }
    if parts.is_empty() {
        format!("not measured (no .wasm in {})", pkg.display())
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte counts are grouped by thousands.
    #[test]
    fn byte_counts_are_grouped_by_thousands() {
        assert_eq!(bytes(0), "0");
        assert_eq!(bytes(999), "999");
        assert_eq!(bytes(101_751), "101,751");
        assert_eq!(bytes(1_400_000), "1,400,000");
    }

    /// Brotli shrinks repetitive text and the length is of a real stream.
    #[test]
    fn brotli_shrinks_repetitive_text() {
        let text = "aiwidget ".repeat(1000);
        let len = brotli_len(text.as_bytes()).expect("brotli");
        assert!(len > 0 && len < 100, "{len}");
    }
}
