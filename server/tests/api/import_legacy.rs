//! `aiwidget import-legacy`, run as a user runs it, from a throwaway
//! PostgreSQL database shaped like the Node.js version's into the suite's
//! database (SQLite or PostgreSQL). The source needs PostgreSQL, so these
//! tests are ignored on a plain `cargo test`; `.ci/run` runs them.

use crate::helpers::{TestDb, json, spawn_app};
use base64::Engine as _;
use engine::db::entities::{conversations, messages, projects};
use engine::services::api_keys::{self, Keyring};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use std::process::{Command, Output};
use uuid::Uuid;

const SHOP: &str = "6f1c2b9e-3d4a-4b5c-8d7e-1a2b3c4d5e6f";
const CHAT: &str = "0b7d4c1a-9e8f-4a6b-b5c4-d3e2f1a0b9c8";
const OLD_ORIGIN: &str = "https://shop.example";

/// A Node.js-like database: `text[]` origins, uuid ids, a conversation whose
/// messages include a role aiwidget has no place for, and a table it skips.
const NODE_SCHEMA: &str = "
CREATE TABLE projects (
  id uuid PRIMARY KEY, name text NOT NULL, openai_api_key text, assistant_id text,
  instructions text, allowed_origins text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE conversations (
  id uuid PRIMARY KEY, project_id uuid REFERENCES projects (id), session_id text,
  created_at timestamptz NOT NULL);
CREATE TABLE messages (
  id serial PRIMARY KEY, conversation_id uuid REFERENCES conversations (id),
  role text NOT NULL, content text, created_at timestamptz NOT NULL);
CREATE TABLE users (id serial PRIMARY KEY, email text);
INSERT INTO projects (id, name, openai_api_key, assistant_id, instructions, allowed_origins)
  VALUES ('6f1c2b9e-3d4a-4b5c-8d7e-1a2b3c4d5e6f', 'Shop', 'sk-legacy-shop-1234', 'asst_shop123',
          'Be kind.', ARRAY['HTTPS://Shop.Example:443/', 'shop.example/cart']);
INSERT INTO conversations VALUES
  ('0b7d4c1a-9e8f-4a6b-b5c4-d3e2f1a0b9c8', '6f1c2b9e-3d4a-4b5c-8d7e-1a2b3c4d5e6f', 's1',
   '2025-01-02 10:00:00+00');
INSERT INTO messages (conversation_id, role, content, created_at) VALUES
  ('0b7d4c1a-9e8f-4a6b-b5c4-d3e2f1a0b9c8', 'user', 'Do you ship to Kazan?', '2025-01-02 10:00:01+00'),
  ('0b7d4c1a-9e8f-4a6b-b5c4-d3e2f1a0b9c8', 'tool', '{\"x\": 1}', '2025-01-02 10:00:02+00'),
  ('0b7d4c1a-9e8f-4a6b-b5c4-d3e2f1a0b9c8', 'assistant', 'Yes, in three days.', '2025-01-02 10:00:05+00');
INSERT INTO users (email) VALUES ('old@example.com');
";

/// A throwaway source database (named like the suite's, so `.ci/run` drops
/// one a failed test left behind).
struct LegacyDb {
    admin: String,
    name: String,
    url: String,
}

impl LegacyDb {
    async fn new(schema: &str) -> Self {
        let admin = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|url| url.starts_with("postgres"))
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let name = format!("aiw_test_legacy_{}", Uuid::new_v4().simple());
        let server = Database::connect(&admin).await.expect("PostgreSQL answers");
        server
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("source database created");
        server.close().await.expect("close");
        let mut url = url::Url::parse(&admin).expect("a URL");
        url.set_path(&name);
        let source = Database::connect(url.as_str()).await.expect("source");
        source.execute_unprepared(schema).await.expect("old schema");
        source.close().await.expect("close");
        Self {
            admin,
            name,
            url: url.to_string(),
        }
    }

    async fn drop(self) {
        let server = Database::connect(&self.admin).await.expect("PostgreSQL");
        server
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .await
            .expect("source database dropped");
        server.close().await.expect("close");
    }
}

/// `aiwidget --env-file <the server's> import-legacy --from <source> [extra]`
/// with nothing else in the environment; the stdout, checked to succeed.
fn import(target: &TestDb, from: &str, extra: &[&str]) -> String {
    let folder = tempfile::tempdir().expect("temp dir");
    let env_file = folder.path().join("aiwidget.env");
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let config = format!("DATABASE_URL={}\nENCRYPTION_KEY={key}\n", target.url);
    std::fs::write(&env_file, config).expect("env file");
    let output: Output = Command::new(env!("CARGO_BIN_EXE_aiwidget"))
        .current_dir(folder.path())
        .env_clear()
        .arg("--env-file")
        .arg(&env_file)
        .args(["import-legacy", "--from", from])
        .args(extra)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "import failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn id(text: &str) -> Uuid {
    text.parse().expect("uuid")
}

/// The Node.js version's project comes over with its id, its key encrypted,
/// its origins normalised and its chat; a dry run writes nothing; a second
/// run skips it; a server that was already running serves the widget to the
/// old origin at once, and refuses others.
#[tokio::test]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432; .ci/run runs it"]
async fn the_node_version_moves_with_its_ids_keys_origins_and_chats() {
    // Arrange: a running server whose origin list is already loaded.
    let source = LegacyDb::new(NODE_SCHEMA).await;
    let app = spawn_app().await;
    let preflight = || {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/v1/widget/messages", app.address),
            )
            .header("origin", OLD_ORIGIN)
            .header("access-control-request-method", "POST")
            .send()
    };
    let before = preflight().await.expect("sent");
    assert!(
        before
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // Act + Assert: the dry run says what it would do and writes nothing.
    let dry = import(&app.test_db, &source.url, &["--dry-run"]);
    assert!(dry.contains("would be created"), "{dry}");
    assert_eq!(
        projects::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        0
    );

    // Act: the real run.
    let said = import(&app.test_db, &source.url, &[]);

    // Assert: what it said.
    for expected in [
        &format!("project {SHOP} \"Shop\": created"),
        "left out: allowed origin `shop.example/cart`",
        "1 message(s) with the unknown role `tool`",
        "Skipped: table `users` (1 rows)",
        "1 created (2 messages)",
        "choose (was asst_shop123; now gpt-4.1-mini)",
        "add the vector stores of asst_shop123",
    ] {
        assert!(
            said.contains(expected),
            "`{expected}` missing from:\n{said}"
        );
    }
    // The project: same id, key encrypted with the server's key, origins normalised.
    let project = projects::Entity::find_by_id(id(SHOP))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the same id");
    assert_eq!(project.name, "Shop");
    assert_eq!(project.instructions, "Be kind.");
    assert_eq!(project.allowed_origins, serde_json::json!([OLD_ORIGIN]));
    let keyring = Keyring {
        version: 1,
        current: &[7; 32],
        previous: None,
    };
    let stored = project.openai_api_key_ciphertext.expect("a key");
    assert_eq!(
        api_keys::decrypt(keyring, id(SHOP), &stored).as_deref(),
        Ok("sk-legacy-shop-1234")
    );
    // The chat: same id, closed, the two messages aiwidget has roles for.
    let chat = conversations::Entity::find_by_id(id(CHAT))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the same id");
    assert_eq!(
        (chat.project_id, chat.status.as_str()),
        (id(SHOP), "closed")
    );
    let kept: Vec<(String, String)> = messages::Entity::find()
        .filter(messages::Column::ConversationId.eq(id(CHAT)))
        .order_by_asc(messages::Column::CreatedAt)
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|message| (message.role, message.text))
        .collect();
    let expected = [
        ("visitor", "Do you ship to Kazan?"),
        ("ai", "Yes, in three days."),
    ]
    .map(|(role, text)| (role.to_owned(), text.to_owned()));
    assert_eq!(kept, expected);
    // The running server: the old origin gets the widget, another does not.
    let config = |origin: &'static str| {
        app.client
            .get(format!(
                "{}/api/v1/widget/config?project_id={SHOP}",
                app.address
            ))
            .header("origin", origin)
            .send()
    };
    let (status, body) = json(config(OLD_ORIGIN).await.expect("sent")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = json(config("https://evil.example").await.expect("sent")).await;
    assert_eq!(
        (status, &body["error"]),
        (403, &serde_json::json!("origin_not_allowed"))
    );
    let mut passed = false;
    for _ in 0..20 {
        let answer = preflight().await.expect("sent");
        passed = answer
            .headers()
            .get("access-control-allow-origin")
            .is_some();
        if passed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        passed,
        "a preflight from the imported origin passes within a second"
    );

    // Act + Assert: a second run skips what exists.
    let again = import(&app.test_db, &source.url, &[]);
    assert!(again.contains("already there, left as it is"), "{again}");
    assert!(
        again.contains("0 created (0 messages), 1 already there"),
        "{again}"
    );
    let count = messages::Entity::find()
        .filter(messages::Column::ConversationId.eq(id(CHAT)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(count, 2);
    source.drop().await;
}

/// Origins kept as text (commas, spaces, new lines) or JSON, and ids kept as
/// text, are read; a row whose id is no UUID, a missing key and missing
/// chat tables are reported, not fatal.
#[tokio::test]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432; .ci/run runs it"]
async fn origins_in_text_or_json_columns_and_text_ids_are_read() {
    let cases = [
        (
            "text",
            "'https://a.example, HTTPS://B.example/\nhttps://c.example'",
        ),
        (
            "jsonb",
            r#"'["https://a.example", "https://b.example", "https://c.example"]'"#,
        ),
        (
            "json",
            r#"'["https://a.example", "https://b.example:443", "https://c.example"]'"#,
        ),
    ];
    let project = Uuid::new_v4();
    for (kind, origins) in cases {
        // Arrange: no name column, an upper-case text id, no key, no chats.
        let schema = format!(
            "CREATE TABLE projects (id text PRIMARY KEY, openai_api_key text, \
               assistant_id text, instructions text, allowed_origins {kind});
             INSERT INTO projects VALUES
               ('{}', NULL, NULL, 'Hi', {origins}),
               ('site-7', 'sk-legacy-7777', NULL, NULL, NULL);",
            project.to_string().to_uppercase()
        );
        let source = LegacyDb::new(&schema).await;
        let target = TestDb::new().await;

        // Act
        let said = import(&target, &source.url, &[]);

        // Assert
        for expected in [
            "project `site-7`: its id is not a UUID",
            "Skipped: no `conversations` and `messages` tables",
            "missing: enter it",
            "Projects: 1 created, 0 already there, 1 skipped.",
        ] {
            assert!(
                said.contains(expected),
                "{kind}: `{expected}` missing:\n{said}"
            );
        }
        let db = engine::db::connect(&target.url).await.expect("target");
        let row = projects::Entity::find_by_id(project)
            .one(&db)
            .await
            .expect("query")
            .expect("the same id");
        let expected = [
            "https://a.example",
            "https://b.example",
            "https://c.example",
        ];
        assert_eq!(row.allowed_origins, serde_json::json!(expected), "{kind}");
        assert!(row.name.starts_with("Imported "), "{kind}: {}", row.name);
        assert!(row.openai_api_key_ciphertext.is_none(), "{kind}");
        db.close().await.expect("close");
        source.drop().await;
    }
}
