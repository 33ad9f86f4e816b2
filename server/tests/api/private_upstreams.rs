//! In production a project's provider cannot be on the server's own
//! loopback or private network, however its base URL names it: a DNS name
//! that resolves there, or an IP literal saved while private addresses were
//! allowed. The fake provider listens on 127.0.0.1: it must receive nothing.

use crate::helpers::spawn_production_app;
use crate::widget_client::{Widget, answer, project};
use engine::db::entities::projects;
use fake_openai::FakeOpenAi;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

/// A name of this machine that `/etc/hosts` maps to a loopback address and
/// that the save-time check cannot recognise by its spelling (not
/// `localhost`, `*.localhost` or `*.local`).
fn loopback_name() -> Option<String> {
    let hosts = std::fs::read_to_string("/etc/hosts").ok()?;
    hosts.lines().find_map(|line| {
        let mut fields = line.split('#').next()?.split_whitespace();
        let address: std::net::IpAddr = fields.next()?.parse().ok()?;
        if !address.is_loopback() {
            return None;
        }
        fields
            .find(|name| {
                *name != "localhost"
                    && !name.ends_with(".localhost")
                    && !name.ends_with(".local")
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            })
            .map(str::to_owned)
    })
}

/// The port of the fake's base URL (`http://127.0.0.1:<port>/v1`).
fn port_of(fake: &FakeOpenAi) -> u16 {
    url::Url::parse(&fake.base_url)
        .expect("a URL")
        .port()
        .expect("a port")
}

/// A name in `/etc/hosts` pointing at 127.0.0.1 passes the save-time check
/// (it is a name), and is refused when the call connects: the visitor gets
/// the polite notice and the provider on loopback receives nothing.
#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_when_connecting() {
    let Some(name) = loopback_name() else {
        eprintln!(
            "SKIPPED a_name_that_resolves_to_loopback_is_refused_when_connecting: /etc/hosts names no loopback host besides localhost"
        );
        return;
    };
    // Arrange
    let app = spawn_production_app().await;
    let fake = FakeOpenAi::start().await;
    let token = app.admin_token().await;
    let base_url = format!("http://{name}:{}/v1", port_of(&fake));
    // A name passes the save-time check.
    let id = project(&app, &fake, json!({"openai_base_url": base_url})).await;
    let id = id.as_str();
    let widget = Widget::open(&app, id).await;
    let mut events = widget.events(None).await;

    // Act
    widget.send("Привет").await;
    let frames = events.until_answer().await;

    // Assert
    assert_eq!(answer(&frames)["error_kind"], "ai_unavailable");
    let (models_status, models) = crate::helpers::json(
        app.authed(
            reqwest::Method::GET,
            &format!("/api/v1/admin/projects/{id}/models"),
            &token,
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(models_status, 502, "{models}");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

/// A base URL on 127.0.0.1 stored before (saved in development, or
/// imported) is not called by a production server.
#[tokio::test]
async fn a_private_literal_saved_earlier_is_not_called_in_production() {
    // Arrange
    let app = spawn_production_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(
        &app,
        &fake,
        json!({"openai_base_url": "https://proxy.example.com/v1"}),
    )
    .await;
    let id = id.as_str();
    projects::Entity::update_many()
        .col_expr(
            projects::Column::OpenaiBaseUrl,
            Expr::value(fake.base_url.clone()),
        )
        .filter(projects::Column::Id.eq(uuid::Uuid::parse_str(id).expect("uuid")))
        .exec(&app.db)
        .await
        .expect("stored as development would have");
    let widget = Widget::open(&app, id).await;
    let mut events = widget.events(None).await;

    // Act
    widget.send("Привет").await;
    let frames = events.until_answer().await;

    // Assert
    assert_eq!(answer(&frames)["error_kind"], "ai_unavailable");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}
