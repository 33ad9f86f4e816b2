//! What a crawl has listed and read: the queue of pages, each URL once, and
//! the events for each outcome.

use super::robots::Robots;
use super::site::{self, Site};
use super::sitemap::Entry;
use super::{CrawlEvent, CrawledPage, Failure, MAX_FOUND};
use crate::knowledge::extract::Page;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use url::Url;

/// What the crawl has listed and read.
#[derive(Debug)]
pub(super) struct Frontier {
    site: Site,
    robots: Arc<Robots>,
    /// Whether a page's links are listed (not when crawling a sitemap).
    pub(super) follow_links: bool,
    /// Every URL listed, fetched or reached by a redirect.
    known: HashSet<Url>,
    /// Listed, not yet fetched, in order.
    pub(super) queue: VecDeque<Url>,
    /// `<lastmod>` by listed URL.
    lastmod: HashMap<Url, DateTime<Utc>>,
    /// URLs listed ([`CrawlEvent::Found`]).
    pub(super) found: usize,
    /// Pages read.
    pub(super) pages: usize,
}

impl Frontier {
    pub(super) fn new(site: Site, robots: Arc<Robots>) -> Self {
        Self {
            site,
            robots,
            follow_links: false,
            known: HashSet::new(),
            queue: VecDeque::new(),
            lastmod: HashMap::new(),
            found: 0,
            pages: 0,
        }
    }

    /// Lists the start page as fetched already (whatever its extension).
    pub(super) fn list_start(&mut self, url: Url) {
        self.known.insert(url);
        self.found += 1;
    }

    /// Lists `url` if it may be a page of the site that is allowed and new.
    pub(super) fn offer(&mut self, url: Url, lastmod: Option<DateTime<Utc>>) {
        let url = site::normalize(url);
        let listed = site::is_web(&url)
            && self.site.contains(&url)
            && site::may_be_page(&url)
            && self.robots.allows(&url)
            && self.found < MAX_FOUND
            && !self.known.contains(&url);
        if listed {
            if let Some(lastmod) = lastmod {
                self.lastmod.insert(url.clone(), lastmod);
            }
            self.known.insert(url.clone());
            self.queue.push_back(url);
            self.found += 1;
        }
    }

    pub(super) fn offer_entries(&mut self, entries: Vec<Entry>) {
        for entry in entries {
            if let Ok(url) = Url::parse(&entry.loc) {
                self.offer(url, entry.lastmod);
            }
        }
    }

    /// The events for the outcome of `requested`, listing the page's links.
    pub(super) fn finish(
        &mut self,
        requested: Url,
        result: Result<(Url, Page), Failure>,
    ) -> Vec<CrawlEvent> {
        let (url, page) = match result {
            Ok(read) => read,
            Err(reason) => {
                return vec![CrawlEvent::Failed {
                    url: requested,
                    reason,
                }];
            }
        };
        if url != requested && !self.known.insert(url.clone()) {
            return vec![CrawlEvent::Failed {
                url: requested,
                reason: Failure::Duplicate(url),
            }];
        }
        let before = self.found;
        if self.follow_links {
            for link in page.links {
                self.offer(link, None);
            }
        }
        let mut events = Vec::new();
        if page.markdown.trim().is_empty() {
            events.push(CrawlEvent::Failed {
                url: requested,
                reason: Failure::Empty,
            });
        } else {
            self.pages += 1;
            events.push(CrawlEvent::Page(CrawledPage {
                content_hash: hex::encode(Sha256::digest(page.markdown.as_bytes())),
                lastmod: self.lastmod.get(&requested).copied(),
                url,
                title: page.title,
                markdown: page.markdown,
            }));
        }
        if self.found > before {
            events.push(CrawlEvent::Found { total: self.found });
        }
        events
    }
}
