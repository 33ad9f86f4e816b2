//! `GET /metrics`: who may read it, and what it counts.
//!
//! Servers of this test process share one recorder, and other tests run
//! beside these: counters are compared before and after (they only grow),
//! never to absolute numbers. The open-streams gauge goes up and down with
//! every test's streams, so `process` checks it on a server of its own.

mod process;

use crate::helpers::{ADMIN_PASSWORD, TestApp, TestDb, json, spawn_app, spawn_configured};
use crate::widget_client::{Widget, shop};
use secrecy::SecretString;
use serde_json::json;

/// The value of every sample of `name` whose labels include `labels`,
/// summed (`None` when there is none).
pub(crate) fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let (series_name, series_labels) = match series.split_once('{') {
            Some((series_name, rest)) => (series_name, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let has = |(key, wanted): &(&str, &str)| {
            series_labels
                .split(',')
                .any(|pair| pair == format!("{key}=\"{wanted}\""))
        };
        if series_name == name && labels.iter().all(has) {
            let value: f64 = value.parse().expect("a sample's value is a number");
            found = Some(found.unwrap_or(0.0) + value);
        }
    }
    found
}

/// `GET /metrics` from this host, directly: 200 and the text.
pub(crate) async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

/// Requests are counted by the pattern of the route they matched (ids in a
/// path never become labels), with a duration histogram; the pool is read
/// at the scrape.
#[tokio::test]
async fn requests_are_counted_by_their_matched_route() {
    // Arrange
    let app = spawn_app().await;
    let id = uuid::Uuid::new_v4();
    assert_eq!(app.get("/health").await.status(), 200);
    let conversation = app.get(&format!("/api/v1/admin/conversations/{id}")).await;
    assert_eq!(conversation.status(), 401);
    assert_eq!(app.get(&format!("/no/such/{id}")).await.status(), 404);

    // Act
    let response = app.get("/metrics").await;

    // Assert
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4"
    );
    let text = response.text().await.expect("text");
    let count = |labels: &[(&str, &str)]| sample(&text, "aiwidget_http_requests_total", labels);
    assert!(
        count(&[("route", "/health"), ("method", "GET"), ("status", "200")]) >= Some(1.0),
        "{text}"
    );
    let route = "/api/v1/admin/conversations/{id}";
    assert!(
        count(&[("route", route), ("status", "401")]) >= Some(1.0),
        "{text}"
    );
    assert!(
        count(&[("route", "unmatched"), ("status", "404")]) >= Some(1.0),
        "{text}"
    );
    assert!(!text.contains(&id.to_string()), "no raw path is a label");
    assert!(text.contains("# TYPE aiwidget_http_request_duration_seconds histogram"));
    let buckets = sample(
        &text,
        "aiwidget_http_request_duration_seconds_bucket",
        &[("route", "/health"), ("le", "+Inf")],
    );
    assert!(buckets >= Some(1.0), "{text}");
    for state in ["idle", "in_use"] {
        let connections = sample(&text, "aiwidget_db_pool_connections", &[("state", state)]);
        assert!(connections >= Some(0.0), "{state}: {text}");
    }
}

/// Behind nginx every request comes from loopback with `X-Forwarded-For`:
/// without the token it gets the 404 of an unknown path.
#[tokio::test]
async fn metrics_are_not_served_through_the_proxy_without_a_token() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .expect("sent");

    let (status, body) = json(response).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found", "{body}");
}

/// With `METRICS_TOKEN` set, its holder reads the metrics from anywhere; a
/// wrong or missing token gets 404.
#[tokio::test]
async fn the_metrics_token_opens_metrics_through_the_proxy() {
    // Arrange
    let app = spawn_configured(TestDb::new().await, ADMIN_PASSWORD, |settings| {
        settings.metrics_token = Some(SecretString::from("scrape-token".to_owned()));
    })
    .await;
    let proxied = |token: Option<&str>| {
        let mut request = app
            .client
            .get(format!("{}/metrics", app.address))
            .header("x-forwarded-for", "203.0.113.9");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    // Act
    let right = proxied(Some("scrape-token")).await.expect("sent");
    let wrong = proxied(Some("scrape-tokeN")).await.expect("sent");
    let none = proxied(None).await.expect("sent");

    // Assert
    assert_eq!(right.status(), 200);
    assert!(right.text().await.expect("text").contains("aiwidget_"));
    assert_eq!(wrong.status(), 404);
    assert_eq!(none.status(), 404);
    assert!(
        scrape(&app).await.contains("aiwidget_"),
        "this host still reads them"
    );
}

/// A visitor's message counts under `visitor`; the AI's answer counts an
/// `ai` message, a completed AI call and the tokens the provider reported.
#[tokio::test]
async fn messages_ai_calls_and_tokens_are_counted() {
    // Arrange
    let (app, _fake, project) = shop(json!({})).await;
    let widget = Widget::open(&app, &project).await;
    let mut events = widget.events(None).await;
    let before = scrape(&app).await;

    // Act
    let (status, body) = widget.send("Когда вы открыты?").await;
    assert_eq!(status, 202, "{body}");
    events.until_answer().await;

    // Assert
    let after = scrape(&app).await;
    let grew = |name: &str, labels: &[(&str, &str)], by: f64| {
        let old = sample(&before, name, labels).unwrap_or(0.0);
        let new = sample(&after, name, labels).unwrap_or(0.0);
        assert!(new >= old + by, "{name} {labels:?}: {old} → {new}");
    };
    grew("aiwidget_messages_total", &[("role", "visitor")], 1.0);
    grew("aiwidget_messages_total", &[("role", "ai")], 1.0);
    grew("aiwidget_ai_calls_total", &[("outcome", "completed")], 1.0);
    grew("aiwidget_ai_tokens_total", &[("kind", "input")], 1.0);
    grew("aiwidget_ai_tokens_total", &[("kind", "output")], 1.0);
}
