//! Tests of the Files and Vector Stores routes: real HTTP against a started fake.

use crate::{FakeOpenAi, Fault, FileProcessing, VALID_KEY};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::time::Duration;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// Sends a request and returns its status and JSON body.
async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request
        .bearer_auth(VALID_KEY)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn get(fake: &FakeOpenAi, path: &str) -> (u16, Value) {
    send(client().get(format!("{}{path}", fake.base_url))).await
}

async fn delete(fake: &FakeOpenAi, path: &str) -> (u16, Value) {
    send(client().delete(format!("{}{path}", fake.base_url))).await
}

async fn post(fake: &FakeOpenAi, path: &str, body: Value) -> (u16, Value) {
    send(
        client()
            .post(format!("{}{path}", fake.base_url))
            .json(&body),
    )
    .await
}

/// `POST /files` with a `file` part named `filename` and a `purpose` part.
async fn upload(fake: &FakeOpenAi, filename: &str, bytes: &[u8], purpose: &str) -> (u16, Value) {
    let part = Part::bytes(bytes.to_vec()).file_name(filename.to_owned());
    let form = Form::new()
        .text("purpose", purpose.to_owned())
        .part("file", part);
    send(
        client()
            .post(format!("{}/files", fake.base_url))
            .multipart(form),
    )
    .await
}

/// Uploads a file and creates a store; returns `(file_id, store_id)`.
async fn file_and_store(fake: &FakeOpenAi, filename: &str, text: &str) -> (String, String) {
    let (status, file) = upload(fake, filename, text.as_bytes(), "assistants").await;
    assert_eq!(status, 200, "{file}");
    let (status, store) = post(fake, "/vector_stores", json!({"name": "Site"})).await;
    assert_eq!(status, 200, "{store}");
    (
        file["id"].as_str().expect("file id").to_owned(),
        store["id"].as_str().expect("store id").to_owned(),
    )
}

/// The fields of an OpenAI error body.
fn error_of(body: &Value) -> (&str, Option<&str>, Option<&str>, &str) {
    let error = &body["error"];
    assert_eq!(error["type"], "invalid_request_error", "{body}");
    (
        error["message"].as_str().expect("message"),
        error["param"].as_str(),
        error["code"].as_str(),
        error["type"].as_str().expect("type"),
    )
}

/// An upload answers the File object, reads back, and keeps its bytes.
#[tokio::test]
async fn an_upload_answers_the_file_object_and_keeps_its_bytes() {
    // Arrange
    let fake = FakeOpenAi::start().await;
    let text = "# Доставка\nПо Москве за 1 день.";

    // Act
    let (status, file) = upload(&fake, "delivery.md", text.as_bytes(), "user_data").await;
    let id = file["id"].as_str().expect("id");
    let (read_status, read) = get(&fake, &format!("/files/{id}")).await;

    // Assert
    assert_eq!(status, 200, "{file}");
    assert!(id.starts_with("file-"), "{id}");
    assert_eq!(file["object"], "file");
    assert_eq!(file["bytes"], text.len());
    assert_eq!(file["filename"], "delivery.md");
    assert_eq!(file["purpose"], "user_data");
    assert!(
        file["created_at"]
            .as_u64()
            .is_some_and(|at| at > 1_700_000_000)
    );
    assert_eq!((read_status, &read), (200, &file));
    let files = fake.files();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].text(), text);
    assert_eq!(files[0].id, id);
    let recorded = fake.requests();
    assert_eq!(recorded[0].path, "/v1/files");
    assert_eq!(recorded[0].body, None, "a multipart body is not JSON");
}

/// A bad or missing purpose, a missing file and a file over the limit are
/// refused with `400` in OpenAI's shape.
#[tokio::test]
async fn bad_uploads_are_refused_like_openai() {
    let fake = FakeOpenAi::start().await;
    fake.set_file_size_limit(4);

    let (status, body) = upload(&fake, "a.txt", b"abc", "answers").await;
    assert_eq!(status, 400);
    let (message, param, _, _) = error_of(&body);
    assert_eq!(param, Some("purpose"));
    assert!(
        message.starts_with("'answers' is not one of ['assistants'"),
        "{message}"
    );

    let (status, body) = upload(&fake, "big.txt", b"12345", "assistants").await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).1, Some("file"));

    let form = Form::new().text("purpose", "assistants");
    let request = client()
        .post(format!("{}/files", fake.base_url))
        .multipart(form);
    let (status, body) = send(request).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "'file' is a required property");

    let form = Form::new().part("file", Part::bytes(b"abc".to_vec()).file_name("a.txt"));
    let request = client()
        .post(format!("{}/files", fake.base_url))
        .multipart(form);
    let (status, body) = send(request).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "'purpose' is a required property");

    let (status, _) = upload(&fake, "ok.txt", b"1234", "assistants").await;
    assert_eq!(status, 200, "at the limit is fine");
    assert_eq!(fake.files().len(), 1);
}

/// A created store answers its object, is listed with the seeded ones,
/// reads back and is deleted.
#[tokio::test]
async fn a_created_store_is_listed_read_and_deleted() {
    let fake = FakeOpenAi::start().await;
    let request = json!({
        "name": "aiwidget project 7", "metadata": {"project": "7"},
        "expires_after": {"anchor": "last_active_at", "days": 30}
    });

    let (status, store) = post(&fake, "/vector_stores", request).await;

    assert_eq!(status, 200, "{store}");
    let id = store["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("vs_"), "{id}");
    assert_eq!(store["object"], "vector_store");
    assert_eq!(store["name"], "aiwidget project 7");
    assert_eq!(store["status"], "completed");
    assert_eq!(store["usage_bytes"], 0);
    assert_eq!(store["metadata"], json!({"project": "7"}));
    assert_eq!(store["expires_after"]["days"], 30);
    assert_eq!(
        store["file_counts"],
        json!({"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0})
    );
    let (_, list) = get(&fake, "/vector_stores").await;
    let ids: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|store| store["id"].as_str())
        .collect();
    assert_eq!(ids, ["vs_faq", "vs_prices", id.as_str()]);
    assert_eq!(list["last_id"], id.as_str());
    assert_eq!(
        list["data"][0]["file_counts"]["completed"], 3,
        "seeded stores keep their shape"
    );
    assert_eq!(
        get(&fake, &format!("/vector_stores/{id}")).await,
        (200, store)
    );

    let deleted = delete(&fake, &format!("/vector_stores/{id}")).await;

    assert_eq!(
        deleted,
        (
            200,
            json!({"id": id, "object": "vector_store.deleted", "deleted": true})
        )
    );
    assert_eq!(get(&fake, &format!("/vector_stores/{id}")).await.0, 404);
    assert_eq!(fake.vector_store_ids(), ["vs_faq", "vs_prices"]);
}

/// An attached file is `in_progress`, stays so for the scripted reads, then
/// is `completed`, with its attributes and its bytes counted.
#[tokio::test]
async fn an_attached_file_completes_after_the_scripted_reads() {
    // Arrange
    let fake = FakeOpenAi::start().await;
    fake.set_file_processing(FileProcessing::Reads(2));
    let text = "Prices: 100 RUB";
    let (file_id, store_id) = file_and_store(&fake, "prices.html", text).await;
    let attributes =
        json!({"url": "https://shop.example/prices", "title": "Цены", "page": 3, "fresh": true});

    // Act
    let (status, attached) = post(
        &fake,
        &format!("/vector_stores/{store_id}/files"),
        json!({"file_id": file_id, "attributes": attributes}),
    )
    .await;
    let path = format!("/vector_stores/{store_id}/files/{file_id}");
    let first = get(&fake, &path).await.1;
    let second = get(&fake, &path).await.1;
    let third = get(&fake, &path).await.1;

    // Assert
    assert_eq!(status, 200, "{attached}");
    assert_eq!(attached["id"], file_id.as_str());
    assert_eq!(attached["object"], "vector_store.file");
    assert_eq!(attached["vector_store_id"], store_id.as_str());
    assert_eq!(attached["status"], "in_progress");
    assert_eq!(attached["last_error"], Value::Null);
    assert_eq!(attached["usage_bytes"], 0);
    assert_eq!(attached["attributes"], attributes);
    assert_eq!(attached["chunking_strategy"]["type"], "static");
    assert_eq!(first["status"], "in_progress");
    assert_eq!(second["status"], "in_progress");
    assert_eq!(third["status"], "completed");
    assert_eq!(third["usage_bytes"], text.len());
    assert_eq!(third["attributes"], attributes);
    let store = get(&fake, &format!("/vector_stores/{store_id}")).await.1;
    assert_eq!(store["file_counts"]["completed"], 1);
    assert_eq!(store["file_counts"]["total"], 1);
    assert_eq!(store["usage_bytes"], text.len());
    let files = fake.vector_store_files(&store_id).expect("the store");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].filename, "prices.html");
    assert_eq!(files[0].attributes, attributes);
    assert_eq!(files[0].status, "completed");
}

/// With a delay, a file is `in_progress` until the delay has passed, and the
/// store says so meanwhile.
#[tokio::test]
async fn a_delayed_file_completes_after_its_delay() {
    let fake = FakeOpenAi::start().await;
    fake.set_file_processing(FileProcessing::Delay(Duration::from_millis(300)));
    let (file_id, store_id) = file_and_store(&fake, "faq.txt", "Q? A.").await;
    let files_path = format!("/vector_stores/{store_id}/files");
    post(&fake, &files_path, json!({"file_id": file_id})).await;

    let early = get(&fake, &format!("{files_path}/{file_id}")).await.1;
    let store = get(&fake, &format!("/vector_stores/{store_id}")).await.1;
    tokio::time::sleep(Duration::from_millis(350)).await;
    let late = get(&fake, &format!("{files_path}/{file_id}")).await.1;

    assert_eq!(early["status"], "in_progress");
    assert_eq!(store["status"], "in_progress");
    assert_eq!(store["file_counts"]["in_progress"], 1);
    assert_eq!(late["status"], "completed");
}

/// A file scripted to fail ends `failed` with its `last_error`.
#[tokio::test]
async fn a_file_scripted_to_fail_reports_its_last_error() {
    let fake = FakeOpenAi::start().await;
    fake.fail_file_named(
        "scan.pdf",
        "unsupported_file",
        "The file type is not supported.",
    );
    let (file_id, store_id) = file_and_store(&fake, "scan.pdf", "%PDF-1.7").await;
    let files_path = format!("/vector_stores/{store_id}/files");

    let (_, attached) = post(&fake, &files_path, json!({"file_id": file_id})).await;
    let (_, read) = get(&fake, &format!("{files_path}/{file_id}")).await;

    assert_eq!(attached["status"], "in_progress");
    assert_eq!(attached["last_error"], Value::Null);
    assert_eq!(read["status"], "failed");
    assert_eq!(
        read["last_error"],
        json!({"code": "unsupported_file", "message": "The file type is not supported."})
    );
    assert_eq!(read["usage_bytes"], 0);
    let store = get(&fake, &format!("/vector_stores/{store_id}")).await.1;
    assert_eq!(store["file_counts"]["failed"], 1);
    let files = fake.vector_store_files(&store_id).expect("the store");
    assert_eq!(files[0].status, "failed");
    assert_eq!(files[0].last_error, Some(read["last_error"].clone()));
}

/// Attributes within OpenAI's limits pass; beyond them, `400` names the part.
#[tokio::test]
async fn attributes_beyond_openai_limits_are_refused() {
    let fake = FakeOpenAi::start().await;
    let (file_id, store_id) = file_and_store(&fake, "page.md", "text").await;
    let path = format!("/vector_stores/{store_id}/files");
    let sixteen: serde_json::Map<String, Value> =
        (0..16).map(|i| (format!("k{i}"), json!(i))).collect();
    let mut seventeen = sixteen.clone();
    seventeen.insert("k16".into(), json!(true));
    let refused = [
        (json!(seventeen), "attributes"),
        (json!({"k".repeat(65): "v"}), "attributes"),
        (json!({"title": "t".repeat(513)}), "attributes.title"),
        (json!({"tags": ["a", "b"]}), "attributes.tags"),
        (json!({"nested": {"a": 1}}), "attributes.nested"),
        (json!(["not", "an", "object"]), "attributes"),
    ];

    for (attributes, param) in refused {
        let (status, body) = post(
            &fake,
            &path,
            json!({"file_id": file_id, "attributes": attributes}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error_of(&body).1, Some(param), "{body}");
    }
    assert_eq!(fake.vector_store_files(&store_id), Some(Vec::new()));

    let accepted = json!({
        "k".repeat(64): "v".repeat(512), "n": 1.5, "b": false, "s": "ok"
    });
    assert_eq!(
        post(
            &fake,
            &path,
            json!({"file_id": file_id, "attributes": accepted})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        post(
            &fake,
            &path,
            json!({"file_id": file_id, "attributes": sixteen})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        fake.vector_store_files(&store_id).map(|files| files.len()),
        Some(1),
        "attached again, not twice"
    );
}

/// The store's file list pages newest first, filters by status, and
/// `has_more` tells when a page is not the last.
#[tokio::test]
async fn the_store_file_list_pages_and_filters() {
    let fake = FakeOpenAi::start().await;
    fake.fail_file_named("bad.txt", "invalid_file", "The file could not be parsed.");
    let (first, store_id) = file_and_store(&fake, "a.txt", "a").await;
    let (_, second) = upload(&fake, "bad.txt", b"b", "assistants").await;
    let second = second["id"].as_str().expect("id").to_owned();
    let path = format!("/vector_stores/{store_id}/files");
    for id in [&first, &second] {
        post(&fake, &path, json!({"file_id": id})).await;
    }

    let (status, page) = get(&fake, &format!("{path}?limit=1")).await;
    let (_, rest) = get(&fake, &format!("{path}?limit=1&after={second}")).await;
    let (_, failed) = get(&fake, &format!("{path}?filter=failed")).await;
    let (_, ascending) = get(&fake, &format!("{path}?order=asc")).await;

    assert_eq!(status, 200);
    assert_eq!(page["object"], "list");
    assert_eq!(page["data"][0]["id"], second.as_str());
    assert_eq!(page["first_id"], second.as_str());
    assert_eq!(page["last_id"], second.as_str());
    assert_eq!(page["has_more"], true);
    assert_eq!(rest["data"][0]["id"], first.as_str());
    assert_eq!(rest["has_more"], false);
    assert_eq!(failed["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(failed["data"][0]["last_error"]["code"], "invalid_file");
    assert_eq!(ascending["first_id"], first.as_str());
    assert_eq!(ascending["last_id"], second.as_str());
}

/// Detaching keeps the File; deleting the File removes it from its stores;
/// unknown ids answer `404` in OpenAI's shape on every route.
#[tokio::test]
async fn deletes_detach_and_remove_and_unknown_ids_are_404() {
    let fake = FakeOpenAi::start().await;
    let (file_id, store_id) = file_and_store(&fake, "a.txt", "a").await;
    let path = format!("/vector_stores/{store_id}/files");
    post(&fake, &path, json!({"file_id": file_id})).await;

    let detached = delete(&fake, &format!("{path}/{file_id}")).await;
    assert_eq!(
        detached,
        (
            200,
            json!({"id": file_id, "object": "vector_store.file.deleted", "deleted": true})
        )
    );
    assert_eq!(fake.files().len(), 1, "detaching keeps the File");
    post(&fake, &path, json!({"file_id": file_id})).await;
    let deleted = delete(&fake, &format!("/files/{file_id}")).await;
    assert_eq!(
        deleted,
        (
            200,
            json!({"id": file_id, "object": "file", "deleted": true})
        )
    );
    assert_eq!(fake.files(), Vec::new());
    assert_eq!(
        fake.vector_store_files(&store_id),
        Some(Vec::new()),
        "removed from its stores"
    );

    let missing = [
        get(&fake, "/files/file-nope").await,
        delete(&fake, "/files/file-nope").await,
        get(&fake, "/vector_stores/vs_nope").await,
        delete(&fake, "/vector_stores/vs_nope").await,
        get(&fake, "/vector_stores/vs_nope/files").await,
        post(
            &fake,
            "/vector_stores/vs_nope/files",
            json!({"file_id": file_id}),
        )
        .await,
        post(&fake, &path, json!({"file_id": "file-nope"})).await,
        get(&fake, &format!("{path}/file-nope")).await,
        delete(&fake, &format!("{path}/file-nope")).await,
        post(&fake, "/vector_stores", json!({"file_ids": ["file-nope"]})).await,
    ];
    for (status, body) in missing {
        assert_eq!(status, 404, "{body}");
        let (message, _, code, _) = error_of(&body);
        assert!(message.contains("nope"), "{message}");
        assert_eq!(code, None);
    }
    assert_eq!(post(&fake, &path, json!({})).await.0, 400, "no file_id");
}

/// A store created with `file_ids` holds those files.
#[tokio::test]
async fn a_store_created_with_file_ids_holds_them() {
    let fake = FakeOpenAi::start().await;
    let (_, file) = upload(&fake, "a.txt", b"abc", "assistants").await;

    let (status, store) = post(&fake, "/vector_stores", json!({"file_ids": [file["id"]]})).await;

    assert_eq!(status, 200, "{store}");
    assert_eq!(store["file_counts"]["total"], 1);
    let files = fake
        .vector_store_files(store["id"].as_str().expect("id"))
        .expect("the store");
    assert_eq!(files[0].file_id, file["id"].as_str().expect("id"));
}

/// Scripted faults apply to these routes as to the others.
#[tokio::test]
async fn faults_apply_to_the_knowledge_routes() {
    let fake = FakeOpenAi::start().await;
    fake.fail_next(Fault::ServerError);
    fake.fail_next(Fault::RateLimited {
        retry_after_secs: 2,
    });

    let (failed, body) = upload(&fake, "a.txt", b"abc", "assistants").await;
    let (limited, _) = post(&fake, "/vector_stores", json!({})).await;
    let (ok, _) = upload(&fake, "a.txt", b"abc", "assistants").await;

    assert_eq!(failed, 500);
    assert_eq!(body["error"]["code"], "server_error");
    assert_eq!(limited, 429);
    assert_eq!(ok, 200);
    assert_eq!(fake.files().len(), 1);
    assert_eq!(
        fake.vector_store_ids().len(),
        2,
        "the refused create made no store"
    );
}

/// A `file_search` over a store cites its first completed file; asked with
/// `include`, the search's results carry the file's attributes and text.
#[tokio::test]
async fn a_search_cites_the_first_completed_file_with_its_attributes() {
    // Arrange
    let fake = FakeOpenAi::start().await;
    let (failing, store_id) = file_and_store(&fake, "broken.pdf", "x").await;
    fake.fail_file_named("broken.pdf", "invalid_file", "Broken.");
    let path = format!("/vector_stores/{store_id}/files");
    post(&fake, &path, json!({"file_id": failing})).await;
    let (_, page) = upload(&fake, "delivery.md", b"Delivery in 1 day.", "assistants").await;
    let attributes = json!({"url": "https://shop.example/delivery", "title": "Delivery"});
    post(
        &fake,
        &path,
        json!({"file_id": page["id"], "attributes": attributes}),
    )
    .await;
    let tools = json!([{"type": "file_search", "vector_store_ids": [store_id]}]);
    let request = json!({
        "model": "gpt-4.1", "input": "delivery?", "tools": tools,
        "include": ["file_search_call.results"]
    });

    // Act
    let (status, response) = post(&fake, "/responses", request).await;
    let (_, without_include) = post(
        &fake,
        "/responses",
        json!({"model": "gpt-4.1", "input": "delivery?", "tools": tools}),
    )
    .await;

    // Assert
    assert_eq!(status, 200, "{response}");
    let search = &response["output"][0];
    assert_eq!(search["type"], "file_search_call");
    assert_eq!(search["results"][0]["file_id"], page["id"]);
    assert_eq!(search["results"][0]["attributes"], attributes);
    assert_eq!(search["results"][0]["text"], "Delivery in 1 day.");
    let annotations = &response["output"][1]["content"][0]["annotations"];
    assert_eq!(
        annotations.as_array().map(Vec::len),
        Some(1),
        "{annotations}"
    );
    assert_eq!(annotations[0]["type"], "file_citation");
    assert_eq!(annotations[0]["file_id"], page["id"]);
    assert_eq!(annotations[0]["filename"], "delivery.md");
    assert_eq!(without_include["output"][0]["results"], Value::Null);
}
