//! The project's own knowledge at the provider, through the server's
//! provider client against the fake OpenAI (real wire shapes): a file
//! uploaded, a vector store made, the file attached with its attributes and
//! read until processed, a failure with the provider's reason, the deletes,
//! and refusals mapped like a chat call's.

use crate::helpers::spawn_app;
use engine::llm::{Account, LlmErrorKind, StoreFileStatus, Stored};
use fake_openai::{FakeOpenAi, Fault, FileProcessing, VALID_KEY};
use serde_json::{Map, Value, json};

/// The fake's URL with the key it accepts.
fn account_at(fake: &FakeOpenAi) -> Account<'_> {
    Account {
        base_url: &fake.base_url,
        api_key: VALID_KEY,
    }
}

fn attributes(value: &Value) -> Map<String, Value> {
    value.as_object().cloned().expect("an object")
}

/// Upload, store, attach (in progress, then completed after two reads),
/// then the deletes: the fake holds nothing of it afterwards.
#[tokio::test]
async fn a_file_goes_into_a_new_vector_store_and_out_again() {
    // Arrange
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_file_processing(FileProcessing::Reads(2));
    let llm = &app.state().llm;
    let account = account_at(&fake);
    let page = "# Доставка\n\nПо Москве — 1 день.";
    let attrs = attributes(
        &json!({"url": "https://shop.example/delivery", "title": "Доставка", "source": "site"}),
    );

    // Act
    let file_id = llm
        .upload_file(account, "delivery.md", page.as_bytes().to_vec())
        .await
        .expect("uploaded");
    let store_id = llm
        .create_vector_store(account, "aiwidget: Shop")
        .await
        .expect("store made");
    let attached = llm
        .attach_file(account, &store_id, &file_id, &attrs)
        .await
        .expect("attached");
    let mut reads = Vec::new();
    for _ in 0..3 {
        reads.push(
            llm.store_file_status(account, &store_id, &file_id)
                .await
                .expect("status"),
        );
    }

    // Assert
    let uploaded = fake.files();
    assert_eq!(uploaded.len(), 1);
    assert_eq!(uploaded[0].filename, "delivery.md");
    assert_eq!(uploaded[0].purpose, "assistants");
    assert_eq!(uploaded[0].text(), page);
    assert_eq!(attached, StoreFileStatus::InProgress);
    assert_eq!(
        reads,
        [
            StoreFileStatus::InProgress,
            StoreFileStatus::InProgress,
            StoreFileStatus::Completed
        ]
    );
    let in_store = fake.vector_store_files(&store_id).expect("the store");
    assert_eq!(in_store[0].attributes, Value::Object(attrs));

    // Act: everything is deleted, twice (the second finds it gone)
    for _ in 0..2 {
        let detach = Stored::StoreFile {
            store_id: &store_id,
            file_id: &file_id,
        };
        llm.delete(account, detach).await.expect("detached");
        llm.delete(account, Stored::File(&file_id))
            .await
            .expect("file deleted");
        llm.delete(account, Stored::VectorStore(&store_id))
            .await
            .expect("store deleted");
    }

    // Assert
    assert!(fake.files().is_empty());
    assert!(!fake.vector_store_ids().contains(&store_id));
}

/// A file the provider cannot use ends `failed` with its reason in words.
#[tokio::test]
async fn a_file_the_provider_cannot_use_fails_with_its_reason() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.fail_file_named("scan.pdf", "unsupported_file", "The file has no text.");
    let llm = &app.state().llm;
    let account = account_at(&fake);
    let file_id = llm
        .upload_file(account, "scan.pdf", b"%PDF-1.4".to_vec())
        .await
        .expect("uploaded");
    let store_id = llm
        .create_vector_store(account, "aiwidget: Shop")
        .await
        .expect("store made");
    llm.attach_file(account, &store_id, &file_id, &Map::new())
        .await
        .expect("attached");
    let status = llm
        .store_file_status(account, &store_id, &file_id)
        .await
        .expect("status");
    assert_eq!(
        status,
        StoreFileStatus::Failed {
            code: "unsupported_file".into(),
            message: "The file has no text.".into()
        }
    );
}

/// A refused key and an unknown store map to the kinds the dashboard
/// explains; the provider's body is never passed on.
#[tokio::test]
async fn refusals_map_to_kinds() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let llm = &app.state().llm;
    let account = account_at(&fake);
    fake.fail_next(Fault::InvalidKey);
    let refused = llm.create_vector_store(account, "x").await;
    assert_eq!(
        refused.map_err(|err| err.kind),
        Err(LlmErrorKind::InvalidKey)
    );
    let missing = llm
        .store_file_status(account, "vs_missing", "file-missing")
        .await;
    assert_eq!(missing.map_err(|err| err.kind), Err(LlmErrorKind::NotFound));
}
