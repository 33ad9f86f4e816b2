//! The knowledge base of a project through the admin API, against the fake
//! OpenAI: uploads (the own vector store made once, the text kept, the
//! provider's processing followed), refusals per file, Q&A pairs, removals
//! that delete at the provider, and citations as the widget sees them.

use crate::helpers::{TestApp, call, json};
use crate::widget_client::{Widget, answer, shop};
use engine::db::entities::{knowledge_files, projects};
use fake_openai::FileProcessing;
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::time::Duration;

mod retrieval;
pub(crate) mod sites;

/// `POST …/knowledge/files` with `bytes` as the multipart field `file`.
pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    project_id: &str,
    name: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let response = app
        .authed(
            Method::POST,
            &format!("/api/v1/admin/projects/{project_id}/knowledge/files"),
            token,
        )
        .multipart(form)
        .send()
        .await
        .expect("sent");
    json(response).await
}

/// `GET …/knowledge`.
pub(crate) async fn knowledge(app: &TestApp, token: &str, project_id: &str) -> Value {
    let (status, body) = call(
        app,
        token,
        Method::GET,
        &format!("/api/v1/admin/projects/{project_id}/knowledge"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// `GET …/knowledge` until `done` holds (every 100 ms, up to 20 s).
pub(crate) async fn knowledge_until(
    app: &TestApp,
    token: &str,
    project_id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..200 {
        let view = knowledge(app, token, project_id).await;
        if done(&view) {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the knowledge base did not get there: {}",
        knowledge(app, token, project_id).await
    );
}

/// Every file and pair of the view `ready` or `failed`.
pub(crate) fn settled(view: &Value) -> bool {
    let files = view["files"].as_array().expect("files");
    let qa = view["qa"].as_array().expect("qa");
    files
        .iter()
        .chain(qa)
        .all(|item| item["status"] != "processing")
}

async fn project_row(app: &TestApp, id: &str) -> projects::Model {
    projects::Entity::find_by_id(id.parse::<uuid::Uuid>().expect("uuid"))
        .one(&app.db)
        .await
        .expect("read")
        .expect("the project")
}

/// The first upload makes the project's own vector store on its key and
/// base URL; the file's text is kept, uploaded as Markdown, attached with
/// its attributes, and `ready` once the provider processed it. The store is
/// in the project's `vector_store_ids` and in the AI call.
#[tokio::test]
async fn an_upload_makes_the_own_store_and_becomes_ready() {
    // Arrange
    let (app, fake, id) = shop(json!({"vector_store_ids": ["vs_chosen"]})).await;
    fake.set_file_processing(FileProcessing::Reads(2));
    let token = app.admin_token().await;
    let stores_before = fake.vector_store_ids();

    // Act
    let (status, file) = upload(
        &app,
        &token,
        &id,
        "delivery.txt",
        "Доставка по Москве — 1 день.".as_bytes(),
    )
    .await;
    let view = knowledge_until(&app, &token, &id, settled).await;

    // Assert
    assert_eq!(status, 201, "{file}");
    assert_eq!(
        (
            file["name"].as_str(),
            file["source"].as_str(),
            file["status"].as_str()
        ),
        (Some("delivery.txt"), Some("upload"), Some("processing"))
    );
    assert_eq!(view["files"][0]["status"], "ready", "{view}");
    let own = view["vector_store_id"]
        .as_str()
        .expect("own store")
        .to_owned();
    let made: Vec<String> = fake
        .vector_store_ids()
        .into_iter()
        .filter(|store| !stores_before.contains(store))
        .collect();
    assert_eq!(made, vec![own.clone()], "one store made");
    let attached = fake.vector_store_files(&own).expect("the store");
    assert_eq!(attached.len(), 1);
    assert_eq!(
        attached[0].attributes["aiwidget_file_id"], file["id"],
        "attributes trace the file back"
    );
    let uploaded = fake.files();
    assert_eq!(uploaded.len(), 1);
    assert_eq!(uploaded[0].filename, "delivery.txt.md");
    assert_eq!(
        String::from_utf8_lossy(&uploaded[0].bytes),
        "Доставка по Москве — 1 день."
    );
    let row = knowledge_files::Entity::find()
        .one(&app.db)
        .await
        .expect("read")
        .expect("the row");
    assert_eq!(row.text, "Доставка по Москве — 1 день.", "the text is kept");
    let (_, project) = call(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/admin/projects/{id}"),
        None,
    )
    .await;
    assert_eq!(project["vector_store_ids"], json!([own, "vs_chosen"]));
}

/// Two first uploads at the same moment make one store, not two.
#[tokio::test]
async fn two_first_uploads_make_one_store() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let stores_before = fake.vector_store_ids().len();

    // Act
    let (first, second) = tokio::join!(
        upload(&app, &token, &id, "a.txt", b"Opening hours: 9 to 18."),
        upload(&app, &token, &id, "b.txt", b"Returns within 14 days."),
    );
    let view = knowledge_until(&app, &token, &id, settled).await;

    // Assert
    assert_eq!((first.0, second.0), (201, 201));
    assert_eq!(fake.vector_store_ids().len(), stores_before + 1, "{view}");
    let own = view["vector_store_id"].as_str().expect("own store");
    assert_eq!(fake.vector_store_files(own).expect("store").len(), 2);
}

/// Each refused file says why, and nothing is stored for it; a project
/// without a key cannot have a knowledge base yet.
#[tokio::test]
async fn refused_uploads_say_why() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let keyless = app
        .create_project(&token, json!({"name": "No key yet"}))
        .await
        .1["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Act
    let exe = upload(&app, &token, &id, "setup.exe", b"MZ...").await;
    let empty = upload(&app, &token, &id, "empty.txt", b"   \n").await;
    let no_key = upload(&app, &token, &keyless, "a.txt", b"text").await;

    // Assert
    assert_eq!(
        (exe.0, exe.1["error"].as_str()),
        (400, Some("unsupported_type"))
    );
    assert_eq!((empty.0, empty.1["error"].as_str()), (400, Some("no_text")));
    assert_eq!(
        (no_key.0, no_key.1["error"].as_str()),
        (409, Some("no_api_key"))
    );
    assert!(fake.files().is_empty(), "nothing reached the provider");
    assert_eq!(knowledge(&app, &token, &id).await["files"], json!([]));
}

/// A PDF whose text cannot be read here (a scan, a damaged text layer) goes
/// to the provider as it is, which reads PDFs itself; the dashboard is told.
#[tokio::test]
async fn a_pdf_unreadable_here_is_read_by_the_provider() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let scan = b"%PDF-1.4\n% a scanned page, no text layer here\n%%EOF\n";

    // Act
    let (status, file) = upload(&app, &token, &id, "scan.pdf", scan).await;
    let view = knowledge_until(&app, &token, &id, settled).await;

    // Assert
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["extracted"], false);
    assert_eq!(view["files"][0]["status"], "ready", "{view}");
    let uploaded = fake.files();
    assert_eq!(uploaded.len(), 1);
    assert_eq!(uploaded[0].filename, "scan.pdf");
    assert_eq!(uploaded[0].bytes, scan.to_vec(), "the original went up");
}

/// A file the provider cannot process fails with the provider's reason in words.
#[tokio::test]
async fn a_file_the_provider_refuses_fails_with_its_reason() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    fake.fail_file_named(
        "scan.txt.md",
        "unsupported_file",
        "The file type is not supported.",
    );
    let token = app.admin_token().await;

    // Act
    let (status, _) = upload(&app, &token, &id, "scan.txt", b"Some text").await;
    let view = knowledge_until(&app, &token, &id, settled).await;

    // Assert
    assert_eq!(status, 201);
    let file = &view["files"][0];
    assert_eq!(file["status"], "failed", "{view}");
    assert!(
        file["error"]
            .as_str()
            .is_some_and(|error| error.contains("The file type is not supported.")),
        "{file}"
    );
}

/// Removing a file deletes it at the provider (storage there is billed by the day).
#[tokio::test]
async fn removing_a_file_deletes_it_at_the_provider() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let (_, file) = upload(&app, &token, &id, "old-prices.md", b"# Prices\n\n100 rub").await;
    knowledge_until(&app, &token, &id, settled).await;
    assert_eq!(fake.files().len(), 1);

    // Act
    let (status, _) = call(
        &app,
        &token,
        Method::DELETE,
        &format!(
            "/api/v1/admin/projects/{id}/knowledge/files/{}",
            file["id"].as_str().expect("id")
        ),
        None,
    )
    .await;

    // Assert
    assert_eq!(status, 204);
    assert_eq!(knowledge(&app, &token, &id).await["files"], json!([]));
    assert!(
        crate::helpers::eventually(|| fake.files().is_empty()).await,
        "the provider's file is deleted"
    );
}

/// Q&A pairs: each is a small file of the knowledge base; a change replaces
/// it at the provider, a removal deletes it; fields are validated.
#[tokio::test]
async fn qa_pairs_are_part_of_the_knowledge_base() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let base = format!("/api/v1/admin/projects/{id}/knowledge/qa");

    // Act
    let (created, pair) = call(
        &app,
        &token,
        Method::POST,
        &base,
        Some(json!({"question": "Сколько стоит доставка?", "answer": "300 ₽ по Москве."})),
    )
    .await;
    knowledge_until(&app, &token, &id, settled).await;
    let first_file = fake.files()[0].id.clone();
    let pair_id = pair["id"].as_str().expect("id").to_owned();
    let (changed, _) = call(
        &app,
        &token,
        Method::PATCH,
        &format!("{base}/{pair_id}"),
        Some(json!({"answer": "350 ₽ по Москве."})),
    )
    .await;
    let view = knowledge_until(&app, &token, &id, settled).await;
    let (invalid, refusal) = call(
        &app,
        &token,
        Method::POST,
        &base,
        Some(json!({"question": " "})),
    )
    .await;

    // Assert
    assert_eq!(created, 201, "{pair}");
    assert_eq!(changed, 200);
    assert_eq!(view["qa"][0]["answer"], "350 ₽ по Москве.");
    assert_eq!(view["qa"][0]["status"], "ready");
    assert_eq!(view["files"].as_array().map(Vec::len), Some(1), "{view}");
    assert_eq!(
        view["files"][0]["source"], "qa",
        "the pair's file is listed too"
    );
    assert!(
        crate::helpers::eventually(|| {
            let files = fake.files();
            files.len() == 1
                && files[0].id != first_file
                && String::from_utf8_lossy(&files[0].bytes).contains("350 ₽")
        })
        .await,
        "the changed pair replaced its file"
    );
    assert_eq!(invalid, 400);
    assert!(refusal["fields"]["question"].is_string(), "{refusal}");
    assert!(refusal["fields"]["answer"].is_string(), "{refusal}");

    // Removed: gone here and at the provider.
    let (removed, _) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("{base}/{pair_id}"),
        None,
    )
    .await;
    assert_eq!(removed, 204);
    assert_eq!(knowledge(&app, &token, &id).await["qa"], json!([]));
    assert!(crate::helpers::eventually(|| fake.files().is_empty()).await);
}

/// The AI call searches the own store beside the chosen ones, and a cited
/// upload shows its name to the visitor.
#[tokio::test]
async fn answers_cite_uploaded_files_by_name() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    upload(&app, &token, &id, "hours.html", b"<html><head><title>Hours</title></head><body><main><p>Open 9 to 18.</p></main></body></html>").await;
    let view = knowledge_until(&app, &token, &id, settled).await;
    let own = view["vector_store_id"].as_str().expect("own").to_owned();
    let widget = Widget::open(&app, &id).await;
    let mut stream = widget.events(None).await;

    // Act
    assert_eq!(widget.send("When are you open?").await.0, 202);
    let frames = stream.until_answer().await;

    // Assert
    let message = answer(&frames);
    assert_eq!(message["sources"][0]["filename"], "hours.html", "{message}");
    assert_eq!(message["sources"][0]["title"], "Hours");
    assert_eq!(message["sources"][0]["url"], Value::Null);
    let request = fake
        .requests()
        .into_iter()
        .rev()
        .find(|request| request.path.ends_with("/responses"))
        .expect("the AI call");
    assert_eq!(
        request.body.as_ref().expect("a JSON body")["tools"][0]["vector_store_ids"],
        json!([own]),
        "the own store is searched"
    );
}

/// A project form saved with an older list of vector stores keeps the own
/// store; operators read the knowledge base but cannot change it; deleting
/// the project deletes what it put at the provider.
#[tokio::test]
async fn the_own_store_is_kept_and_deleted_with_the_project() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    upload(&app, &token, &id, "faq.md", b"# FAQ\n\nYes.").await;
    let view = knowledge_until(&app, &token, &id, settled).await;
    let own = view["vector_store_id"].as_str().expect("own").to_owned();
    let operator = app
        .user_token("operator", &[id.parse().expect("uuid")])
        .await;

    // Act: a form opened before the upload saves its list.
    let (saved, project) = call(
        &app,
        &token,
        Method::PATCH,
        &format!("/api/v1/admin/projects/{id}"),
        Some(json!({"vector_store_ids": ["vs_other"]})),
    )
    .await;
    let read_by_operator = call(
        &app,
        &operator,
        Method::GET,
        &format!("/api/v1/admin/projects/{id}/knowledge"),
        None,
    )
    .await;
    let upload_by_operator = upload(&app, &operator, &id, "x.txt", b"x").await;

    // Assert
    assert_eq!(saved, 200, "{project}");
    assert_eq!(project["vector_store_ids"], json!([own, "vs_other"]));
    assert_eq!(
        project_row(&app, &id).await.own_vector_store_id.as_deref(),
        Some(own.as_str())
    );
    assert_eq!(read_by_operator.0, 200);
    assert_eq!(upload_by_operator.0, 403);

    // Deleting the project deletes its file and its store at the provider.
    let (deleted, _) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/admin/projects/{id}"),
        None,
    )
    .await;
    assert_eq!(deleted, 204);
    assert!(
        crate::helpers::eventually(
            || fake.files().is_empty() && !fake.vector_store_ids().contains(&own)
        )
        .await,
        "the provider keeps nothing of the project"
    );
}

/// Another key or provider for the project: what the knowledge base put at
/// the old account is deleted there, and everything goes up again to the
/// new one, into a new own store (the old one is unreadable with the new key).
#[tokio::test]
async fn a_new_provider_gets_the_knowledge_base_again() {
    // Arrange
    let (app, old, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    upload(&app, &token, &id, "hours.txt", b"Open 9 to 18.").await;
    let before = knowledge_until(&app, &token, &id, settled).await;
    let old_store = before["vector_store_id"].as_str().expect("own").to_owned();
    let new = fake_openai::FakeOpenAi::start().await;

    // Act
    let (status, project) = call(
        &app,
        &token,
        Method::PATCH,
        &format!("/api/v1/admin/projects/{id}"),
        Some(json!({"openai_base_url": new.base_url, "openai_api_key": fake_openai::VALID_KEY})),
    )
    .await;
    let after = knowledge_until(&app, &token, &id, |view| {
        settled(view) && view["vector_store_id"].is_string()
    })
    .await;

    // Assert
    assert_eq!(status, 200, "{project}");
    let new_store = after["vector_store_id"].as_str().expect("a new own store");
    // (Each fake numbers its stores from 1: the ids may match; the stores do not.)
    assert_eq!(after["files"][0]["status"], "ready", "{after}");
    assert_eq!(new.vector_store_files(new_store).expect("store").len(), 1);
    assert!(
        crate::helpers::eventually(
            || old.files().is_empty() && !old.vector_store_ids().contains(&old_store)
        )
        .await,
        "nothing is left at the old provider"
    );
}

/// A DOCX whose body is one heading and one paragraph.
fn docx(heading: &str, paragraph: &str) -> Vec<u8> {
    use std::io::Write as _;
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>\
         <w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t>{heading}</w:t></w:r></w:p>\
         <w:p><w:r><w:t>{paragraph}</w:t></w:r></w:p></w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("word/document.xml", options).expect("entry");
    zip.write_all(document.as_bytes()).expect("written");
    zip.finish().expect("zip").into_inner()
}

/// Each format a site owner uploads is read here and goes up as Markdown
/// (the PDF's text layer is read by the same path; its extraction is tested
/// in the engine, and a PDF unreadable here above).
#[tokio::test]
async fn each_format_goes_up_as_markdown() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("Доставка: 1 день.");
    let uploads: Vec<(&str, Vec<u8>, &str)> =
        vec![
        ("notes.txt", cp1251.into_owned(), "Доставка: 1 день."),
        ("faq.md", "# FAQ\n\n**Да.**".as_bytes().to_vec(), "**Да.**"),
        ("prices.csv", "Город;Цена\nМосква;300".as_bytes().to_vec(), "| Москва | 300 |"),
        (
            "page.html",
            b"<html><body><nav>Menu</nav><main><h2>Hours</h2><p>9 to 18</p></main></body></html>"
                .to_vec(),
            "## Hours\n\n9 to 18",
        ),
        ("terms.docx", docx("Условия", "Возврат 14 дней."), "# Условия\n\nВозврат 14 дней."),
    ];

    // Act
    let mut statuses = Vec::new();
    for (name, bytes, _) in &uploads {
        let (status, file) = upload(&app, &token, &id, name, bytes).await;
        statuses.push((status, file["extracted"].clone()));
    }
    let view = knowledge_until(&app, &token, &id, settled).await;

    // Assert
    assert!(
        statuses
            .iter()
            .all(|(status, extracted)| *status == 201 && *extracted == true),
        "{statuses:?}"
    );
    assert!(
        view["files"]
            .as_array()
            .expect("files")
            .iter()
            .all(|file| file["status"] == "ready"),
        "{view}"
    );
    let sent = fake.files();
    for (name, _, expected) in &uploads {
        let file = sent
            .iter()
            .find(|file| {
                file.filename == *name && name.ends_with(".md")
                    || file.filename == format!("{name}.md")
            })
            .unwrap_or_else(|| panic!("{name} went up as Markdown"));
        let text = String::from_utf8_lossy(&file.bytes);
        assert!(text.contains(expected), "{name}: {text}");
    }
    assert!(
        !String::from_utf8_lossy(
            &sent
                .iter()
                .find(|file| file.filename == "page.html.md")
                .expect("page")
                .bytes
        )
        .contains("Menu"),
        "navigation is left out"
    );
}
