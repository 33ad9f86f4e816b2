//! HTML: the page's main text as Markdown, on `scraper` (html5ever, the
//! browsers' parsing rules), with a small walker of our own.
//!
//! The main part is `<main>`, else `[role=main]`, else the first `<article>`,
//! else `<body>` without its header, footer and sidebars. Navigation, scripts,
//! styles, forms, dialogs, cookie banners and hidden elements are skipped
//! everywhere.

use std::collections::HashSet;

use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::Page;
use super::text::markdown_table;

/// The main text, title and links of an HTML page found at `url`.
#[must_use]
pub fn page(html: &str, url: &Url) -> Page {
    let document = Html::parse_document(html);
    let base = select_first(&document, "base[href]")
        .and_then(|base| base.value().attr("href"))
        .and_then(|href| url.join(href.trim()).ok())
        .unwrap_or_else(|| url.clone());
    let (root, whole_body) = main_part(&document);
    let markdown = match root {
        Some(root) => {
            let mut writer = Writer {
                base: &base,
                whole_body,
                out: Vec::new(),
                inline: String::new(),
            };
            writer.children(root);
            writer.finish()
        }
        None => String::new(),
    };
    Page {
        title: title(&document),
        markdown,
        links: links(&document, &base),
    }
}

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

fn select_first<'a>(document: &'a Html, css: &str) -> Option<ElementRef<'a>> {
    document.select(&selector(css)?).next()
}

/// The element holding the main text, and whether it is the whole body (then
/// its header, footer and sidebars are chrome, too).
fn main_part(document: &Html) -> (Option<ElementRef<'_>>, bool) {
    for css in ["main", "[role=main]", "article"] {
        if let Some(found) = select_first(document, css).filter(|e| !skipped(*e, false)) {
            return (Some(found), false);
        }
    }
    (select_first(document, "body"), true)
}

/// `<title>`, else `og:title`, else the first `<h1>`.
fn title(document: &Html) -> Option<String> {
    let clean = |text: String| Some(collapse(&text)).filter(|t| !t.is_empty());
    select_first(document, "head > title")
        .and_then(|t| clean(t.text().collect()))
        .or_else(|| {
            select_first(document, r#"meta[property="og:title"]"#)
                .and_then(|m| m.value().attr("content"))
                .and_then(|c| clean(c.to_owned()))
        })
        .or_else(|| select_first(document, "h1").and_then(|h| clean(h.text().collect())))
}

/// Every absolute `http(s)` link of the page, without fragment, each once.
fn links(document: &Html, base: &Url) -> Vec<Url> {
    let Some(anchors) = selector("a[href], area[href]") else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    document
        .select(&anchors)
        .filter_map(|a| web_link(base, a.value().attr("href")?))
        .filter(|link| seen.insert(link.clone()))
        .collect()
}

/// `href` resolved against `base` when it leads to a web page.
fn web_link(base: &Url, href: &str) -> Option<Url> {
    let mut link = base.join(href.trim()).ok()?;
    if !matches!(link.scheme(), "http" | "https") {
        return None;
    }
    link.set_fragment(None);
    Some(link)
}

/// Whether an element (and all it holds) is left out of the text. `chrome`:
/// the header, footer and sidebars are left out too (walking the whole body).
fn skipped(element: ElementRef<'_>, chrome: bool) -> bool {
    let e = element.value();
    let skipped_tag = matches!(
        e.name(),
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "canvas"
            | "iframe"
            | "object"
            | "embed"
            | "video"
            | "audio"
            | "map"
            | "form"
            | "button"
            | "input"
            | "select"
            | "textarea"
            | "label"
            | "nav"
            | "dialog"
            | "head"
            | "link"
            | "meta"
    );
    let chrome_tag = chrome && matches!(e.name(), "header" | "footer" | "aside");
    let role = e.attr("role").unwrap_or_default().to_ascii_lowercase();
    let skipped_role = matches!(
        role.as_str(),
        "navigation" | "dialog" | "alertdialog" | "search"
    ) || (chrome
        && matches!(role.as_str(), "banner" | "contentinfo" | "complementary"));
    let style: String = e
        .attr("style")
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let hidden = e.attr("hidden").is_some()
        || e.attr("aria-hidden")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || style.contains("display:none")
        || style.contains("visibility:hidden");
    let banner = e.id().into_iter().chain(e.classes()).any(|name| {
        let name = name.to_ascii_lowercase();
        ["cookie", "consent", "gdpr"]
            .iter()
            .any(|word| name.contains(word))
    });
    skipped_tag || chrome_tag || skipped_role || hidden || banner
}

/// Whitespace runs to one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Markdown written block by block: finished blocks, and the inline text of
/// the block being read.
struct Writer<'a> {
    base: &'a Url,
    whole_body: bool,
    out: Vec<String>,
    inline: String,
}

impl<'a> Writer<'a> {
    /// A writer for the inside of an element (a list item, a cell, a quote).
    fn nested(&self) -> Self {
        Writer {
            base: self.base,
            whole_body: self.whole_body,
            out: Vec::new(),
            inline: String::new(),
        }
    }

    fn finish(mut self) -> String {
        self.flush();
        self.out.join("\n\n")
    }

    /// Ends the current block of inline text.
    fn flush(&mut self) {
        let text: Vec<&str> = self
            .inline
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if !text.is_empty() {
            self.out.push(text.join("\n"));
        }
        self.inline.clear();
    }

    fn block(&mut self, markdown: String) {
        self.flush();
        if !markdown.trim().is_empty() {
            self.out.push(markdown);
        }
    }

    /// Text as it reads, whitespace collapsed.
    fn text(&mut self, text: &str) {
        let starts_blank = text.starts_with(char::is_whitespace);
        let ends_blank = text.ends_with(char::is_whitespace);
        let words = collapse(text);
        let at_start = self.inline.is_empty() || self.inline.ends_with([' ', '\n']);
        if words.is_empty() {
            if starts_blank && !at_start {
                self.inline.push(' ');
            }
            return;
        }
        if starts_blank && !at_start {
            self.inline.push(' ');
        }
        self.inline.push_str(&words);
        if ends_blank {
            self.inline.push(' ');
        }
    }

    fn children(&mut self, element: ElementRef<'a>) {
        for child in element.children() {
            match child.value() {
                Node::Text(text) => self.text(text),
                Node::Element(_) => {
                    if let Some(child) = ElementRef::wrap(child) {
                        self.element(child);
                    }
                }
                _ => {}
            }
        }
    }

    /// The inside of an element as one line of text.
    fn inline_of(&self, element: ElementRef<'a>) -> String {
        let mut inner = self.nested();
        inner.children(element);
        collapse(&inner.finish())
    }

    fn element(&mut self, element: ElementRef<'a>) {
        if skipped(element, self.whole_body) {
            return;
        }
        let name = element.value().name();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = usize::from(name.as_bytes()[1] - b'0');
                let text = self.inline_of(element);
                if !text.is_empty() {
                    self.block(format!("{} {text}", "#".repeat(level)));
                }
            }
            "ul" | "ol" => self.list(element, name == "ol"),
            "table" => self.table(element),
            "pre" => {
                let code: String = element.text().collect();
                let code = code.trim_matches('\n');
                if !code.trim().is_empty() {
                    self.block(format!("```\n{code}\n```"));
                }
            }
            "blockquote" => {
                let mut inner = self.nested();
                inner.children(element);
                let quoted: Vec<String> = inner
                    .finish()
                    .lines()
                    .map(|l| format!("> {l}").trim_end().to_owned())
                    .collect();
                self.block(quoted.join("\n"));
            }
            "br" => self.inline.push('\n'),
            "hr" | "img" | "picture" => {}
            "a" => self.link(element),
            "code" | "kbd" | "samp" => {
                let code = self.inline_of(element);
                if !code.is_empty() {
                    self.text(&format!("`{code}`"));
                }
            }
            "td" | "th" => self.children(element),
            _ if is_block(name) => {
                self.flush();
                self.children(element);
                self.flush();
            }
            _ => self.children(element),
        }
    }

    /// A link's text, with its address when it leads somewhere on the web.
    fn link(&mut self, element: ElementRef<'a>) {
        // A card made a link (a heading, a picture, a price): its blocks, as
        // text.
        let holds_blocks = element.descendants().filter_map(ElementRef::wrap).any(|e| {
            let name = e.value().name();
            is_block(name)
                || matches!(
                    name,
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "table"
                )
        });
        if holds_blocks {
            self.children(element);
            return;
        }
        let text = self.inline_of(element);
        if text.is_empty() {
            return;
        }
        let href = element.value().attr("href").unwrap_or_default().trim();
        let target = match self.base.join(href) {
            Ok(url)
                if matches!(url.scheme(), "http" | "https" | "mailto" | "tel")
                    && !href.starts_with('#') =>
            {
                Some(url)
            }
            _ => None,
        };
        match target {
            Some(url) => {
                let text = text.replace('[', "\\[").replace(']', "\\]");
                self.text(&format!("[{text}]({url})"));
            }
            None => self.text(&text),
        }
    }

    fn list(&mut self, element: ElementRef<'a>, ordered: bool) {
        let mut items = Vec::new();
        for item in element.child_elements() {
            if skipped(item, self.whole_body) {
                continue;
            }
            let mut inner = self.nested();
            if item.value().name() == "li" {
                inner.children(item);
            } else {
                inner.element(item);
            }
            let body = inner.finish();
            if body.trim().is_empty() {
                continue;
            }
            let marker = if ordered {
                format!("{}. ", items.len() + 1)
            } else {
                "- ".to_owned()
            };
            let indent = " ".repeat(marker.len());
            let mut lines = body.lines();
            let mut item_text = format!("{marker}{}", lines.next().unwrap_or_default());
            for line in lines {
                item_text.push('\n');
                if !line.is_empty() {
                    item_text.push_str(&indent);
                    item_text.push_str(line);
                }
            }
            items.push(item_text);
        }
        self.block(items.join("\n"));
    }

    fn table(&mut self, element: ElementRef<'a>) {
        let Some(row_selector) = selector("tr") else {
            return;
        };
        let mut rows = Vec::new();
        for row in element.select(&row_selector) {
            // Rows of a table nested in a cell belong to the cell's text.
            let own = row
                .ancestors()
                .filter_map(ElementRef::wrap)
                .find(|a| a.value().name() == "table");
            if own != Some(element) || skipped(row, self.whole_body) {
                continue;
            }
            let cells: Vec<String> = row
                .child_elements()
                .filter(|c| {
                    matches!(c.value().name(), "td" | "th") && !skipped(*c, self.whole_body)
                })
                .map(|c| self.inline_of(c))
                .collect();
            if cells.iter().any(|c| !c.is_empty()) {
                rows.push(cells);
            }
        }
        if let Some(caption) = element
            .child_elements()
            .find(|c| c.value().name() == "caption")
        {
            let caption = self.inline_of(caption);
            if !caption.is_empty() {
                self.block(caption);
            }
        }
        self.block(markdown_table(&rows));
    }
}

/// Elements that start and end a block of text.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "main"
            | "header"
            | "footer"
            | "aside"
            | "address"
            | "figure"
            | "figcaption"
            | "details"
            | "summary"
            | "dl"
            | "dt"
            | "dd"
            | "li"
            | "fieldset"
            | "center"
            | "body"
            | "html"
            | "caption"
            | "tr"
            | "tbody"
            | "thead"
            | "tfoot"
    )
}
