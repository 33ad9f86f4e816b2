//! The widget's API around the AI: config, sessions, the origin policy and CORS.

use crate::helpers::{json, spawn_app};
use crate::widget_client::{ORIGIN, Widget, post, project};
use fake_openai::FakeOpenAi;
use reqwest::Method;
use serde_json::json;

/// A site on an allowed origin gets its widget's settings; any other origin,
/// `null`, or none at all gets `403 origin_not_allowed`; the dashboard's own
/// origin is allowed (its preview).
#[tokio::test]
async fn config_is_served_to_allowed_origins_only() {
    // Arrange
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(
        &app,
        &fake,
        json!({"widget": {"title": "Магазин", "greeting": "Здравствуйте!"}}),
    )
    .await;
    let path = format!("/api/v1/widget/config?project_id={id}");
    let cases = [
        (Some(ORIGIN), 200, "the allowed origin"),
        (
            Some("https://SHOP.example:443"),
            200,
            "the same origin, not normalised",
        ),
        (Some("http://127.0.0.1"), 200, "the dashboard's own origin"),
        (Some("https://evil.example"), 403, "another origin"),
        (
            Some("https://shop.example.evil.example"),
            403,
            "a look-alike",
        ),
        (Some("null"), 403, "a null origin"),
        (None, 403, "no origin"),
    ];
    for (origin, status, why) in cases {
        // Act
        let mut request = app.client.get(format!("{}{path}", app.address));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let (got, body) = json(request.send().await.expect("sent")).await;
        // Assert
        assert_eq!(got, status, "{why}: {body}");
        if status == 200 {
            assert_eq!(body["title"], "Магазин", "{why}");
            assert_eq!(body["greeting"], "Здравствуйте!");
            assert_eq!(body["ai_enabled"], true);
        } else {
            assert_eq!(body["error"], "origin_not_allowed", "{why}");
        }
    }
    let unknown = format!("/api/v1/widget/config?project_id={}", uuid::Uuid::new_v4());
    let response = app
        .client
        .get(format!("{}{unknown}", app.address))
        .header("origin", ORIGIN)
        .send()
        .await
        .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("project_not_found"))
    );
}

/// Every widget call, the event stream included, refuses a foreign origin.
#[tokio::test]
async fn every_widget_call_refuses_a_foreign_origin() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let token = widget.token.clone();
    let calls = [
        (
            Method::POST,
            "/api/v1/widget/session".to_owned(),
            Some(json!({"project_id": id})),
        ),
        (
            Method::POST,
            "/api/v1/widget/messages".to_owned(),
            Some(json!({"text": "hi"})),
        ),
        (Method::POST, "/api/v1/widget/handoff".to_owned(), None),
        (Method::POST, "/api/v1/widget/typing".to_owned(), None),
        (
            Method::GET,
            format!("/api/v1/widget/events?token={token}"),
            None,
        ),
    ];
    for (method, path, body) in calls {
        for origin in [Some("https://evil.example"), None] {
            let mut request = app
                .client
                .request(method.clone(), format!("{}{path}", app.address))
                .bearer_auth(&token);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let (status, answer) = json(request.send().await.expect("sent")).await;
            assert_eq!(status, 403, "{method} {path} from {origin:?}: {answer}");
            assert_eq!(answer["error"], "origin_not_allowed", "{path}");
        }
    }
    let messages = Widget::open_with(&app, &id, json!({"visitor_token": token})).await;
    assert_eq!(
        messages.session["messages"],
        json!([]),
        "nothing was stored from the foreign origin"
    );
}

/// A returning visitor gets the same conversation; a token of another
/// project, or garbage, is ignored and makes a new visitor.
#[tokio::test]
async fn a_returning_visitor_resumes_the_same_conversation() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let first = project(&app, &fake, json!({})).await;
    let second = project(&app, &fake, json!({"name": "Other"})).await;

    let visit = Widget::open_with(
        &app,
        &first,
        json!({"page_url": "https://shop.example/cart?email=a@b.c#pay", "referrer": "https://search.example/?q=shoes"}),
    )
    .await;
    assert_eq!(visit.session["status"], "ai");
    assert_eq!(visit.session["config"]["project_id"], first.as_str());
    let again = Widget::open_with(&app, &first, json!({"visitor_token": visit.token})).await;
    assert_eq!(
        again.session["conversation_id"],
        visit.session["conversation_id"]
    );

    let elsewhere = Widget::open_with(&app, &second, json!({"visitor_token": visit.token})).await;
    assert_ne!(
        elsewhere.session["conversation_id"],
        visit.session["conversation_id"]
    );
    assert_ne!(elsewhere.token, visit.token);
    let garbage = Widget::open_with(&app, &first, json!({"visitor_token": "not.a.token"})).await;
    assert_ne!(
        garbage.session["conversation_id"],
        visit.session["conversation_id"]
    );

    use sea_orm::EntityTrait;
    let id: uuid::Uuid = visit.session["conversation_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let row = engine::db::entities::conversations::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("stored");
    assert_eq!(row.page_url.as_deref(), Some("https://shop.example/cart"));
    assert_eq!(row.referrer.as_deref(), Some("https://search.example/"));
}

/// An unknown project answers 404, and a visitor token of a removed visitor 401.
#[tokio::test]
async fn unknown_projects_and_bad_tokens_are_refused_clearly() {
    let app = spawn_app().await;
    let (status, body) = json(
        post(
            &app,
            "/api/v1/widget/session",
            None,
            &json!({"project_id": uuid::Uuid::new_v4()}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("project_not_found"))
    );
    let (status, body) = json(
        post(
            &app,
            "/api/v1/widget/messages",
            Some("forged"),
            &json!({"text": "hi"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_visitor_token"))
    );
    let admin = app.admin_token().await;
    let (status, body) = json(
        post(
            &app,
            "/api/v1/widget/messages",
            Some(&admin),
            &json!({"text": "hi"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 401, "an admin session is no visitor token: {body}");
}

/// A preflight from an allowed origin passes with the headers the widget
/// needs and never allows credentials; from an unknown origin it does not pass.
#[tokio::test]
async fn cors_preflights_pass_for_allowed_origins_only() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    project(&app, &fake, json!({})).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(
                Method::OPTIONS,
                format!("{}/api/v1/widget/messages", app.address),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight(ORIGIN).await.expect("sent");
    let headers = allowed.headers();
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    let allow_headers = headers["access-control-allow-headers"]
        .to_str()
        .expect("text")
        .to_ascii_lowercase();
    assert!(allow_headers.contains("authorization") && allow_headers.contains("content-type"));
    assert_eq!(headers["access-control-max-age"], "86400");
    assert!(headers.get("access-control-allow-credentials").is_none());
    let vary: Vec<_> = headers
        .get_all("vary")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    assert!(
        vary.iter()
            .any(|v| v.to_ascii_lowercase().contains("origin")),
        "{vary:?}"
    );

    let refused = preflight("https://evil.example").await.expect("sent");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
