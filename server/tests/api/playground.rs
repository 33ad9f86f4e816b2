//! `POST /api/v1/admin/projects/{id}/playground`: an admin asks the AI as a
//! visitor would, streamed, without a conversation, on the daily budget.

use crate::helpers::{TestApp, json};
use crate::widget_client::{Frame, post_stream_frames, shop};
use engine::db::entities::{
    conversations, knowledge_files, messages, projects, usage_daily, visitors,
};
use fake_openai::Fault;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

/// `POST …/playground` with `body` as `token`.
pub(crate) async fn ask(app: &TestApp, id: &str, token: &str, body: &Value) -> reqwest::Response {
    app.authed(
        reqwest::Method::POST,
        &format!("/api/v1/admin/projects/{id}/playground"),
        token,
    )
    .json(body)
    .send()
    .await
    .expect("sent")
}

/// The frames of a playground stream up to its `message` or `error`.
pub(crate) async fn frames(response: reqwest::Response) -> Vec<Frame> {
    post_stream_frames(response, "message").await
}

/// Today's AI budget of project `id`: (answers, tokens).
async fn usage(app: &TestApp, id: &str) -> (i32, i64) {
    let rows = usage_daily::Entity::find()
        .filter(usage_daily::Column::ProjectId.eq(Uuid::parse_str(id).expect("uuid")))
        .all(&app.db)
        .await
        .expect("query");
    rows.iter().fold((0, 0), |(answers, tokens), row| {
        (answers + row.ai_messages, tokens + row.ai_tokens)
    })
}

/// A page of an imported website, known at the provider as `file_id`.
async fn page(app: &TestApp, project_id: &str, file_id: &str, url: &str, title: &str) {
    let now = chrono::Utc::now();
    knowledge_files::ActiveModel {
        id: Set(Uuid::new_v4()),
        project_id: Set(Uuid::parse_str(project_id).expect("uuid")),
        source: Set("site".to_owned()),
        site_id: Set(None),
        qa_id: Set(None),
        name: Set("delivery.md".to_owned()),
        url: Set(Some(url.to_owned())),
        title: Set(Some(title.to_owned())),
        text: Set("We deliver in two days.".to_owned()),
        bytes: Set(23),
        content_hash: Set("hash".to_owned()),
        provider_file_id: Set(Some(file_id.to_owned())),
        vector_store_id: Set(Some("vs_faq".to_owned())),
        status: Set("ready".to_owned()),
        error: Set(None),
        attempts: Set(0),
        retry_at: Set(now),
        lease_owner: Set(None),
        lease_expires_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        embedded_with: Set(None),
    }
    .insert(&app.db)
    .await
    .expect("page stored");
}

/// The playground answers as a visitor's first message would be answered
/// (instructions, model, the own store and the chosen ones), streams the
/// text, cites the page with its address and title, and stores nothing.
#[tokio::test]
async fn the_playground_streams_the_answer_with_cited_pages_and_stores_nothing() {
    // Arrange
    let (app, fake, id) = shop(json!({"vector_store_ids": ["vs_prices"]})).await;
    let mut project: projects::ActiveModel =
        projects::Entity::find_by_id(Uuid::parse_str(&id).expect("uuid"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("project")
            .into();
    project.own_vector_store_id = Set(Some("vs_faq".to_owned()));
    project.update(&app.db).await.expect("own store set");
    page(
        &app,
        &id,
        "file-delivery",
        "https://shop.example/delivery",
        "Delivery",
    )
    .await;
    fake.set_citations(&[("file-delivery", "delivery.md")]);
    fake.set_reply("We deliver in two days.");
    let token = app.admin_token().await;

    // Act
    let frames =
        frames(ask(&app, &id, &token, &json!({"text": "How fast is delivery?"})).await).await;

    // Assert
    assert_eq!(frames[0].event, "instructions", "{frames:?}");
    assert_eq!(
        frames[0].data,
        json!({
            "instructions": "You are the shop's assistant.",
            "model": "gpt-4.1-mini",
            "vector_store_ids": ["vs_faq", "vs_prices"],
        })
    );
    let streamed: String = frames
        .iter()
        .filter(|frame| frame.event == "delta")
        .map(|frame| frame.data["text"].as_str().expect("text"))
        .collect();
    assert_eq!(streamed, "We deliver in two days.");
    let answer = &frames.last().expect("a frame");
    assert_eq!(answer.event, "message", "{frames:?}");
    assert_eq!(answer.data["text"], "We deliver in two days.");
    assert_eq!(answer.data["handoff"], Value::Null);
    let source = &answer.data["sources"][0];
    assert_eq!(source["file_id"], "file-delivery");
    assert_eq!(source["url"], "https://shop.example/delivery");
    assert_eq!(source["title"], "Delivery");
    let call = fake
        .requests()
        .into_iter()
        .find(|request| request.path == "/v1/responses")
        .expect("the AI was asked");
    let body = call.body.expect("a JSON body");
    assert_eq!(body["instructions"], "You are the shop's assistant.");
    assert!(
        body["input"].to_string().contains("How fast is delivery?"),
        "{body}"
    );
    assert!(body["tools"].to_string().contains("vs_faq"), "{body}");
    assert!(body["tools"].to_string().contains("vs_prices"), "{body}");
    assert_eq!(
        conversations::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        messages::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        visitors::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        0
    );
}

/// A playground answer counts in today's budget like a visitor's, and is
/// refused before anything streams once the budget is spent.
#[tokio::test]
async fn the_playground_counts_against_the_daily_budget_and_is_refused_once_spent() {
    // Arrange
    let (app, fake, id) = shop(json!({"limits": {"daily_ai_messages": 1}})).await;
    let token = app.admin_token().await;

    // Act
    let first = frames(ask(&app, &id, &token, &json!({"text": "Hello"})).await).await;
    let counted = usage(&app, &id).await;
    let second = ask(&app, &id, &token, &json!({"text": "Hello again"})).await;

    // Assert
    assert_eq!(first.last().expect("a frame").event, "message", "{first:?}");
    assert_eq!(counted.0, 1, "one answer counted");
    assert!(counted.1 > 0, "its tokens counted: {counted:?}");
    let (status, body) = json(second).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("ai_budget_spent")),
        "{body}"
    );
    let calls = fake
        .requests()
        .iter()
        .filter(|request| request.path == "/v1/responses")
        .count();
    assert_eq!(calls, 1, "the refused question never reached the provider");
}

/// A provider refusal after the stream began is an `error` event, and the
/// answer that never came is given back to the budget.
#[tokio::test]
async fn a_provider_refusal_is_an_error_event_and_the_answer_is_given_back() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    fake.fail_next(Fault::InvalidKey);

    // Act
    let frames = frames(ask(&app, &id, &token, &json!({"text": "Hello"})).await).await;

    // Assert
    let last = frames.last().expect("a frame");
    assert_eq!(last.event, "error", "{frames:?}");
    assert_eq!(last.data["error"], "upstream_invalid_key");
    assert!(
        last.data["message"]
            .as_str()
            .is_some_and(|text| !text.is_empty())
    );
    assert_eq!(usage(&app, &id).await, (0, 0), "nothing spent");
}

/// The playground's refusals before anything streams.
#[tokio::test]
async fn the_playground_refuses_without_a_key_a_valid_text_or_an_admin() {
    // Arrange
    let (app, _fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let (status, keyless) = app.create_project(&token, json!({"name": "No key"})).await;
    assert_eq!(status, 201, "{keyless}");
    let keyless = keyless["id"].as_str().expect("id").to_owned();
    let operator = app
        .user_token("operator", &[Uuid::parse_str(&id).expect("uuid")])
        .await;
    let too_long = "a".repeat(2001);
    let cases = [
        (
            &id,
            &token,
            json!({"text": "  "}),
            400,
            "validation_failed",
            "an empty text",
        ),
        (
            &id,
            &token,
            json!({"text": too_long}),
            400,
            "validation_failed",
            "a text over the limit",
        ),
        (
            &keyless,
            &token,
            json!({"text": "Hi"}),
            409,
            "no_api_key",
            "a project without a key",
        ),
        (
            &id,
            &operator,
            json!({"text": "Hi"}),
            403,
            "admin_only",
            "an operator of the project",
        ),
        (
            &Uuid::new_v4().to_string(),
            &token,
            json!({"text": "Hi"}),
            404,
            "project_not_found",
            "an unknown project",
        ),
    ];

    for (project, who, body, want_status, want_code, case) in cases {
        // Act
        let (status, body) = json(ask(&app, project, who, &body).await).await;

        // Assert
        assert_eq!(
            (status, body["error"].as_str()),
            (want_status, Some(want_code)),
            "{case}: {body}"
        );
    }
    assert_eq!(usage(&app, &id).await, (0, 0), "nothing reserved");
}
