//! Two server processes on one PostgreSQL database, as behind a load
//! balancer: a visitor on one and an operator on the other see each other
//! live (`LISTEN/NOTIFY`), a takeover on one stops the AI running on the
//! other, and a visitor message that reaches the other restarts the AI where
//! its lease is. It needs PostgreSQL (SQLite is one instance by design), so
//! a plain `cargo test` lists it as ignored; `.ci/run` runs it with
//! `TEST_DATABASE_URL` set and `--include-ignored`.

use crate::helpers::{
    ADMIN_PASSWORD, JWT_SECRET, TestApp, TestDb, attach, eventually, stand_in_site,
};
use crate::operator_client::Operator;
use crate::widget_client::{Widget, project};
use fake_openai::FakeOpenAi;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One `aiwidget serve` process and the test's handle on it.
struct Process {
    app: TestApp,
    _child: Running,
}

/// A child process, killed (and waited for) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Process {
    async fn start(test_db: &TestDb) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let address = format!("http://127.0.0.1:{port}");
        let site = tempfile::tempdir().expect("site dir");
        stand_in_site(site.path());
        let child = Running(
            Command::new(env!("CARGO_BIN_EXE_aiwidget"))
                .arg("serve")
                .current_dir(site.path())
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("DATABASE_URL", &test_db.url)
                .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
                .env("JWT_SECRET", JWT_SECRET)
                .env(
                    "ENCRYPTION_KEY",
                    "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
                )
                .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
                .env("PUBLIC_URL", &address)
                .env("SITE_DIR", site.path())
                .env("ALLOW_PRIVATE_UPSTREAMS", "true")
                .env("AI_FIRST_BYTE_TIMEOUT_SECS", "5")
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .expect("aiwidget starts"),
        );
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client
                .get(format!("{address}/health"))
                .send()
                .await
                .is_ok_and(|response| response.status().is_success())
            {
                return Self {
                    app: attach(test_db.shared(), address, site).await,
                    _child: child,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiwidget on port {port} did not answer /health");
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: TEST_DATABASE_URL=… cargo test -- --include-ignored"]
async fn two_instances_share_conversations_through_postgres() {
    let test_db = TestDb::new().await;
    assert!(
        test_db.is_postgres(),
        "two instances need PostgreSQL: set TEST_DATABASE_URL"
    );
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Доставка по Москве занимает один день, по России от трёх до семи дней.");
    fake.set_delta_delay(Duration::from_millis(100));
    let a = Process::start(&test_db).await;
    let b = Process::start(&test_db).await;
    let id = project(&a.app, &fake, json!({"handoff": {"ai_allowed": false}})).await;

    // A visitor on A, an operator on B.
    let widget = Widget::open(&a.app, &id).await;
    let conversation = widget.session["conversation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let operator = Operator::admin(&b.app).await;
    let mut desk = operator.events(None).await;
    let mut events = widget.events(None).await;
    widget.send("Сколько идёт доставка?").await;
    let seen = desk.until(|f| f.event == "delta").await;
    assert!(
        seen.iter()
            .any(|f| f.event == "message" && f.data["text"] == "Сколько идёт доставка?"),
        "B's operator sees the visitor's message written on A"
    );

    // The takeover on B stops the AI running on A.
    let (status, taken) = operator.action(&conversation, "takeover").await;
    assert_eq!(status, 200, "{taken}");
    let frames = events
        .until(|f| f.event == "message" && f.data["status"] == "interrupted")
        .await;
    assert!(
        frames
            .iter()
            .any(|f| f.event == "status" && f.data["status"] == "human")
    );
    assert!(
        eventually(|| fake.cancelled_streams() == 1).await,
        "A dropped the upstream request"
    );

    // B's operator writes; A's visitor reads it.
    operator.send(&conversation, "Здравствуйте, я Анна.").await;
    let frames = events
        .until(|f| f.event == "message" && f.data["role"] == "operator")
        .await;
    assert_eq!(
        frames.last().expect("message").data["text"],
        "Здравствуйте, я Анна."
    );

    // Back to the AI; the visitor writes on A, then quickly again on B: the
    // run on A restarts with both messages and gives one answer.
    operator.action(&conversation, "release").await;
    let requests_before = fake.requests().len();
    widget.send("А в Казань?").await;
    fake.wait_for_requests(requests_before + 1, Duration::from_secs(5))
        .await;
    let on_b = Widget {
        app: &b.app,
        token: widget.token.clone(),
        session: widget.session.clone(),
    };
    let (status, _) = on_b.send("И в Самару?").await;
    assert_eq!(status, 202);
    let frames = events
        .until(|f| f.event == "message" && f.data["role"] == "ai" && f.data["status"] == "complete")
        .await;
    assert!(frames.iter().all(|f| f.data["status"] != "failed"));
    let requests = fake.requests();
    let last = serde_json::to_string(&requests.last().expect("a request").body).expect("body");
    assert!(
        last.contains("А в Казань?") && last.contains("И в Самару?"),
        "the answer was asked with both messages"
    );
    let completed = requests.len() - requests_before;
    assert_eq!(
        completed, 2,
        "one restart, on the instance holding the lease"
    );
    assert!(fake.cancelled_streams() >= 2, "the first run was dropped");
}
