//! The crawl itself: robots.txt, the first URL (a page or a sitemap), then
//! the listed pages [`CONCURRENCY`] at a time.

use super::fetch::{self, Cap, Fetched};
use super::frontier::Frontier;
use super::robots::Robots;
use super::site::{self, Site};
use super::sitemap::{self, Entry, Sitemap};
use super::{
    CONCURRENCY, CrawlEvent, CrawlSpec, Failure, MAX_FOUND, MAX_PAGE_BYTES, MAX_ROBOTS_BYTES,
    MAX_SITEMAP_BYTES, MAX_SITEMAP_DEPTH, MAX_SITEMAPS,
};
use crate::knowledge::extract::{self, Page};
use futures_util::Stream;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::task::JoinSet;
use url::Url;

/// Crawls `spec.start`'s site with `client` (build it with
/// [`http_client(spec.allow_private)`](crate::services::upstream::http_client):
/// redirects off, private addresses refused at resolution unless allowed).
///
/// The stream ends when every listed page is read or failed, when
/// `max_pages` pages are read, or after a single [`CrawlEvent::Failed`] when
/// the crawl cannot start. Dropping it cancels the crawl and its requests.
pub fn crawl(
    client: reqwest::Client,
    spec: CrawlSpec,
) -> impl Stream<Item = CrawlEvent> + Send + 'static {
    async_stream::stream! {
        let max_pages = spec.max_pages.max(1);
        let start = site::normalize(spec.start);
        if let Err(reason) = check_start(&start, spec.allow_private) {
            yield CrawlEvent::Failed { url: start, reason };
            return;
        }
        let (start, robots) = match read_robots(&client, start).await {
            Ok(found) => found,
            Err((url, reason)) => {
                yield CrawlEvent::Failed { url, reason };
                return;
            }
        };
        if !robots.allows(&start) {
            yield CrawlEvent::Failed { url: start, reason: Failure::RobotsDisallowed };
            return;
        }
        let site = Site::of(&start);
        let robots = Arc::new(robots);
        let is_sitemap_url = start.path().to_ascii_lowercase().ends_with(".xml");
        let cap = Cap::Refuse(if is_sitemap_url { MAX_SITEMAP_BYTES } else { MAX_PAGE_BYTES });
        let follow = |target: &Url| within(&site, &robots, target);
        let first = match fetch::get(&client, &start, &follow, cap).await {
            Ok(first) => first,
            Err(reason) => {
                yield CrawlEvent::Failed { url: start, reason };
                return;
            }
        };
        let mut state = Frontier::new(site.clone(), Arc::clone(&robots));
        if first.is_html() {
            // A start page: read it, follow links, add robots.txt's sitemaps.
            state.follow_links = true;
            state.list_start(start.clone());
            yield CrawlEvent::Found { total: state.found };
            let result = to_page(first).await;
            for event in state.finish(start, result) {
                yield event;
            }
            let sitemaps = robots.sitemaps.iter().filter_map(|loc| Url::parse(loc).ok());
            let (entries, failures) = read_sitemaps(&client, &site, &robots, sitemaps.collect()).await;
            for (url, reason) in failures {
                tracing::debug!(%url, %reason, "a sitemap of robots.txt was not read");
            }
            let before = state.found;
            state.offer_entries(entries);
            if state.found > before {
                yield CrawlEvent::Found { total: state.found };
            }
        } else if first.is_xml() || is_sitemap_url {
            let listed = match sitemap::parse(&String::from_utf8_lossy(&first.body)) {
                Some(Sitemap::Pages(entries)) => (entries, Vec::new()),
                Some(Sitemap::Index(locs)) => {
                    let urls = locs.iter().filter_map(|loc| Url::parse(loc).ok()).collect();
                    read_sitemaps(&client, &site, &robots, urls).await
                }
                None => {
                    yield CrawlEvent::Failed { url: start, reason: Failure::NotSitemap };
                    return;
                }
            };
            let (entries, failures) = listed;
            for (url, reason) in failures {
                yield CrawlEvent::Failed { url, reason };
            }
            state.offer_entries(entries);
            yield CrawlEvent::Found { total: state.found };
        } else {
            yield CrawlEvent::Failed { url: start, reason: not_html(&first) };
            return;
        }

        let mut tasks = JoinSet::new();
        while state.pages < max_pages {
            while state.pages + tasks.len() < max_pages && tasks.len() < CONCURRENCY {
                let Some(url) = state.queue.pop_front() else {
                    break;
                };
                tasks.spawn(read_page(client.clone(), site.clone(), Arc::clone(&robots), url));
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            match joined {
                Ok((url, result)) => {
                    for event in state.finish(url, result) {
                        yield event;
                    }
                }
                Err(err) => tracing::error!(error = %err, "a crawler task failed"),
            }
        }
    }
}

/// The start's own checks: a web URL, not naming a private place unless
/// allowed.
fn check_start(start: &Url, allow_private: bool) -> Result<(), Failure> {
    if !site::is_web(start) {
        return Err(Failure::NotWeb);
    }
    if !allow_private && crate::llm::addresses::is_private_host(start) {
        return Err(Failure::PrivateAddress);
    }
    Ok(())
}

/// A redirect target the crawler may follow: on the site and allowed.
fn within(site: &Site, robots: &Robots, target: &Url) -> Result<(), Failure> {
    if !site.contains(target) {
        return Err(Failure::OffsiteRedirect(target.clone()));
    }
    if !robots.allows(target) {
        return Err(Failure::RobotsDisallowed);
    }
    Ok(())
}

/// The site's robots.txt, and the start moved to the alias it redirects to
/// (if it does). 4xx and redirect loops or exits mean no rules; anything
/// else that is not a 2xx stops the crawl (the robots.txt URL and why).
async fn read_robots(
    client: &reqwest::Client,
    start: Url,
) -> Result<(Url, Robots), (Url, Failure)> {
    let mut robots_url = start.clone();
    robots_url.set_path("/robots.txt");
    robots_url.set_query(None);
    let home = Site::of(&robots_url);
    let follow = |target: &Url| {
        if home.contains(target) || site::is_alias(&robots_url, target) {
            Ok(())
        } else {
            Err(Failure::OffsiteRedirect(target.clone()))
        }
    };
    match fetch::get(
        client,
        &robots_url,
        &follow,
        Cap::Truncate(MAX_ROBOTS_BYTES),
    )
    .await
    {
        Ok(fetched) => {
            let start = if home.contains(&fetched.url) {
                start
            } else {
                site::rebase(&start, &fetched.url)
            };
            Ok((
                start,
                Robots::parse(&String::from_utf8_lossy(&fetched.body)),
            ))
        }
        Err(
            Failure::Status(400..=499) | Failure::TooManyRedirects | Failure::OffsiteRedirect(_),
        ) => Ok((start, Robots::allow_all())),
        Err(reason) => Err((robots_url, Failure::RobotsUnavailable(Box::new(reason)))),
    }
}

/// The pages of the sitemaps at `urls` and of the indexes they lead to
/// (same site, allowed by robots.txt), with the sitemaps that failed.
async fn read_sitemaps(
    client: &reqwest::Client,
    site: &Site,
    robots: &Robots,
    urls: Vec<Url>,
) -> (Vec<Entry>, Vec<(Url, Failure)>) {
    let mut pending: VecDeque<(Url, usize)> = urls.into_iter().map(|url| (url, 1)).collect();
    let mut entries = Vec::new();
    let mut failures = Vec::new();
    let mut read = 0;
    let follow = |target: &Url| within(site, robots, target);
    while let Some((url, depth)) = pending.pop_front() {
        if read >= MAX_SITEMAPS || entries.len() >= MAX_FOUND {
            break;
        }
        if !site.contains(&url) || !robots.allows(&url) {
            continue;
        }
        read += 1;
        let fetched = fetch::get(client, &url, &follow, Cap::Refuse(MAX_SITEMAP_BYTES)).await;
        match fetched.map(|f| sitemap::parse(&String::from_utf8_lossy(&f.body))) {
            Ok(Some(Sitemap::Pages(found))) => entries.extend(found),
            Ok(Some(Sitemap::Index(locs))) if depth < MAX_SITEMAP_DEPTH => {
                let next = locs.iter().filter_map(|loc| Url::parse(loc).ok());
                pending.extend(next.map(|url| (url, depth + 1)));
            }
            Ok(Some(Sitemap::Index(_))) => {
                tracing::debug!(%url, "sitemap index nested too deep");
            }
            Ok(None) => failures.push((url, Failure::NotSitemap)),
            Err(reason) => failures.push((url, reason)),
        }
    }
    (entries, failures)
}

/// Fetches and reads one listed page (a task of its own).
async fn read_page(
    client: reqwest::Client,
    site: Site,
    robots: Arc<Robots>,
    url: Url,
) -> (Url, Result<(Url, Page), Failure>) {
    let follow = |target: &Url| within(&site, &robots, target);
    let result = match fetch::get(&client, &url, &follow, Cap::Refuse(MAX_PAGE_BYTES)).await {
        Ok(fetched) => to_page(fetched).await,
        Err(reason) => Err(reason),
    };
    (url, result)
}

/// An HTML answer as a page (parsed on a blocking thread), with the URL it
/// was read at.
async fn to_page(fetched: Fetched) -> Result<(Url, Page), Failure> {
    if !fetched.is_html() {
        return Err(not_html(&fetched));
    }
    tokio::task::spawn_blocking(move || {
        let page = extract::page(&fetched.text(), &fetched.url);
        (fetched.url, page)
    })
    .await
    .map_err(|err| {
        tracing::warn!(error = %err, "a crawled page could not be parsed");
        Failure::Unreadable
    })
}

fn not_html(fetched: &Fetched) -> Failure {
    let media_type = if fetched.media_type.is_empty() {
        "no content type"
    } else {
        &fetched.media_type
    };
    Failure::NotHtml(media_type.to_owned())
}
