//! The website crawler of the knowledge base: from a start page or a
//! sitemap URL to the clean Markdown of the site's pages, reported as a
//! stream of [`CrawlEvent`]s while it runs ([`crawl`]).
//!
//! The rules:
//! - **Same site only**: one origin (scheme, host and port) as the start
//!   URL; `example.com` and `www.example.com` are different sites. One
//!   exception: when `/robots.txt` redirects to the `https` or `www.` alias
//!   of the start's host, the crawl moves to that alias. Only `http(s)`
//!   links are followed, fragments removed (queries kept), files that are
//!   not pages by their extension (`.pdf`, `.png`, `.zip`, `.css`, `.js`, …)
//!   never requested.
//! - **Private addresses** as for a provider's base URL: the start host must
//!   not name one unless [`CrawlSpec::allow_private`], and the caller's
//!   client ([`http_client`](crate::services::upstream::http_client) with the
//!   same flag) refuses names that resolve to one.
//! - **robots.txt** (RFC 9309) read first: the group for `aiwidget`, else
//!   `*`; longest match wins, `*` and `$` understood. A 4xx means no rules; a
//!   5xx or an unreachable file stops the crawl (disallow all) with a
//!   [`Failure::RobotsUnavailable`]. Disallowed links and sitemap entries
//!   are left out silently.
//! - **Sitemaps**: a start URL ending in `.xml`, or answered with an XML
//!   type, is read as a sitemap (indexes followed [`MAX_SITEMAP_DEPTH`] deep,
//!   at most [`MAX_SITEMAPS`] files, same site, no gzip): its pages are the
//!   list, links are not followed. From a start page, links are followed
//!   breadth-first and the `Sitemap:` lines of robots.txt add pages.
//! - **Caps**: [`CrawlSpec::max_pages`] pages read, at most [`MAX_FOUND`]
//!   URLs listed, [`CONCURRENCY`] requests at a time, [`PAGE_TIMEOUT`] per
//!   request (redirects included), [`MAX_PAGE_BYTES`] per page (a larger page
//!   fails), redirects followed by hand up to [`MAX_REDIRECTS`] and only
//!   within the site.
//! - Only `text/html` and `application/xhtml+xml` answers become pages,
//!   through [`extract::page`](super::extract::page).
//!
//! Every listed URL ends as one [`CrawlEvent::Page`] or one
//! [`CrawlEvent::Failed`], unless the page limit is reached first or the
//! stream is dropped (which cancels the requests in flight).

mod fetch;
mod frontier;
mod robots;
mod run;
mod site;
mod sitemap;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub use run::crawl;

/// Requests in flight at a time.
pub const CONCURRENCY: usize = 2;
/// The longest one request may take, its redirects and body included.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest page read (5 MiB); a larger one fails as too large.
pub const MAX_PAGE_BYTES: usize = 5 * 1024 * 1024;
/// The largest sitemap file read (20 MiB; sitemaps.org allows 50, rarely
/// reached: a larger one fails as too large).
pub const MAX_SITEMAP_BYTES: usize = 20 * 1024 * 1024;
/// The part of `robots.txt` read (500 KiB, as RFC 9309 asks at least).
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;
/// Redirects followed per request.
pub const MAX_REDIRECTS: usize = 5;
/// Sitemap index levels followed below the first sitemap.
pub const MAX_SITEMAP_DEPTH: usize = 2;
/// Sitemap files read per crawl.
pub const MAX_SITEMAPS: usize = 50;
/// URLs listed per crawl (bounds memory on huge sites).
pub const MAX_FOUND: usize = 10_000;
/// The `User-Agent` of the crawler's requests; `aiwidget` is the token
/// robots.txt groups are matched against.
pub const USER_AGENT: &str = concat!(
    "aiwidget-crawler/",
    env!("CARGO_PKG_VERSION"),
    " (+knowledge base import)"
);

/// What to crawl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlSpec {
    /// A page of the site, or a sitemap (`.xml`).
    pub start: url::Url,
    /// Pages read at most (`0` reads one).
    pub max_pages: usize,
    /// Whether the site may be on a private address (development, or
    /// `ALLOW_PRIVATE_UPSTREAMS=true`).
    pub allow_private: bool,
}

/// Progress of a crawl, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum CrawlEvent {
    /// The number of page URLs listed so far (sent whenever it grows).
    Found {
        /// All listed so far, read or not.
        total: usize,
    },
    /// A page read.
    Page(CrawledPage),
    /// A URL that gave no page, or the crawl that could not start (then the
    /// only event).
    Failed {
        /// The URL as listed (or the start, or its robots.txt).
        url: url::Url,
        /// Why.
        reason: Failure,
    },
}

/// A page of the site as Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawledPage {
    /// Where the page was read (after redirects).
    pub url: url::Url,
    /// `<title>`, else `og:title`, else the first `<h1>`.
    pub title: Option<String>,
    /// The main text.
    pub markdown: String,
    /// SHA-256 of `markdown`, lowercase hex: tells an unchanged page.
    pub content_hash: String,
    /// The sitemap's `<lastmod>` for the page, when listed with one.
    pub lastmod: Option<chrono::DateTime<chrono::Utc>>,
}

/// Why a URL gave no page. [`Failure::code`] is stable (the dashboard words
/// it in the user's language); `Display` is a short English reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The start is not an `http(s)` URL with a host.
    #[error("not a web address")]
    NotWeb,
    /// The start names a private address and they are not allowed.
    #[error("the address is on a private network")]
    PrivateAddress,
    /// robots.txt answered 5xx or could not be reached: nothing is crawled.
    #[error("robots.txt cannot be read ({0}), so nothing may be crawled")]
    RobotsUnavailable(Box<Self>),
    /// robots.txt disallows the start (or a redirect target).
    #[error("disallowed by robots.txt")]
    RobotsDisallowed,
    /// An answer that is neither 2xx nor a followed redirect.
    #[error("HTTP {0}")]
    Status(u16),
    /// A redirect to another site.
    #[error("redirects off the site, to {0}")]
    OffsiteRedirect(url::Url),
    /// More than [`MAX_REDIRECTS`] redirects.
    #[error("too many redirects")]
    TooManyRedirects,
    /// An answer that is not HTML (its media type).
    #[error("not an HTML page ({0})")]
    NotHtml(String),
    /// A sitemap URL whose body is not sitemap XML.
    #[error("not a sitemap")]
    NotSitemap,
    /// A body over [`MAX_PAGE_BYTES`] (or [`MAX_SITEMAP_BYTES`]).
    #[error("too large")]
    TooLarge,
    /// No complete answer within [`PAGE_TIMEOUT`].
    #[error("timed out")]
    Timeout,
    /// No connection (refused, unknown name, or a private address refused).
    #[error("cannot connect")]
    Unreachable,
    /// The connection failed during the request.
    #[error("network error")]
    Network,
    /// A redirect to a page already listed.
    #[error("the same page as {0}")]
    Duplicate(url::Url),
    /// A page without main text.
    #[error("no text on the page")]
    Empty,
    /// The page could not be turned into text.
    #[error("the page cannot be read")]
    Unreadable,
}

impl Failure {
    /// A stable snake-case code for the dashboard.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotWeb => "not_web",
            Self::PrivateAddress => "private_address",
            Self::RobotsUnavailable(_) => "robots_unavailable",
            Self::RobotsDisallowed => "robots_disallowed",
            Self::Status(_) => "http_status",
            Self::OffsiteRedirect(_) => "offsite_redirect",
            Self::TooManyRedirects => "too_many_redirects",
            Self::NotHtml(_) => "not_html",
            Self::NotSitemap => "not_sitemap",
            Self::TooLarge => "too_large",
            Self::Timeout => "timeout",
            Self::Unreachable => "unreachable",
            Self::Network => "network",
            Self::Duplicate(_) => "duplicate",
            Self::Empty => "empty",
            Self::Unreadable => "unreadable",
        }
    }
}
