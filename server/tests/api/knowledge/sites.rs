//! Websites imported into the knowledge base, from a test site this test
//! serves on 127.0.0.1 (a sitemap, robots.txt, links, a page that changes
//! between imports, a page that fails, a page that goes away): progress,
//! pages with their URL and title, re-imports that replace only what
//! changed, and citations of a page linked in the widget.

use super::{call, knowledge, knowledge_until, settled};
use crate::helpers::TestApp;
use crate::widget_client::{Widget, answer, shop};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The test site's changing parts.
#[derive(Default)]
struct Site {
    /// The delivery page's text (changed between imports).
    delivery: String,
    /// Whether `/old` still exists.
    old_exists: bool,
    /// How long each page takes to answer.
    page_delay: std::time::Duration,
}

/// Waits the site's page delay.
async fn slow(site: &Shared) {
    let delay = site.lock().expect("lock").page_delay;
    tokio::time::sleep(delay).await;
}

type Shared = Arc<Mutex<Site>>;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><title>{title}</title></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/delivery\">Delivery</a></nav>\
         <main><h1>{title}</h1><p>{body}</p></main>\
         <footer>© Shop</footer></body></html>"
    )
}

fn html(body: String) -> axum::response::Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// Serves the test site; its address.
async fn serve(site: Shared) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let base = address.clone();
    let app = Router::new()
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nDisallow: /private\n" }),
        )
        .route(
            "/sitemap.xml",
            get(move |State(site): State<Shared>| {
                let base = base.clone();
                async move {
                let mut urls = vec!["/", "/delivery", "/broken", "/private/secret"];
                if site.lock().expect("lock").old_exists {
                    urls.push("/old");
                }
                let body: String = urls
                    .iter()
                    .map(|path| format!("<url><loc>{base}{path}</loc></url>"))
                    .collect();
                (
                    [(header::CONTENT_TYPE, "application/xml")],
                    format!(
                        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{body}</urlset>"
                    ),
                )
                }
            }),
        )
        .route(
            "/",
            get(|State(site): State<Shared>| async move {
                slow(&site).await;
                html(page("Shop", "We sell tea."))
            }),
        )
        .route(
            "/delivery",
            get(|State(site): State<Shared>| async move {
                slow(&site).await;
                let text = site.lock().expect("lock").delivery.clone();
                html(page("Доставка", &text))
            }),
        )
        .route(
            "/old",
            get(|State(site): State<Shared>| async move {
                slow(&site).await;
                if site.lock().expect("lock").old_exists {
                    html(page("Old offer", "Discount until May.")).into_response()
                } else {
                    StatusCode::NOT_FOUND.into_response()
                }
            }),
        )
        .route(
            "/broken",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/private/secret",
            get(|| async { html(page("Secret", "Never imported.")) }),
        )
        .with_state(site);
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    address
}

async fn add_site(app: &TestApp, token: &str, id: &str, url: &str) -> (u16, Value) {
    call(
        app,
        token,
        Method::POST,
        &format!("/api/v1/admin/projects/{id}/knowledge/sites"),
        Some(json!({"url": url, "max_pages": 20, "schedule": "weekly"})),
    )
    .await
}

fn site_done(view: &Value) -> bool {
    view["sites"].as_array().is_some_and(|sites| {
        sites
            .iter()
            .all(|site| matches!(site["status"].as_str(), Some("ready" | "failed")))
    }) && settled(view)
}

fn page_named<'a>(view: &'a Value, url: &str) -> Option<&'a Value> {
    view["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|file| file["url"] == url)
}

/// A sitemap import: every allowed page stored with its URL and title, the
/// failing page reported with its reason, robots.txt respected; then a
/// re-import replaces the changed page, removes the one gone, leaves the
/// rest; a cited page is linked in the widget.
#[tokio::test]
async fn a_website_is_imported_and_synced_again() {
    // Arrange
    let site: Shared = Arc::new(Mutex::new(Site {
        delivery: "По Москве — 1 день.".to_owned(),
        old_exists: true,
        page_delay: std::time::Duration::ZERO,
    }));
    let address = serve(site.clone()).await;
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;

    // Act: the first import.
    let (status, added) = add_site(&app, &token, &id, &format!("{address}/sitemap.xml")).await;
    let first = knowledge_until(&app, &token, &id, site_done).await;

    // Assert
    assert_eq!(status, 202, "{added}");
    let imported = &first["sites"][0];
    assert_eq!(imported["status"], "ready", "{first}");
    assert_eq!(imported["pages"], 3, "/, /delivery and /old: {first}");
    assert_eq!(imported["progress"]["fetched"], 3);
    assert_eq!(imported["progress"]["failed"], 1);
    assert_eq!(imported["failures"][0]["url"], format!("{address}/broken"));
    assert_eq!(imported["failures"][0]["reason"], "HTTP 500");
    let delivery = page_named(&first, &format!("{address}/delivery")).expect("the delivery page");
    assert_eq!(delivery["title"], "Доставка");
    assert_eq!(delivery["source"], "site");
    assert_eq!(delivery["status"], "ready");
    assert!(
        page_named(&first, &format!("{address}/private/secret")).is_none(),
        "robots.txt is respected"
    );
    let stored: Vec<String> = fake
        .files()
        .iter()
        .map(|file| String::from_utf8_lossy(&file.bytes).into_owned())
        .collect();
    assert!(
        stored
            .iter()
            .any(|text| text.contains("По Москве — 1 день.") && !text.contains("© Shop")),
        "the main text, without the footer: {stored:?}"
    );
    let home_file = page_named(&first, &format!("{address}/")).expect("home")["id"].clone();

    // Act: the site changes; a re-import on demand.
    {
        let mut site = site.lock().expect("lock");
        site.delivery = "По Москве — в день заказа.".to_owned();
        site.old_exists = false;
    }
    let files_before = fake.files().len();
    let site_id = imported["id"].as_str().expect("id");
    let (synced, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/admin/projects/{id}/knowledge/sites/{site_id}/sync"),
        None,
    )
    .await;
    let second = knowledge_until(&app, &token, &id, |view| {
        site_done(view) && view["sites"][0]["last_sync_at"] != imported["last_sync_at"]
    })
    .await;

    // Assert
    assert_eq!(synced, 202);
    let again = &second["sites"][0];
    assert_eq!(again["pages"], 2, "/old is removed: {second}");
    assert_eq!(
        (
            again["progress"]["uploaded"].as_i64(),
            again["progress"]["unchanged"].as_i64(),
            again["progress"]["removed"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{again}"
    );
    assert_eq!(
        page_named(&second, &format!("{address}/")).expect("home")["id"],
        home_file,
        "the unchanged page is left as it was"
    );
    assert!(
        crate::helpers::eventually(|| {
            let texts: Vec<String> = fake
                .files()
                .iter()
                .map(|file| String::from_utf8_lossy(&file.bytes).into_owned())
                .collect();
            texts.len() == files_before - 1
                && texts.iter().any(|text| text.contains("в день заказа"))
                && !texts
                    .iter()
                    .any(|text| text.contains("1 день") || text.contains("Discount"))
        })
        .await,
        "the changed page replaced, the removed one deleted at the provider"
    );

    // A cited page shows its title, linked to its address.
    let delivery = page_named(&second, &format!("{address}/delivery")).expect("delivery");
    let provider_file = fake
        .files()
        .into_iter()
        .find(|file| String::from_utf8_lossy(&file.bytes).contains("в день заказа"))
        .expect("the page's file");
    fake.set_citations(&[(&provider_file.id, &provider_file.filename)]);
    let widget = Widget::open(&app, &id).await;
    let mut stream = widget.events(None).await;
    assert_eq!(widget.send("Как быстро доставка?").await.0, 202);
    let frames = stream.until_answer().await;
    let source = &answer(&frames)["sources"][0];
    assert_eq!(source["url"], format!("{address}/delivery"), "{source}");
    assert_eq!(source["title"], "Доставка");
    assert_eq!(source["filename"], delivery["name"]);
}

/// Removing a site removes its pages, here and at the provider; a bad
/// address is refused with the field's reason.
#[tokio::test]
async fn removing_a_site_removes_its_pages() {
    // Arrange
    let site: Shared = Arc::new(Mutex::new(Site {
        delivery: "Курьером.".to_owned(),
        old_exists: false,
        page_delay: std::time::Duration::ZERO,
    }));
    let address = serve(site).await;
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let (_, added) = add_site(&app, &token, &id, &format!("{address}/")).await;
    knowledge_until(&app, &token, &id, site_done).await;
    assert!(!fake.files().is_empty());

    // Act
    let (removed, _) = call(
        &app,
        &token,
        Method::DELETE,
        &format!(
            "/api/v1/admin/projects/{id}/knowledge/sites/{}",
            added["id"].as_str().expect("id")
        ),
        None,
    )
    .await;
    let (refused, reason) = add_site(&app, &token, &id, "ftp://shop.example/").await;

    // Assert
    assert_eq!(removed, 204);
    let view = knowledge(&app, &token, &id).await;
    assert_eq!(
        (view["sites"].clone(), view["files"].clone()),
        (json!([]), json!([]))
    );
    assert!(crate::helpers::eventually(|| fake.files().is_empty()).await);
    assert_eq!(refused, 400);
    assert!(reason["fields"]["url"].is_string(), "{reason}");
}

/// In production a site on a private address is refused, as a provider's
/// base URL would be (`ALLOW_PRIVATE_UPSTREAMS`).
#[tokio::test]
async fn a_private_site_is_refused_in_production() {
    // Arrange
    let app = crate::helpers::spawn_production_app().await;
    let token = app.admin_token().await;
    let (status, project) = app
        .create_project(
            &token,
            json!({"name": "Shop", "openai_api_key": fake_openai::VALID_KEY, "allowed_origins": ["https://shop.example"]}),
        )
        .await;
    assert_eq!(status, 201, "{project}");
    let id = project["id"].as_str().expect("id");

    // Act
    let (refused, reason) = add_site(&app, &token, id, "http://127.0.0.1:9/sitemap.xml").await;

    // Assert
    assert_eq!(refused, 400, "{reason}");
    assert!(
        reason["fields"]["url"]
            .as_str()
            .is_some_and(|words| words.contains("private")),
        "{reason}"
    );
}

/// Jobs are rows under leases: a server killed while a file is processed
/// at the provider and while a website is imported goes on with both after
/// a restart (the dead instance's leases are released at start-up), and
/// nothing is imported twice.
#[tokio::test]
async fn jobs_survive_a_killed_server() {
    // Arrange: a slow site (each page takes a while) and a slow provider.
    let test_db = crate::helpers::TestDb::new().await;
    let fake = fake_openai::FakeOpenAi::start().await;
    fake.set_file_processing(fake_openai::FileProcessing::Delay(
        std::time::Duration::from_secs(2),
    ));
    let site: Shared = Arc::new(Mutex::new(Site {
        delivery: "Самовывоз.".to_owned(),
        old_exists: true,
        page_delay: std::time::Duration::from_millis(800),
    }));
    let address = serve(site).await;
    let mut served = crate::served::Served::start(&test_db).await;
    let id = crate::widget_client::project(&served.app, &fake, json!({})).await;
    let token = served.app.admin_token().await;
    let (uploaded, _) =
        super::upload(&served.app, &token, &id, "hours.txt", b"Open 9 to 18.").await;
    let (added, _) = add_site(&served.app, &token, &id, &format!("{address}/sitemap.xml")).await;
    assert_eq!((uploaded, added), (201, 202));
    let syncing = knowledge_until(&served.app, &token, &id, |view| {
        view["sites"][0]["status"] == "syncing" || view["sites"][0]["status"] == "ready"
    })
    .await;
    assert_eq!(
        syncing["sites"][0]["status"], "syncing",
        "the kill comes while the import runs: {syncing}"
    );

    // Act
    served.kill_and_restart().await;
    let token = served.app.admin_token().await;
    let view = knowledge_until(&served.app, &token, &id, site_done).await;

    // Assert
    assert_eq!(view["sites"][0]["status"], "ready", "{view}");
    assert_eq!(view["sites"][0]["pages"], 3, "{view}");
    assert!(
        view["files"]
            .as_array()
            .expect("files")
            .iter()
            .all(|file| file["status"] == "ready"),
        "{view}"
    );
    let own = view["vector_store_id"].as_str().expect("own store");
    let attached = fake.vector_store_files(own).expect("store");
    let mut names: Vec<String> = attached.iter().map(|file| file.filename.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(
        names.len(),
        attached.len(),
        "nothing attached twice: {names:?}"
    );
}

/// "Sync now" during an import is not lost: another import follows it.
#[tokio::test]
async fn a_sync_asked_during_an_import_follows_it() {
    // Arrange: a slow site, its first import under way.
    let site: Shared = Arc::new(Mutex::new(Site {
        delivery: "Курьером.".to_owned(),
        old_exists: false,
        page_delay: std::time::Duration::from_millis(300),
    }));
    let address = serve(site).await;
    let (app, _fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let (_, added) = add_site(&app, &token, &id, &format!("{address}/sitemap.xml")).await;
    let site_id = added["id"].as_str().expect("id").to_owned();
    let syncing = knowledge_until(&app, &token, &id, |view| {
        view["sites"][0]["status"] != "queued"
    })
    .await;
    assert_eq!(syncing["sites"][0]["status"], "syncing", "{syncing}");

    // Act
    let (status, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/admin/projects/{id}/knowledge/sites/{site_id}/sync"),
        None,
    )
    .await;
    // The second import finds both pages unchanged (the first uploaded them).
    let second = knowledge_until(&app, &token, &id, |view| {
        site_done(view) && view["sites"][0]["progress"]["unchanged"] == 2
    })
    .await;

    // Assert
    assert_eq!(status, 202);
    assert_eq!(second["sites"][0]["status"], "ready", "{second}");
    assert_eq!(second["sites"][0]["progress"]["uploaded"], 0, "{second}");
}
