//! How long from a stored visitor message to the first text of the AI's
//! answer on the visitor's event stream, with the fake OpenAI answering at once.
//!
//! Run: `cargo bench -p aiwidget --bench first_delta` (release build; SQLite in
//! a temp folder, or PostgreSQL with `TEST_DATABASE_URL`, e.g.
//! `postgres://postgres@127.0.0.1:5432/test`, on which it makes a fresh database).
//! `BENCH_MESSAGES` (default 1000) sets how many messages are measured.
//!
//! Two clocks per message, both read by the client: from the visitor's own
//! `message` event on the stream (the message is committed) to the first AI
//! text (a `delta`, or a `streaming` message that already carries text), and
//! from the `202` of the send to that same first text.

use aiwidget::startup::Application;
use engine::state::{Environment, Settings};
use fake_openai::{FakeOpenAi, VALID_KEY};
use futures_util::StreamExt as _;
use secrecy::{SecretBox, SecretString};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const VISITORS: usize = 4;
const ORIGIN: &str = "https://shop.example";

#[tokio::main]
async fn main() {
    let total: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = database(&dir).await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Ok.");
    let application = Application::build(settings(&database_url, dir.path()))
        .await
        .expect("the server builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let project_id = create_project(&client, &address, &fake).await;

    let mut committed_to_text = Vec::with_capacity(total);
    let mut accepted_to_text = Vec::with_capacity(total);
    for visitor in 0..VISITORS {
        let count = total / VISITORS + usize::from(visitor < total % VISITORS);
        let token = open_session(&client, &address, &project_id).await;
        let mut stream = Frames::open(&client, &address, &token).await;
        for i in 0..count {
            let text = format!("visitor {visitor} message {i}");
            let sent = Instant::now();
            let response = client
                .post(format!("{address}/api/v1/widget/messages"))
                .header("origin", ORIGIN)
                .bearer_auth(&token)
                .json(&json!({"text": text}))
                .send()
                .await
                .expect("sent");
            assert_eq!(
                response.status(),
                202,
                "{}",
                response.text().await.unwrap_or_default()
            );
            let accepted = Instant::now();
            let mut committed = None;
            loop {
                let (event, data, at) = stream.next().await;
                if event == "message" && data["role"] == "visitor" && data["text"] == text.as_str()
                {
                    committed = Some(at);
                }
                let first_text = event == "delta"
                    || (event == "message"
                        && data["role"] == "ai"
                        && data["text"].as_str().is_some_and(|t| !t.is_empty()));
                if first_text && let Some(committed) = committed {
                    committed_to_text.push(at.saturating_duration_since(committed));
                    accepted_to_text.push(at.saturating_duration_since(accepted.max(sent)));
                    break;
                }
            }
            // Let the answer finish so that the next message does not cancel it.
            loop {
                let (event, data, _) = stream.next().await;
                if event == "typing" && data["role"] == "ai" && data["active"] == false {
                    break;
                }
            }
        }
    }
    println!(
        "first AI text on the stream, {} messages, {}:",
        committed_to_text.len(),
        if database_url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    report("from the stored visitor message", &mut committed_to_text);
    report("from the 202 of the send", &mut accepted_to_text);
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {what}: median {:.2} ms, p99 {:.2} ms, min {:.2} ms, max {:.2} ms",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(samples[0]),
        ms(samples[samples.len() - 1])
    );
}

async fn database(dir: &tempfile::TempDir) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            use sea_orm::ConnectionTrait as _;
            let name = format!("aiw_test_bench_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(&base).await.expect("PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create database");
            let mut url = url::Url::parse(&base).expect("URL");
            url.set_path(&name);
            url.to_string()
        }
        _ => format!("sqlite://{}/bench.db", dir.path().display()),
    }
}

fn settings(database_url: &str, site_dir: &std::path::Path) -> Settings {
    Settings {
        environment: Environment::Development,
        database_url: database_url.to_owned(),
        listen_addr: "127.0.0.1:0".parse().expect("address"),
        public_url: "http://127.0.0.1".to_owned(),
        site_dir: site_dir.to_owned(),
        admin_password: SecretString::from("bench admin password".to_owned()),
        jwt_secret: SecretString::from("bench-jwt-secret-that-is-long-enough-01".to_owned()),
        encryption_key: SecretBox::new(Box::new([9u8; 32])),
        encryption_key_version: 1,
        previous_encryption_key: None,
        allow_private_upstreams: true,
        ai_call: engine::llm::CallPolicy::default(),
        sweep_every: std::time::Duration::from_secs(10),
        metrics_token: None,
        telegram: None,
        mail: None,
    }
}

async fn create_project(client: &reqwest::Client, address: &str, fake: &FakeOpenAi) -> String {
    let login: Value = client
        .post(format!("{address}/api/v1/admin/login"))
        .json(&json!({"username": "admin", "password": "bench admin password"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token");
    let project: Value = client
        .post(format!("{address}/api/v1/admin/projects"))
        .bearer_auth(token)
        .json(&json!({
            "name": "Bench", "openai_api_key": VALID_KEY, "openai_base_url": fake.base_url,
            "allowed_origins": [ORIGIN],
            "limits": {"messages_per_minute": 600, "daily_ai_messages": 1_000_000, "daily_ai_tokens": 1_000_000_000}
        }))
        .send()
        .await
        .expect("project")
        .json()
        .await
        .expect("json");
    project["id"].as_str().expect("id").to_owned()
}

async fn open_session(client: &reqwest::Client, address: &str, project_id: &str) -> String {
    let session: Value = client
        .post(format!("{address}/api/v1/widget/session"))
        .header("origin", ORIGIN)
        .json(&json!({"project_id": project_id}))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    session["visitor_token"].as_str().expect("token").to_owned()
}

/// The event stream, frame by frame, with the time each arrived.
struct Frames {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl Frames {
    async fn open(client: &reqwest::Client, address: &str, token: &str) -> Self {
        let response = client
            .get(format!("{address}/api/v1/widget/events?token={token}"))
            .header("origin", ORIGIN)
            .send()
            .await
            .expect("stream");
        Self {
            body: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    async fn next(&mut self) -> (String, Value, Instant) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let raw: String = self.buffer.drain(..end + 2).collect();
                let event = raw
                    .lines()
                    .find_map(|line| line.strip_prefix("event:"))
                    .map_or("message", str::trim)
                    .to_owned();
                if let Some(data) = raw.lines().find_map(|line| line.strip_prefix("data:")) {
                    let data = serde_json::from_str(data.trim()).unwrap_or(Value::Null);
                    return (event, data, Instant::now());
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(30), self.body.next())
                .await
                .expect("a frame in time")
                .expect("the stream is open")
                .expect("a chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}
