//! Sitemap XML (sitemaps.org): a `<urlset>` of pages or a `<sitemapindex>`
//! of further sitemaps. Only plain XML (no gzip).

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::Reader;
use quick_xml::events::Event;

/// What a sitemap lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Sitemap {
    /// `<urlset>`: pages.
    Pages(Vec<Entry>),
    /// `<sitemapindex>`: the `<loc>` of further sitemaps.
    Index(Vec<String>),
}

/// One `<url>` of a `<urlset>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// `<loc>`, trimmed.
    pub(super) loc: String,
    /// `<lastmod>` when it is a W3C date or date-time.
    pub(super) lastmod: Option<DateTime<Utc>>,
}

/// The sitemap in `xml`, or `None` when it is not well-formed XML or its
/// root is neither `<urlset>` nor `<sitemapindex>`.
pub(super) fn parse(xml: &str) -> Option<Sitemap> {
    let mut reader = Reader::from_str(xml);
    let mut root: Option<bool> = None; // Some(true) for an index.
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut entry: Option<Entry> = None;
    let mut pages = Vec::new();
    let mut sitemaps = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                if root.is_none() {
                    root = Some(match name.as_str() {
                        "urlset" => false,
                        "sitemapindex" => true,
                        _ => return None,
                    });
                }
                if name == "url" || name == "sitemap" {
                    entry = Some(Entry {
                        loc: String::new(),
                        lastmod: None,
                    });
                }
                text.clear();
                path.push(name);
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(c) => text.push_str(&c.into_inner()),
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().ok()?.or_else(|| entity(&r)) {
                    text.push(c);
                }
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                match (name.as_str(), entry.as_mut()) {
                    ("loc", Some(entry)) => entry.loc = text.trim().to_owned(),
                    ("lastmod", Some(entry)) => entry.lastmod = w3c_datetime(text.trim()),
                    ("url", Some(_)) => pages.extend(entry.take()),
                    ("sitemap", Some(_)) => sitemaps.extend(entry.take().map(|e| e.loc)),
                    _ => {}
                }
                text.clear();
            }
            _ => {}
        }
    }
    let nonempty = |loc: &String| !loc.is_empty();
    match root? {
        true => Some(Sitemap::Index(
            sitemaps.into_iter().filter(nonempty).collect(),
        )),
        false => Some(Sitemap::Pages(
            pages.into_iter().filter(|e| nonempty(&e.loc)).collect(),
        )),
    }
}

fn entity(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    Some(match &*r.xml10_content() {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// A W3C datetime (`2024-05-01`, `2024-05-01T10:00+03:00`, with seconds
/// and fractions) in UTC; a date alone is its midnight UTC.
fn w3c_datetime(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(date_time) = DateTime::parse_from_rfc3339(value) {
        return Some(date_time.with_timezone(&Utc));
    }
    if let Ok(date_time) = DateTime::parse_from_str(value, "%Y-%m-%dT%H:%M%:z") {
        return Some(date_time.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn sitemap_urlset_gives_locations_and_dates() {
        // Arrange
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://e.com/a?x=1&amp;y=2 </loc><lastmod>2024-05-01</lastmod></url>
  <url><loc><![CDATA[https://e.com/b]]></loc><lastmod>2024-05-01T10:00+03:00</lastmod></url>
  <url><loc>https://e.com/c</loc><lastmod>soon</lastmod><priority>0.5</priority></url>
  <url><loc></loc></url>
</urlset>"#;

        // Act
        let sitemap = parse(xml).unwrap();

        // Assert
        let Sitemap::Pages(pages) = sitemap else {
            panic!("not a urlset: {sitemap:?}");
        };
        let locs: Vec<&str> = pages.iter().map(|p| p.loc.as_str()).collect();
        assert_eq!(
            locs,
            [
                "https://e.com/a?x=1&y=2",
                "https://e.com/b",
                "https://e.com/c"
            ]
        );
        assert_eq!(
            pages[0].lastmod.unwrap().to_rfc3339(),
            "2024-05-01T00:00:00+00:00"
        );
        assert_eq!(
            pages[1].lastmod.unwrap().to_rfc3339(),
            "2024-05-01T07:00:00+00:00"
        );
        assert_eq!(pages[2].lastmod, None);
    }

    #[test]
    fn sitemap_index_lists_sitemaps() {
        let xml = "<sitemapindex><sitemap><loc>https://e.com/s1.xml</loc></sitemap><sitemap><loc>https://e.com/s2.xml</loc><lastmod>2024-01-01</lastmod></sitemap></sitemapindex>";
        assert_eq!(
            parse(xml),
            Some(Sitemap::Index(vec![
                "https://e.com/s1.xml".to_owned(),
                "https://e.com/s2.xml".to_owned()
            ]))
        );
    }

    #[test]
    fn sitemap_refuses_other_documents() {
        assert_eq!(parse("<html><body>hi</body></html>"), None);
        assert_eq!(parse("<urlset><url><loc>x</url>"), None, "malformed");
        assert_eq!(parse("not xml at all"), None);
    }
}
