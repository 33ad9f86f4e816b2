//! `aiwidget serve` in a process of its own, as systemd runs it: its
//! open-streams gauge counts exactly its own streams (no other test's),
//! `METRICS_TOKEN` comes from the environment, and `LOG_FORMAT=json`
//! writes JSON lines that never carry a visitor's token.

use super::sample;
use crate::helpers::TestDb;
use crate::operator_client::Operator;
use crate::served::{Served, aiwidget};
use crate::widget_client::{Widget, project};
use fake_openai::FakeOpenAi;
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

const TOKEN: &str = "process-scrape-token";

/// The metrics token from the environment, and JSON logs.
fn with_metrics(command: &mut Command) {
    command
        .env("METRICS_TOKEN", TOKEN)
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info");
}

/// `aiwidget_event_streams_open{kind}` of `served` now.
async fn open_streams(served: &Served, kind: &str) -> f64 {
    let text = super::scrape(&served.app).await;
    sample(&text, "aiwidget_event_streams_open", &[("kind", kind)])
        .unwrap_or_else(|| panic!("the {kind} gauge is shown: {text}"))
}

/// Polls (every 50 ms, up to 5 s) until the `kind` gauge reads `value`.
async fn wait_for_streams(served: &Served, kind: &str, value: f64) -> bool {
    for _ in 0..100 {
        if open_streams(served, kind).await == value {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Streams count while they are open and stop counting when their client
/// leaves, by kind.
#[tokio::test]
async fn open_event_streams_are_counted_until_their_client_leaves() {
    // Arrange
    let test_db = TestDb::new().await;
    let fake = FakeOpenAi::start().await;
    let served = Served::start_with(&test_db, with_metrics).await;
    let app = &served.app;
    let id = project(app, &fake, json!({})).await;
    let widget = Widget::open(app, &id).await;
    let operator = Operator::admin(app).await;
    assert_eq!(open_streams(&served, "visitor").await, 0.0);
    assert_eq!(open_streams(&served, "operator").await, 0.0);

    // Act: counted before the stream's head is sent
    let visitor_stream = widget.events(None).await;
    let desk = operator.events(None).await;

    // Assert
    assert_eq!(open_streams(&served, "visitor").await, 1.0);
    assert_eq!(open_streams(&served, "operator").await, 1.0);
    drop(visitor_stream);
    assert!(
        wait_for_streams(&served, "visitor", 0.0).await,
        "the visitor left"
    );
    assert_eq!(open_streams(&served, "operator").await, 1.0);
    drop(desk);
    assert!(
        wait_for_streams(&served, "operator", 0.0).await,
        "the operator left"
    );
}

/// `METRICS_TOKEN` from the environment opens `/metrics` through a proxy;
/// the JSON log lines name the route of the event stream, never its token.
#[tokio::test]
async fn the_process_reads_its_metrics_token_and_logs_json_without_tokens() {
    // Arrange
    let test_db = TestDb::new().await;
    let fake = FakeOpenAi::start().await;
    let served = Served::start_with(&test_db, with_metrics).await;
    let app = &served.app;
    let id = project(app, &fake, json!({})).await;
    let widget = Widget::open(app, &id).await;
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
    drop(widget.events(None).await);
    let with_token = proxied(Some(TOKEN)).await.expect("sent");
    let without = proxied(None).await.expect("sent");

    // Assert
    assert_eq!(with_token.status(), 200);
    assert_eq!(without.status(), 404);
    let lines = log_lines(&served).await;
    let streamed = |line: &Value| {
        line["spans"].as_array().is_some_and(|spans| {
            spans
                .iter()
                .any(|span| span["route"] == "/api/v1/widget/events")
        })
    };
    assert!(lines.iter().any(|line| line["message"] == "listening"));
    let log = std::fs::read_to_string(&served.log).expect("log");
    assert!(
        !log.contains(&widget.token),
        "the visitor's token is never logged"
    );
    assert!(!log.contains(TOKEN), "nor the metrics token");
    assert!(lines.iter().any(streamed), "{log}");
}

/// Every line of the process's log, each a JSON object; waits (up to 5 s)
/// for the line of the event stream's answer.
async fn log_lines(served: &Served) -> Vec<Value> {
    for _ in 0..100 {
        let log = std::fs::read_to_string(&served.log).expect("log");
        if log.contains("/api/v1/widget/events") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = std::fs::read_to_string(&served.log).expect("log");
    log.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}"));
            assert!(
                value["level"].is_string() && value["timestamp"].is_string(),
                "{line}"
            );
            value
        })
        .collect()
}

/// Any other `LOG_FORMAT` stops the start with a message naming it.
#[test]
fn an_unknown_log_format_stops_the_start_by_name() {
    let site = tempfile::tempdir().expect("site dir");
    let database_url = format!("sqlite://{}/never.db?mode=rwc", site.path().display());
    let output = aiwidget(site.path(), &database_url, 0)
        .env("LOG_FORMAT", "xml")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("LOG_FORMAT: `xml`"), "{said}");
}
