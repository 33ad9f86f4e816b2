//! What the server does at start-up: the first admin, `ADMIN_PASSWORD`
//! changes, and messages a crash left streaming. Migrations at an upgrade
//! are in [`upgrades`]; `ADMIN_PASSWORD` against the dashboard's password in
//! [`admin`].

mod admin;
mod upgrades;

use crate::fixtures;
use crate::helpers::{ADMIN_PASSWORD, TestDb, spawn_app_on};
use contract::chat::{MessageRole, MessageStatus};
use engine::db::entities::{messages, users};
use engine::services::messages::{NewMessage, insert};
use engine::services::passwords;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

async fn admin(db: &DatabaseConnection) -> users::Model {
    users::Entity::find()
        .filter(users::Column::Username.eq("admin"))
        .one(db)
        .await
        .expect("query")
        .expect("admin exists")
}

/// The first start creates `admin` with `ADMIN_PASSWORD`, hashed with argon2.
#[tokio::test]
async fn first_start_creates_the_admin_from_admin_password() {
    let app = spawn_app_on(TestDb::new().await, ADMIN_PASSWORD).await;
    let admin = admin(&app.db).await;
    assert_eq!(admin.role, "admin");
    assert_eq!(admin.token_version, 0);
    assert!(admin.password_hash.starts_with("$argon2id$"));
    assert!(passwords::verify(ADMIN_PASSWORD, &admin.password_hash));
}

/// A restart with the same password changes nothing; a new password is
/// re-hashed and older sessions are revoked through `token_version`.
#[tokio::test]
async fn a_changed_admin_password_is_rehashed_and_revokes_sessions() {
    // Arrange
    let first = spawn_app_on(TestDb::new().await, ADMIN_PASSWORD).await;
    let hash = admin(&first.db).await.password_hash;
    // Act: restart with the same password, then with a new one.
    let same = spawn_app_on(first.test_db, ADMIN_PASSWORD).await;
    let unchanged = admin(&same.db).await;
    let changed = spawn_app_on(same.test_db, "a brand new password").await;
    let rotated = admin(&changed.db).await;
    // Assert
    assert_eq!(unchanged.password_hash, hash);
    assert_eq!(unchanged.token_version, 0);
    assert_eq!(rotated.token_version, 1);
    assert!(passwords::verify(
        "a brand new password",
        &rotated.password_hash
    ));
    assert!(!passwords::verify(ADMIN_PASSWORD, &rotated.password_hash));
}

/// Text that was streaming when the server died is kept, marked interrupted.
#[tokio::test]
async fn messages_left_streaming_by_a_crash_are_interrupted_at_start() {
    // Arrange
    let before = spawn_app_on(TestDb::new().await, ADMIN_PASSWORD).await;
    let project = fixtures::project(&before).await;
    let conversation = fixtures::conversation(&before, project).await;
    // The first server's sweep repairs orphaned answers too: stop it, so
    // that only the second server's start can do the repair checked below.
    // A tick in progress when the token is cancelled still runs to its end.
    before.state().shutdown.cancel();
    before.state().sweeps.close();
    before.state().sweeps.wait().await;
    // An answer as the relay starts one, and a finished message.
    let streaming = NewMessage {
        status: MessageStatus::Streaming,
        ..NewMessage::new(conversation, MessageRole::Ai, "Half an answ")
    };
    let streaming = insert(&before.db, streaming).await.expect("message").id;
    let complete = NewMessage::new(conversation, MessageRole::Visitor, "done");
    let complete = insert(&before.db, complete).await.expect("message").id;
    let left = messages::Entity::find_by_id(streaming)
        .one(&before.db)
        .await;
    assert_eq!(
        left.expect("query").expect("kept").status,
        "streaming",
        "still streaming before the restart"
    );
    // Act
    let after = spawn_app_on(before.test_db, ADMIN_PASSWORD).await;
    // Assert
    let find = |id| messages::Entity::find_by_id(id).one(&after.db);
    let streaming = find(streaming).await.expect("query").expect("kept");
    assert_eq!(streaming.status, "interrupted");
    assert_eq!(streaming.text, "Half an answ");
    assert_eq!(
        find(complete).await.expect("query").expect("kept").status,
        "complete"
    );
}
