//! `ADMIN_PASSWORD` across restarts: it makes the first admin, and later
//! resets `admin` only when its value changed, so a password changed in the
//! dashboard survives restarts and a removed `admin` stays removed.

use crate::helpers::{ADMIN_PASSWORD, TestApp, TestDb, json, spawn_app_on};
use engine::db::entities::users;
use engine::db::{Migrator, migrate_with};
use engine::services::passwords;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use serde_json::json;

/// The password an admin sets for `admin` in the dashboard.
const DASHBOARD_PASSWORD: &str = "changed in the dashboard";

/// The status of a login as `admin` with `password`.
async fn admin_login(app: &TestApp, password: &str) -> u16 {
    app.login("admin", password).await.status().as_u16()
}

/// `PATCH /api/v1/admin/users/{admin}` with a new password, as the dashboard
/// does; returns a token issued with that new password.
async fn change_in_dashboard(app: &TestApp) -> String {
    let token = app.admin_token().await;
    let id = app.admin().await.id;
    let response = app
        .authed(Method::PATCH, &format!("/api/v1/admin/users/{id}"), &token)
        .json(&json!({"password": DASHBOARD_PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let (status, body) = json(app.login("admin", DASHBOARD_PASSWORD).await).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

/// `GET /api/v1/admin/me` with `token`: 200 while the session holds.
async fn me(app: &TestApp, token: &str) -> u16 {
    let response = app.authed(Method::GET, "/api/v1/admin/me", token).send();
    response.await.expect("sent").status().as_u16()
}

/// A restart with the same `ADMIN_PASSWORD` keeps the password set in the
/// dashboard, and its sessions.
#[tokio::test]
async fn a_dashboard_password_survives_a_restart_with_the_same_admin_password() {
    // Arrange
    let first = spawn_app_on(TestDb::new().await, ADMIN_PASSWORD).await;
    let token = change_in_dashboard(&first).await;
    // Act
    let restarted = spawn_app_on(first.test_db, ADMIN_PASSWORD).await;
    // Assert
    assert_eq!(admin_login(&restarted, DASHBOARD_PASSWORD).await, 200);
    assert_eq!(admin_login(&restarted, ADMIN_PASSWORD).await, 401);
    assert_eq!(me(&restarted, &token).await, 200, "the session holds");
}

/// A new `ADMIN_PASSWORD` resets `admin`'s password (the dashboard's stops
/// working) and signs out its sessions; the restart after it changes nothing.
#[tokio::test]
async fn a_changed_admin_password_resets_the_admin_and_signs_it_out() {
    // Arrange
    let first = spawn_app_on(TestDb::new().await, ADMIN_PASSWORD).await;
    let token = change_in_dashboard(&first).await;
    // Act
    let changed = spawn_app_on(first.test_db, "a brand new admin password").await;
    // Assert
    assert_eq!(me(&changed, &token).await, 401, "signed out");
    assert_eq!(
        admin_login(&changed, "a brand new admin password").await,
        200
    );
    assert_eq!(admin_login(&changed, DASHBOARD_PASSWORD).await, 401);
    let id = changed.admin().await.id;
    let again = spawn_app_on(changed.test_db, "a brand new admin password").await;
    let row = users::Entity::find_by_id(id).one(&again.db).await;
    // 1 for the dashboard's change, 2 for the new value, and no more after.
    assert_eq!(row.expect("query").expect("admin").token_version, 2);
}

/// A removed `admin` is not re-created at a restart, with the same or with
/// a changed `ADMIN_PASSWORD`.
#[tokio::test]
async fn a_removed_admin_is_not_re_created_at_restart() {
    // Arrange: a second admin removes `admin`.
    let first = spawn_app_on(TestDb::new().await, ADMIN_PASSWORD).await;
    let other = first.user_token("admin", &[]).await;
    let id = first.admin().await.id;
    let path = format!("/api/v1/admin/users/{id}");
    let response = first.authed(Method::DELETE, &path, &other).send().await;
    assert_eq!(response.expect("sent").status(), 204);
    // Act
    let same = spawn_app_on(first.test_db, ADMIN_PASSWORD).await;
    let same_admins = admins_named_admin(&same).await;
    let changed = spawn_app_on(same.test_db, "another admin password").await;
    // Assert
    assert_eq!(same_admins, 0, "not re-created with the same value");
    assert_eq!(admins_named_admin(&changed).await, 0, "nor with a new one");
    assert_eq!(admin_login(&changed, "another admin password").await, 401);
    assert_eq!(me(&changed, &other).await, 200, "the other admin goes on");
}

async fn admins_named_admin(app: &TestApp) -> u64 {
    users::Entity::find()
        .filter(users::Column::Username.eq("admin"))
        .count(&app.db)
        .await
        .expect("query")
}

/// The schema as the released version left it: the first migration only.
struct Released;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Released {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        Migrator::migrations().into_iter().take(1).collect()
    }
}

/// An install upgraded from the version that re-hashed `admin` at every
/// start: its admin's password, changed in the dashboard, differs from
/// `ADMIN_PASSWORD`. The upgrade's first start keeps it, and so do the next.
#[tokio::test]
async fn an_upgraded_install_keeps_the_dashboard_password() {
    // Arrange: the released schema with its admin, as the old version left it.
    let test_db = TestDb::new().await;
    migrate_with::<Released>(&test_db.url)
        .await
        .expect("released");
    let db = engine::db::connect(&test_db.url).await.expect("connect");
    let now = chrono::Utc::now();
    let admin = users::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        username: Set("admin".into()),
        display_name: Set("Administrator".into()),
        password_hash: Set(passwords::hash(DASHBOARD_PASSWORD).expect("hash")),
        role: Set("admin".into()),
        token_version: Set(3),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    // Without RETURNING: the released schema lacks the columns added since.
    users::Entity::insert(admin)
        .exec_without_returning(&db)
        .await
        .expect("the old admin");
    db.close().await.expect("closed");
    // Act
    let upgraded = spawn_app_on(test_db, ADMIN_PASSWORD).await;
    let first = admin_login(&upgraded, DASHBOARD_PASSWORD).await;
    let again = spawn_app_on(upgraded.test_db, ADMIN_PASSWORD).await;
    // Assert
    assert_eq!(first, 200, "the upgrade kept the dashboard password");
    assert_eq!(admin_login(&again, DASHBOARD_PASSWORD).await, 200);
    assert_eq!(admin_login(&again, ADMIN_PASSWORD).await, 401);
    assert_eq!(again.admin().await.username, "admin");
    let row = users::Entity::find()
        .filter(users::Column::Username.eq("admin"))
        .one(&again.db)
        .await;
    assert_eq!(row.expect("query").expect("admin").token_version, 3);
}
