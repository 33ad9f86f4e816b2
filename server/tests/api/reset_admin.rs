//! `aiwidget reset-admin`, run as a site owner who lost the admin's password
//! runs it: with the server's env file, which needs only DATABASE_URL.

use crate::helpers::{ADMIN_PASSWORD, TestApp, spawn_app, spawn_app_on};
use engine::db::entities::users;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::io::Write as _;
use std::process::{Command, Output, Stdio};

/// Runs `aiwidget --env-file <file> reset-admin {args}` against `app`'s
/// database, the env file holding DATABASE_URL alone, with `stdin` as input.
fn reset_admin(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let folder = tempfile::tempdir().expect("temp dir");
    let env_file = folder.path().join("aiwidget.env");
    std::fs::write(&env_file, format!("DATABASE_URL={}\n", app.test_db.url)).expect("env file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_aiwidget"))
        .current_dir(folder.path())
        .env_clear()
        .arg("--env-file")
        .arg(&env_file)
        .arg("reset-admin")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("written");
    let output = child.wait_with_output().expect("ends");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The status of a login as `admin` with `password`.
async fn admin_login(app: &TestApp, password: &str) -> u16 {
    app.login("admin", password).await.status().as_u16()
}

/// A generated password is printed once; it works, the old one and every
/// earlier session do not, and a restart with the same ADMIN_PASSWORD keeps it.
#[tokio::test]
async fn reset_admin_prints_a_new_password_and_signs_out_old_sessions() {
    // Arrange
    let app = spawn_app().await;
    let token = app.admin_token().await;
    // Act
    let output = reset_admin(&app, &[], "");
    // Assert
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("reset the password of `admin`"), "{said}");
    assert!(said.contains("signed out"), "{said}");
    let password = said
        .lines()
        .find_map(|line| line.trim().strip_prefix("password: "))
        .expect("the password is printed")
        .to_owned();
    assert_eq!(password.len(), 20, "{said}");
    assert_eq!(admin_login(&app, &password).await, 200);
    assert_eq!(admin_login(&app, ADMIN_PASSWORD).await, 401);
    let me = app.authed(Method::GET, "/api/v1/admin/me", &token).send();
    assert_eq!(me.await.expect("sent").status(), 401, "signed out");
    let restarted = spawn_app_on(app.test_db, ADMIN_PASSWORD).await;
    assert_eq!(admin_login(&restarted, &password).await, 200, "kept");
}

/// A removed `admin` is re-created, as an admin, with the password read
/// from standard input, which is never printed.
#[tokio::test]
async fn reset_admin_re_creates_a_removed_admin_with_a_password_from_stdin() {
    // Arrange: a second admin removes `admin`.
    let app = spawn_app().await;
    let other = app.user_token("admin", &[]).await;
    let path = format!("/api/v1/admin/users/{}", app.admin().await.id);
    let removed = app.authed(Method::DELETE, &path, &other).send().await;
    assert_eq!(removed.expect("sent").status(), 204);
    // Act
    let output = reset_admin(&app, &["--password-stdin"], "from standard input\n");
    // Assert
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("created it"), "{said}");
    assert!(!said.contains("from standard input"), "{said}");
    assert_eq!(admin_login(&app, "from standard input").await, 200);
    let row = users::Entity::find()
        .filter(users::Column::Username.eq("admin"))
        .one(&app.db)
        .await;
    assert_eq!(row.expect("query").expect("re-created").role, "admin");
}

/// A password too short on standard input is refused, and nothing changes.
#[tokio::test]
async fn reset_admin_refuses_a_short_password() {
    // Arrange
    let app = spawn_app().await;
    let folder = tempfile::tempdir().expect("temp dir");
    // Act
    let mut child = Command::new(env!("CARGO_BIN_EXE_aiwidget"))
        .current_dir(folder.path())
        .env_clear()
        .env("DATABASE_URL", &app.test_db.url)
        .args(["reset-admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"short\n").expect("written");
    drop(stdin);
    let output = child.wait_with_output().expect("ends");
    // Assert
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 10 characters"), "{stderr}");
    assert_eq!(admin_login(&app, ADMIN_PASSWORD).await, 200, "unchanged");
}
