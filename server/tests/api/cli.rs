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

/// `--help` lists every command.
#[test]
fn help_lists_the_commands() {
    let output = aiwidget().arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate"] {
        assert!(help.contains(command), "`{command}` missing from:\n{help}");
    }
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
    let db = app::db::connect(&test_db.url).await.expect("connect");
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
