//! Retrieval done by aiwidget for a provider without `file_search`
//! (`chat_completions`, issue 18), against the fake OpenAI's `/embeddings`,
//! whose vectors are predictable (texts sharing words are close): files are
//! chunked and embedded here, a question finds the right chunk, the model
//! reads it and the answer cites its file; a new embedding model is used
//! only once every file has it; a provider without embeddings says so.

use super::{knowledge, knowledge_until, settled, upload};
use crate::helpers::{TestApp, call};
use crate::playground::{ask, frames};
use crate::widget_client::{Widget, answer, shop};
use engine::db::entities::{knowledge_chunks, usage_daily};
use fake_openai::Fault;
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

const WARRANTY: &str = "The kettle warranty lasts 24 months from the day of purchase.";
const DELIVERY: &str = "Delivery in Moscow takes one day by courier.";

/// A project on `chat_completions` with `embedding_model` and two files.
async fn chat_project(
    embedding_model: Value,
) -> (TestApp, fake_openai::FakeOpenAi, String, String) {
    let (app, fake, id) = shop(json!({
        "api_style": "chat_completions",
        "embedding_model": embedding_model,
    }))
    .await;
    let token = app.admin_token().await;
    (app, fake, id, token)
}

/// `PATCH`es the project with `changes`; it must be saved.
async fn saved(app: &TestApp, token: &str, id: &str, changes: Value) {
    let (status, body) = call(
        app,
        token,
        Method::PATCH,
        &format!("/api/v1/admin/projects/{id}"),
        Some(changes),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// Uploads the warranty and the delivery files; their ids.
async fn add_files(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (name, text) in [("warranty.txt", WARRANTY), ("delivery.txt", DELIVERY)] {
        let (status, body) = upload(app, token, id, name, text.as_bytes()).await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["id"].as_str().expect("file id").to_owned());
    }
    ids
}

/// The system message of the last chat call.
fn last_system_message(fake: &fake_openai::FakeOpenAi) -> String {
    let request = fake
        .requests()
        .into_iter()
        .rev()
        .find(|request| request.path.ends_with("/chat/completions"))
        .expect("a chat call");
    let body = request.body.expect("a JSON body");
    body["messages"][0]["content"]
        .as_str()
        .expect("a system message")
        .to_owned()
}

async fn chunks(app: &TestApp) -> Vec<knowledge_chunks::Model> {
    knowledge_chunks::Entity::find()
        .all(&app.db)
        .await
        .expect("read")
}

/// Files uploaded to a `chat_completions` project are chunked and embedded
/// here (nothing goes to the provider's files), the tokens count in the
/// day's budget, and a visitor's question is answered from the file that
/// holds the answer, cited by name; the playground shows the chunks found
/// with their scores. A 500 of `/embeddings` is retried; a removed file is
/// found no more.
#[tokio::test]
async fn a_chat_completions_project_answers_from_its_files() {
    // Arrange
    let (app, fake, id, token) = chat_project(json!("text-embedding-3-small")).await;
    fake.set_reply("Two years.");
    fake.fail_next(Fault::ServerError);

    // Act
    let files = add_files(&app, &token, &id).await;
    let view = knowledge_until(&app, &token, &id, settled).await;
    let widget = Widget::open(&app, &id).await;
    let mut stream = widget.events(None).await;
    assert_eq!(
        widget
            .send("How long does the kettle warranty last?")
            .await
            .0,
        202
    );
    let frames_seen = stream.until_answer().await;
    let system = last_system_message(&fake);
    let played = frames(ask(&app, &id, &token, &json!({"text": "Kettle warranty?"})).await).await;

    // Assert
    assert!(
        view["files"]
            .as_array()
            .expect("files")
            .iter()
            .all(|f| f["status"] == "ready"),
        "{view}"
    );
    assert_eq!(
        view["retrieval"],
        json!({"embedding_model": "text-embedding-3-small", "in_use": "text-embedding-3-small",
               "files": 2, "embedded": 2, "error": null})
    );
    assert!(
        fake.files().is_empty(),
        "nothing is uploaded to the provider"
    );
    let stored = chunks(&app).await;
    assert_eq!(stored.len(), 2, "one chunk per short file");
    assert!(
        stored
            .iter()
            .all(|chunk| chunk.model == "text-embedding-3-small")
    );
    assert!(
        stored.iter().all(|chunk| chunk.vector.len() == 1_536 + 4),
        "int8 with its scale"
    );
    let tokens: i64 = usage_daily::Entity::find()
        .all(&app.db)
        .await
        .expect("read")
        .iter()
        .map(|row| row.ai_tokens)
        .sum();
    assert!(tokens > 0, "the embeddings count in the budget");
    let message = answer(&frames_seen);
    assert_eq!(message["text"], "Two years.");
    assert_eq!(
        message["sources"].as_array().map(Vec::len),
        Some(1),
        "{message}"
    );
    assert_eq!(
        message["sources"][0]["filename"], "warranty.txt",
        "{message}"
    );
    assert!(
        system.contains(WARRANTY),
        "the model reads the chunk: {system}"
    );
    assert!(
        !system.contains(DELIVERY),
        "and not the other file: {system}"
    );
    assert!(
        system.starts_with("You are the shop's assistant."),
        "{system}"
    );
    assert!(
        system.trim_end().ends_with("</knowledge_base>"),
        "the excerpts are delimited: {system}"
    );
    let retrieved = played
        .iter()
        .find(|frame| frame.event == "retrieved")
        .expect("a retrieved event");
    let first = &retrieved.data["chunks"][0];
    assert_eq!(first["name"], "warranty.txt", "{}", retrieved.data);
    assert!(first["text"].as_str().expect("text").contains("24 months"));
    let score = first["score"].as_f64().expect("a score");
    assert!((0.2..=1.0).contains(&score), "{score}");
    assert_eq!(retrieved.data["chunks"].as_array().map(Vec::len), Some(1));
    let message = played.last().expect("frames");
    assert_eq!(message.event, "message");
    assert_eq!(message.data["sources"][0]["filename"], "warranty.txt");
    let embeddings = fake
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/embeddings"))
        .count();
    assert!(
        embeddings >= 5,
        "2 files (one retried after a 500) and 2 questions: {embeddings}"
    );

    // Act: the warranty file is removed; its chunk is found no more.
    let (status, body) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/admin/projects/{id}/knowledge/files/{}", files[0]),
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let mut stream = widget.events(None).await;
    assert_eq!(widget.send("kettle warranty").await.0, 202);
    let after = stream.until_answer().await;

    // Assert
    assert_eq!(answer(&after)["sources"], json!([]), "{}", answer(&after));
    assert!(!last_system_message(&fake).contains(WARRANTY));
    assert_eq!(chunks(&app).await.len(), 1, "its chunk went with it");
}

/// A new embedding model re-embeds every file in the background; answers
/// keep the old vectors (the question embedded with the old model) until
/// every file has the new ones, then switch, and the old chunks go. A
/// model the provider does not know holds the switch up and says why;
/// saving the model again tries again.
#[tokio::test]
async fn a_new_embedding_model_is_searched_once_every_file_has_it() {
    // Arrange
    let (app, fake, id, token) = chat_project(json!("text-embedding-3-small")).await;
    add_files(&app, &token, &id).await;
    knowledge_until(&app, &token, &id, settled).await;
    fake.set_models(&["gpt-4.1-mini", "text-embedding-3-small"]);

    // Act: a model the provider does not list yet.
    saved(
        &app,
        &token,
        &id,
        json!({"embedding_model": "text-embedding-3-large"}),
    )
    .await;
    let held = knowledge_until(&app, &token, &id, |view| {
        !view["retrieval"]["error"].is_null()
    })
    .await;
    let widget = Widget::open(&app, &id).await;
    let mut stream = widget.events(None).await;
    assert_eq!(widget.send("kettle warranty").await.0, 202);
    let meanwhile = stream.until_answer().await;
    let query_model = fake
        .requests()
        .into_iter()
        .rev()
        .find(|request| request.path.ends_with("/embeddings"))
        .and_then(|request| request.body)
        .map(|body| body["model"].clone());

    // Act: the provider has it now, and the admin saves the model again.
    fake.set_models(&[
        "gpt-4.1-mini",
        "text-embedding-3-small",
        "text-embedding-3-large",
    ]);
    saved(
        &app,
        &token,
        &id,
        json!({"embedding_model": "text-embedding-3-large"}),
    )
    .await;
    let switched = knowledge_until(&app, &token, &id, |view| {
        view["retrieval"]["in_use"] == "text-embedding-3-large"
    })
    .await;

    // Assert
    assert_eq!(
        held["retrieval"]["in_use"], "text-embedding-3-small",
        "{held}"
    );
    assert_eq!(held["retrieval"]["embedded"], 0);
    let reason = held["retrieval"]["error"].as_str().expect("a reason");
    assert!(
        reason.contains("does not know the embedding model"),
        "{reason}"
    );
    assert!(
        held["files"]
            .as_array()
            .expect("files")
            .iter()
            .all(|f| f["status"] == "ready")
    );
    assert_eq!(
        query_model,
        Some(json!("text-embedding-3-small")),
        "the model in use"
    );
    assert_eq!(answer(&meanwhile)["sources"][0]["filename"], "warranty.txt");
    assert_eq!(switched["retrieval"]["embedded"], 2, "{switched}");
    let stored = chunks(&app).await;
    assert_eq!(stored.len(), 2, "the old chunks are gone");
    assert!(
        stored
            .iter()
            .all(|chunk| chunk.model == "text-embedding-3-large")
    );
    assert!(stored.iter().all(|chunk| chunk.vector.len() == 3_072 + 4));
    let mut stream = widget.events(None).await;
    assert_eq!(widget.send("delivery in Moscow").await.0, 202);
    let after = stream.until_answer().await;
    assert_eq!(
        answer(&after)["sources"][0]["filename"],
        "delivery.txt",
        "searched with the new model"
    );
}

/// A project without an embedding model keeps its files waiting and says
/// why; a provider without `/embeddings` fails them with a clear reason;
/// and the answer goes on without the knowledge base.
#[tokio::test]
async fn a_provider_without_embeddings_says_so() {
    // Arrange
    let (app, fake, id, token) = chat_project(Value::Null).await;
    fake.set_embeddings(false);

    // Act: no model chosen.
    let (status, body) = upload(&app, &token, &id, "warranty.txt", WARRANTY.as_bytes()).await;
    assert_eq!(status, 201, "{body}");
    let waiting = knowledge_until(&app, &token, &id, |view| {
        !view["files"][0]["error"].is_null()
    })
    .await;
    let (_, project) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/admin/projects/{id}"),
        None,
    )
    .await;
    // Act: a model chosen, on a provider without embeddings.
    saved(
        &app,
        &token,
        &id,
        json!({"embedding_model": "text-embedding-3-small"}),
    )
    .await;
    let failed = knowledge_until(&app, &token, &id, |view| {
        view["files"][0]["status"] == "failed"
    })
    .await;
    let widget = Widget::open(&app, &id).await;
    let mut stream = widget.events(None).await;
    assert_eq!(widget.send("kettle warranty").await.0, 202);
    let frames_seen = stream.until_answer().await;

    // Assert
    assert_eq!(waiting["files"][0]["status"], "processing", "{waiting}");
    let reason = waiting["files"][0]["error"].as_str().expect("a reason");
    assert!(reason.contains("choose an embedding model"), "{reason}");
    let warnings = project["warnings"].to_string();
    assert!(warnings.contains("embedding model"), "{warnings}");
    let reason = failed["files"][0]["error"].as_str().expect("a reason");
    assert!(reason.contains("no embeddings endpoint"), "{reason}");
    assert_eq!(failed["retrieval"]["in_use"], Value::Null);
    let shown = failed["retrieval"]["error"]
        .as_str()
        .expect("the panel's reason");
    assert!(shown.contains("no embeddings endpoint"), "{shown}");
    assert!(chunks(&app).await.is_empty());
    let message = answer(&frames_seen);
    assert_eq!(message["status"], "complete", "{message}");
    assert_eq!(message["sources"], json!([]));
    assert!(knowledge(&app, &token, &id).await["retrieval"].is_object());
    let bad = call(
        &app,
        &token,
        Method::PATCH,
        &format!("/api/v1/admin/projects/{id}"),
        Some(json!({"embedding_model": "two words"})),
    )
    .await;
    assert_eq!(bad.0, 400, "{}", bad.1);
}

/// A project moved from `chat_completions` to `responses` uploads the
/// files embedded here to the provider's vector store, which its answers
/// then search with `file_search`.
#[tokio::test]
async fn switching_to_responses_uploads_the_files() {
    // Arrange
    let (app, fake, id, token) = chat_project(json!("text-embedding-3-small")).await;
    add_files(&app, &token, &id).await;
    knowledge_until(&app, &token, &id, settled).await;
    assert!(fake.files().is_empty());

    // Act
    saved(&app, &token, &id, json!({"api_style": "responses"})).await;
    let view = knowledge_until(&app, &token, &id, |view| {
        settled(view) && !view["vector_store_id"].is_null()
    })
    .await;

    // Assert
    assert!(
        view["files"]
            .as_array()
            .expect("files")
            .iter()
            .all(|f| f["status"] == "ready"),
        "{view}"
    );
    assert_eq!(
        view["retrieval"],
        Value::Null,
        "searched by file_search now"
    );
    let own = view["vector_store_id"].as_str().expect("own store");
    assert_eq!(
        fake.vector_store_files(own).map(|files| files.len()),
        Some(2)
    );
    let mut names: Vec<String> = fake.files().into_iter().map(|file| file.filename).collect();
    names.sort();
    assert_eq!(names, ["delivery.txt.md", "warranty.txt.md"]);
}

/// A question/answer pair is one chunk however long its answer (the
/// question heading it), found by its question and cited by it.
#[tokio::test]
async fn a_qa_pair_is_one_chunk_cited_by_its_question() {
    // Arrange
    let (app, _fake, id, token) = chat_project(json!("text-embedding-3-small")).await;
    let answer_text = "Yes, we deliver on Sundays from 10 to 20. ".repeat(60);

    // Act
    let (status, body) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/admin/projects/{id}/knowledge/qa"),
        Some(json!({"question": "Do you deliver on Sundays?", "answer": answer_text})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    knowledge_until(&app, &token, &id, |view| {
        settled(view) && view["retrieval"]["embedded"] == 1
    })
    .await;
    let played = frames(ask(&app, &id, &token, &json!({"text": "deliver on Sundays"})).await).await;

    // Assert
    let stored = chunks(&app).await;
    assert_eq!(stored.len(), 1, "one chunk for the pair");
    assert!(stored[0].text.starts_with("# Do you deliver on Sundays?"));
    assert!(stored[0].text.trim_end().ends_with("from 10 to 20."));
    let message = played.last().expect("frames");
    assert_eq!(
        message.data["sources"][0]["title"], "Do you deliver on Sundays?",
        "{:?}",
        message.data
    );
}
