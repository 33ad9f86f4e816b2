#![allow(clippy::unwrap_used)]

use super::*;
use crate::services::upstream::http_client;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use futures_util::StreamExt;
use sha2::Digest;
use std::sync::{Arc, Mutex};

/// The paths (with queries) the test site was asked for, in order.
type Log = Arc<Mutex<Vec<String>>>;

async fn record(State(log): State<Log>, request: Request, next: Next) -> Response {
    let target = request.uri().path_and_query().map(ToString::to_string);
    log.lock().unwrap().push(target.unwrap_or_default());
    next.run(request).await
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><title>{title}</title></head><body><main><h1>{title}</h1><p>Text of {title}.</p>{body}</main></body></html>"
    ))
}

/// A small site: robots.txt disallowing `/private` (but `/private/open`),
/// pages linking to each other and off the site, a 500, redirects on and off
/// the site, JSON, a page over the size cap, sitemaps.
fn site(base: &str, robots_status: StatusCode) -> Router<Log> {
    let robots = format!(
        "User-agent: *\nDisallow: /private\nAllow: /private/open\n\nUser-agent: otherbot\nDisallow: /\n\nSitemap: {base}/robots-sitemap.xml\nSitemap: https://other.example/sitemap.xml\n"
    );
    let robots_sitemap = format!(
        "<urlset><url><loc>{base}/from-sitemap</loc></url><url><loc>{base}/a</loc></url></urlset>"
    );
    let index = format!(
        "<?xml version=\"1.0\"?><sitemapindex><sitemap><loc>{base}/sitemap.xml</loc></sitemap><sitemap><loc>{base}/missing.xml</loc></sitemap></sitemapindex>"
    );
    let sitemap = format!(
        "<urlset><url><loc>{base}/a</loc><lastmod>2026-01-02</lastmod></url><url><loc>{base}/b#x</loc></url><url><loc>{base}/private/secret</loc></url><url><loc>https://other.example/x</loc></url></urlset>"
    );
    let xml =
        |body: String| move || async move { ([(header::CONTENT_TYPE, "application/xml")], body) };
    Router::new()
        .route(
            "/robots.txt",
            get(move || async move { (robots_status, robots) }),
        )
        .route("/robots-sitemap.xml", get(xml(robots_sitemap)))
        .route("/sitemap_index.xml", get(xml(index)))
        .route("/sitemap.xml", get(xml(sitemap)))
        .route(
            "/",
            get(|| async {
                page(
                    "Home",
                    r#"<a href="/a">A</a> <a href="/a#top">A again</a> <a href="/a?x=1">A query</a>
                    <a href="b">B</a> <a href="/private/secret">secret</a> <a href="/private/open">open</a>
                    <a href="/broken">broken</a> <a href="/old">old</a> <a href="/away">away</a>
                    <a href="/file.pdf">pdf</a> <a href="/data">data</a> <a href="/big">big</a>
                    <a href="https://other.example/">elsewhere</a> <a href="mailto:a@b.c">mail</a>"#,
                )
            }),
        )
        .route("/a", get(|| async { page("A", r#"<a href="/">home</a> <a href="/c">C</a>"#) }))
        .route("/b", get(|| async { page("B", r#"<a href="/a">A</a>"#) }))
        .route("/c", get(|| async { page("C", "") }))
        .route("/moved", get(|| async { page("Moved", "") }))
        .route("/from-sitemap", get(|| async { page("Listed", "") }))
        .route("/private/open", get(|| async { page("Open", "") }))
        .route("/private/secret", get(|| async { page("Secret", "") }))
        .route("/file.pdf", get(|| async { "%PDF-1.4" }))
        .route("/broken", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/old", get(|| async { Redirect::permanent("/moved") }))
        .route("/away", get(|| async { Redirect::temporary("https://other.example/") }))
        .route(
            "/data",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], "{}") }),
        )
        .route("/big", get(|| async { big_page() }))
}

/// Over [`MAX_PAGE_BYTES`], streamed without a `Content-Length`.
fn big_page() -> impl IntoResponse {
    let chunk = format!("<p>{}</p>", "x".repeat(1024 * 1024));
    let chunks = (0..6).map(move |_| Ok::<_, std::io::Error>(chunk.clone()));
    (
        [(header::CONTENT_TYPE, "text/html")],
        Body::from_stream(futures_util::stream::iter(chunks)),
    )
}

/// Serves the test site on 127.0.0.1; its base URL and request log.
async fn serve(robots_status: StatusCode) -> (String, Log) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Log::default();
    let app = site(&base, robots_status)
        .layer(middleware::from_fn_with_state(log.clone(), record))
        .with_state(log.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, log)
}

async fn run(start: &str, max_pages: usize, allow_private: bool) -> Vec<CrawlEvent> {
    let spec = CrawlSpec {
        start: url::Url::parse(start).unwrap(),
        max_pages,
        allow_private,
    };
    crawl(http_client(allow_private).unwrap(), spec)
        .collect()
        .await
}

fn pages(events: &[CrawlEvent]) -> Vec<&CrawledPage> {
    events
        .iter()
        .filter_map(|event| match event {
            CrawlEvent::Page(page) => Some(page),
            _ => None,
        })
        .collect()
}

fn page_paths(events: &[CrawlEvent]) -> Vec<String> {
    let mut paths: Vec<String> = pages(events)
        .iter()
        .map(|page| page.url[url::Position::BeforePath..].to_owned())
        .collect();
    paths.sort();
    paths
}

fn failures(events: &[CrawlEvent]) -> Vec<(String, Failure)> {
    let mut failed: Vec<(String, Failure)> = events
        .iter()
        .filter_map(|event| match event {
            CrawlEvent::Failed { url, reason } => {
                Some((url[url::Position::BeforePath..].to_owned(), reason.clone()))
            }
            _ => None,
        })
        .collect();
    failed.sort_by(|a, b| a.0.cmp(&b.0));
    failed
}

fn last_found(events: &[CrawlEvent]) -> Option<usize> {
    events.iter().rev().find_map(|event| match event {
        CrawlEvent::Found { total } => Some(*total),
        _ => None,
    })
}

fn requested(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// From the home page: same-site links breadth-first, robots.txt rules and
/// sitemap, redirects, and a reason for every URL that gave no page.
#[tokio::test]
async fn crawl_from_start_page_reads_the_site_within_its_rules() {
    // Arrange
    let (base, log) = serve(StatusCode::OK).await;

    // Act
    let events = run(&format!("{base}/"), 50, true).await;

    // Assert
    assert_eq!(
        page_paths(&events),
        [
            "/",
            "/a",
            "/a?x=1",
            "/b",
            "/c",
            "/from-sitemap",
            "/moved",
            "/private/open"
        ],
        "{events:#?}"
    );
    let failed = failures(&events);
    assert_eq!(
        failed,
        [
            (
                "/away".to_owned(),
                Failure::OffsiteRedirect(url::Url::parse("https://other.example/").unwrap())
            ),
            ("/big".to_owned(), Failure::TooLarge),
            ("/broken".to_owned(), Failure::Status(500)),
            (
                "/data".to_owned(),
                Failure::NotHtml("application/json".to_owned())
            ),
        ]
    );
    assert_eq!(
        last_found(&events),
        Some(12),
        "every listed URL ends as a page or a failure"
    );
    let asked = requested(&log);
    for never in ["/private/secret", "/file.pdf", "/a#top"] {
        assert!(
            !asked.iter().any(|path| path == never),
            "{never} requested: {asked:?}"
        );
    }
    assert_eq!(
        asked.iter().filter(|path| *path == "/a").count(),
        1,
        "{asked:?}"
    );
    let home = pages(&events)[0];
    assert_eq!(home.title.as_deref(), Some("Home"));
    assert!(home.markdown.contains("Text of Home."), "{}", home.markdown);
    assert_eq!(
        home.content_hash,
        hex::encode(sha2::Sha256::digest(home.markdown.as_bytes()))
    );
}

/// The crawl ends at `max_pages` pages read, without fetching more.
#[tokio::test]
async fn crawl_stops_at_the_page_limit() {
    // Arrange
    let (base, log) = serve(StatusCode::OK).await;

    // Act
    let events = run(&format!("{base}/"), 3, true).await;

    // Assert
    assert_eq!(pages(&events).len(), 3, "{events:#?}");
    let fetched_pages = requested(&log)
        .into_iter()
        .filter(|path| !path.ends_with(".txt") && !path.ends_with(".xml"))
        .count();
    assert_eq!(fetched_pages, 3);
}

/// From a sitemap index: the listed pages of the site only (with their
/// `lastmod`), no links followed, a failed sitemap reported.
#[tokio::test]
async fn crawl_from_sitemap_reads_listed_pages_only() {
    // Arrange
    let (base, log) = serve(StatusCode::OK).await;

    // Act
    let events = run(&format!("{base}/sitemap_index.xml"), 50, true).await;

    // Assert
    assert_eq!(page_paths(&events), ["/a", "/b"], "{events:#?}");
    assert_eq!(
        failures(&events),
        [("/missing.xml".to_owned(), Failure::Status(404))]
    );
    assert_eq!(last_found(&events), Some(2));
    let a = pages(&events)
        .into_iter()
        .find(|p| p.url.path() == "/a")
        .unwrap();
    assert_eq!(a.lastmod.unwrap().to_rfc3339(), "2026-01-02T00:00:00+00:00");
    let asked = requested(&log);
    for never in ["/c", "/private/secret", "/"] {
        assert!(
            !asked.iter().any(|path| path == never),
            "{never} requested: {asked:?}"
        );
    }
}

/// A start page robots.txt disallows is not fetched.
#[tokio::test]
async fn crawl_refuses_a_start_disallowed_by_robots() {
    let (base, log) = serve(StatusCode::OK).await;

    let events = run(&format!("{base}/private/secret"), 50, true).await;

    assert_eq!(
        failures(&events),
        [("/private/secret".to_owned(), Failure::RobotsDisallowed)]
    );
    assert_eq!(requested(&log), ["/robots.txt"]);
}

/// A robots.txt that answers 5xx forbids the whole crawl (RFC 9309).
#[tokio::test]
async fn crawl_stops_when_robots_txt_is_unavailable() {
    // Arrange
    let (base, log) = serve(StatusCode::SERVICE_UNAVAILABLE).await;

    // Act
    let events = run(&format!("{base}/"), 50, true).await;

    // Assert
    assert_eq!(
        failures(&events),
        [(
            "/robots.txt".to_owned(),
            Failure::RobotsUnavailable(Box::new(Failure::Status(503)))
        )]
    );
    assert_eq!(events.len(), 1);
    assert_eq!(requested(&log), ["/robots.txt"]);
}

/// A site on 127.0.0.1 is refused when private addresses are not allowed.
#[tokio::test]
async fn crawl_refuses_a_private_address_unless_allowed() {
    // Arrange
    let (base, log) = serve(StatusCode::OK).await;

    // Act
    let events = run(&format!("{base}/"), 50, false).await;

    // Assert
    assert_eq!(
        failures(&events),
        [("/".to_owned(), Failure::PrivateAddress)]
    );
    assert!(requested(&log).is_empty());
}

/// A name that resolves to loopback fails (no panic) with the public-only
/// client, even when the start itself passes the check.
#[tokio::test]
async fn crawl_with_public_only_client_cannot_reach_loopback_names() {
    // Arrange
    let (base, log) = serve(StatusCode::OK).await;
    let port = url::Url::parse(&base).unwrap().port().unwrap();
    let spec = CrawlSpec {
        start: url::Url::parse(&format!("http://localhost:{port}/")).unwrap(),
        max_pages: 5,
        allow_private: true,
    };

    // Act
    let events: Vec<CrawlEvent> = crawl(http_client(false).unwrap(), spec).collect().await;

    // Assert
    let [CrawlEvent::Failed { reason, .. }] = events.as_slice() else {
        panic!("{events:#?}");
    };
    assert_eq!(reason.code(), "robots_unavailable", "{reason}");
    assert!(requested(&log).is_empty());
}
