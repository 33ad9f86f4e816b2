//! The `aiwidget` binary's commands, run as a user would run them.

use crate::helpers::TestDb;
use sea_orm_migration::SchemaManager;
use std::process::Command;

fn aiwidget() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aiwidget"));
    // Keep the developer's .env and data/ out of it.
    command.current_dir(std::env::temp_dir()).env_clear();
    command
}

/// `aiwidget rotate-key` moves every stored key to the new generation.
#[tokio::test]
async fn rotate_key_re_encrypts_with_the_new_generation() {
    use base64::Engine as _;
    use engine::db::entities::projects;
    use engine::services::api_keys::{self, Keyring};
    use sea_orm::EntityTrait;
    // Arrange: a project whose key was saved under generation 1 ([7; 32]).
    let app = crate::helpers::spawn_app().await;
    let token = app.admin_token().await;
    let body = serde_json::json!({"name": "A", "openai_api_key": "sk-rotate-me-1234"});
    let (_, project) = app.create_project(&token, body).await;
    let id: uuid::Uuid = project["id"].as_str().expect("id").parse().expect("uuid");
    let key = |bytes: [u8; 32]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let data = tempfile::tempdir().expect("temp dir");
    let rotate = || {
        aiwidget()
            .arg("rotate-key")
            .env("DATABASE_URL", &app.test_db.url)
            .env("DATA_DIR", data.path())
            .env("ENCRYPTION_KEY", key([9; 32]))
            .env("ENCRYPTION_KEY_VERSION", "2")
            .env("PREVIOUS_ENCRYPTION_KEY", key([7; 32]))
            .output()
            .expect("runs")
    };
    // Act
    let first = rotate();
    let second = rotate();
    // Assert
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(
        said.contains("1 re-encrypted, 0 already current, 0 unreadable"),
        "{said}"
    );
    let said = String::from_utf8_lossy(&second.stdout);
    assert!(said.contains("0 re-encrypted, 1 already current"), "{said}");
    let row = projects::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    let stored = row.openai_api_key_ciphertext.expect("stored");
    assert_eq!(api_keys::version_of(&stored), Some(2));
    let v2 = Keyring {
        version: 2,
        current: &[9; 32],
        previous: None,
    };
    assert_eq!(
        api_keys::decrypt(v2, id, &stored).as_deref(),
        Ok("sk-rotate-me-1234")
    );
}

/// `--help` lists every command.
#[test]
fn help_lists_the_commands() {
    let output = aiwidget().arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in [
        "serve",
        "migrate",
        "rotate-key",
        "import-legacy",
        "reset-admin",
        "--env-file",
    ] {
        assert!(help.contains(command), "`{command}` missing from:\n{help}");
    }
}

/// `import-legacy --help` names LEGACY_DATABASE_URL but never shows its value
/// (the old database's password).
#[test]
fn help_never_shows_the_legacy_database_password() {
    let output = aiwidget()
        .args(["import-legacy", "--help"])
        .env(
            "LEGACY_DATABASE_URL",
            "postgres://old:s3cret-pass@old-host/olddb",
        )
        .output()
        .expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("LEGACY_DATABASE_URL"), "{help}");
    assert!(!help.contains("s3cret-pass"), "{help}");
}

/// `aiwidget migrate` creates the schema at DATABASE_URL and exits.
#[tokio::test]
async fn migrate_creates_the_schema_and_exits() {
    let test_db = TestDb::new().await;
    let output = aiwidget()
        .arg("migrate")
        .env("DATABASE_URL", &test_db.url)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let db = engine::db::connect(&test_db.url).await.expect("connect");
    assert!(
        SchemaManager::new(&db)
            .has_table("conversations")
            .await
            .expect("query")
    );
}

/// Production refuses to start without its secrets, and says which.
#[test]
fn production_without_secrets_refuses_to_start_and_names_them() {
    let output = aiwidget()
        .env("AIWIDGET_ENV", "production")
        .env("JWT_SECRET", "too short")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in ["ADMIN_PASSWORD", "JWT_SECRET", "ENCRYPTION_KEY"] {
        assert!(stderr.contains(name), "{name} not named in:\n{stderr}");
    }
}

/// Commands that write encrypted keys never make a key up: with an empty
/// environment and an empty folder they refuse, name ENCRYPTION_KEY and the
/// way to give it, and leave the folder empty (no secrets.env, no database).
#[test]
fn key_commands_refuse_to_run_without_an_encryption_key() {
    let commands: [&[&str]; 2] = [
        &["rotate-key"],
        &[
            "import-legacy",
            "--from",
            "postgres://nobody@127.0.0.1:1/none",
        ],
    ];
    for args in commands {
        // Arrange
        let folder = tempfile::tempdir().expect("temp dir");
        // Act
        let output = aiwidget()
            .current_dir(folder.path())
            .args(args)
            .output()
            .expect("runs");
        // Assert
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} ran: {stderr}");
        assert!(
            stderr.contains("ENCRYPTION_KEY is not set"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("--env-file"), "{args:?}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(folder.path())
            .expect("listed")
            .map(|entry| entry.expect("entry").path())
            .collect();
        assert!(left.is_empty(), "{args:?} wrote {left:?}");
    }
}

/// With the server's env file (`--env-file`, KEY=value lines as systemd
/// reads them) `rotate-key` finds the key and the database.
#[tokio::test]
async fn rotate_key_reads_the_server_env_file() {
    use base64::Engine as _;
    // Arrange: a project saved with the test server's key ([7; 32]).
    let app = crate::helpers::spawn_app().await;
    let token = app.admin_token().await;
    let body = serde_json::json!({"name": "A", "openai_api_key": "sk-env-file-1234"});
    let (status, _) = app.create_project(&token, body).await;
    assert_eq!(status, 201);
    let folder = tempfile::tempdir().expect("temp dir");
    let env_file = folder.path().join("aiwidget.env");
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    std::fs::write(
        &env_file,
        format!(
            "# as /etc/aiwidget/aiwidget.env\nDATABASE_URL={}\nENCRYPTION_KEY={key}\n",
            app.test_db.url
        ),
    )
    .expect("env file");
    // Act
    let output = aiwidget()
        .current_dir(folder.path())
        .arg("--env-file")
        .arg(&env_file)
        .arg("rotate-key")
        .output()
        .expect("runs");
    // Assert
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        said.contains("0 re-encrypted, 1 already current, 0 unreadable"),
        "{said}"
    );
}

/// A missing env file is named, not silently ignored.
#[test]
fn a_missing_env_file_is_named() {
    let output = aiwidget()
        .args(["--env-file", "/nonexistent/aiwidget.env", "migrate"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/aiwidget.env"), "{stderr}");
}
