//! The schema of the first migration, on whichever database the suite runs:
//! tables, keys, uniqueness, cascades and Russian-aware search.

use crate::fixtures;
use crate::helpers::{TestDb, spawn_app};
use contract::chat::MessageRole;
use engine::db::entities::{conversations, events, messages, usage_daily};
use engine::services::messages::{NewMessage, insert};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, SqlErr, Statement,
};
use sea_orm_migration::SchemaManager;
use uuid::Uuid;

/// A visitor's message of `conversation_id`, as the widget stores one.
fn visitor_message(conversation_id: Uuid, text: &str) -> NewMessage {
    NewMessage::new(conversation_id, MessageRole::Visitor, text)
}

/// Every table of `docs/architecture.md` ("Database") exists after start-up.
#[tokio::test]
async fn migration_creates_every_table() {
    let app = spawn_app().await;
    let manager = SchemaManager::new(&app.db);
    for table in [
        "users",
        "project_members",
        "projects",
        "visitors",
        "conversations",
        "messages",
        "events",
        "usage_daily",
        "canned_replies",
    ] {
        assert!(
            manager.has_table(table).await.expect("query"),
            "missing table {table}"
        );
    }
    for (table, index) in [
        ("messages", "uq_messages_client_message_id"),
        ("conversations", "idx_conversations_project_activity"),
        ("events", "idx_events_conversation"),
        // The per-address limits look visitors up by it on every message.
        ("visitors", "idx_visitors_project_ip"),
        // A shortcut is unique in its project.
        ("canned_replies", "idx_canned_replies_project_shortcut"),
    ] {
        assert!(
            manager.has_index(table, index).await.expect("query"),
            "missing index {index}"
        );
    }
}

/// A retried POST with the same client_message_id cannot be stored twice;
/// the same id in another conversation, and messages without one, are fine.
#[tokio::test]
async fn client_message_id_is_unique_within_a_conversation() {
    // Arrange
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let first = fixtures::conversation(&app, project).await;
    let second = fixtures::conversation(&app, project).await;
    let with_id = |conversation_id| NewMessage {
        client_message_id: Some("c-1".to_owned()),
        ..visitor_message(conversation_id, "hello")
    };
    // Act: the service's insert, without the widget's check for a retry.
    insert(&app.db, with_id(first)).await.expect("first insert");
    let retried = insert(&app.db, with_id(first)).await;
    let elsewhere = insert(&app.db, with_id(second)).await;
    let without_a = insert(&app.db, visitor_message(first, "a")).await;
    let without_b = insert(&app.db, visitor_message(first, "b")).await;
    // Assert
    let err = retried.expect_err("the duplicate must be refused");
    assert!(
        matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
        "{err:?}"
    );
    elsewhere.expect("same id, other conversation");
    without_a.expect("no id");
    without_b.expect("no id again");
}

/// Foreign keys hold on both databases (SQLite needs them switched on).
#[tokio::test]
async fn foreign_keys_are_enforced() {
    let app = spawn_app().await;
    let orphan = visitor_message(Uuid::new_v4(), "nobody's");
    let err = insert(&app.db, orphan).await.expect_err("refused");
    assert!(
        matches!(
            err.sql_err(),
            Some(SqlErr::ForeignKeyConstraintViolation(_))
        ),
        "{err:?}"
    );
}

/// Deleting a project leaves nothing of it behind.
#[tokio::test]
async fn deleting_a_project_removes_its_conversations_messages_and_events() {
    // Arrange
    let app = spawn_app().await;
    let doomed = fixtures::project(&app).await;
    let kept = fixtures::project(&app).await;
    for project in [doomed, kept] {
        let conversation = fixtures::conversation(&app, project).await;
        insert(&app.db, visitor_message(conversation, "hi"))
            .await
            .expect("message");
        fixtures::event(&app, conversation).await;
    }
    // Act
    engine::db::entities::projects::Entity::delete_by_id(doomed)
        .exec(&app.db)
        .await
        .expect("delete");
    // Assert
    let conversations = conversations::Entity::find()
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0].project_id, kept);
    assert_eq!(
        messages::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        1
    );
    let events = events::Entity::find().all(&app.db).await.expect("query");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].project_id, kept);
}

/// A removed operator's messages stay, without an author.
#[tokio::test]
async fn removing_a_user_keeps_their_messages() {
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let conversation = fixtures::conversation(&app, project).await;
    let operator = fixtures::operator(&app).await;
    let message = insert(
        &app.db,
        NewMessage {
            author_user_id: Some(operator),
            author_name: Some("Operator".to_owned()),
            ..NewMessage::new(
                conversation,
                MessageRole::Operator,
                "Здравствуйте, чем помочь?",
            )
        },
    )
    .await
    .expect("message")
    .id;

    engine::db::entities::users::Entity::delete_by_id(operator)
        .exec(&app.db)
        .await
        .expect("delete");

    let kept = messages::Entity::find_by_id(message)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the message is still there");
    assert_eq!(kept.author_user_id, None);
    assert_eq!(kept.text, "Здравствуйте, чем помочь?");
}

/// Event ids only grow: they are the replay cursor of every stream.
#[tokio::test]
async fn event_ids_increase() {
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let conversation = fixtures::conversation(&app, project).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(fixtures::event(&app, conversation).await);
    }
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
}

/// Search finds Russian text whatever its case, on SQLite as on PostgreSQL.
#[tokio::test]
async fn search_text_finds_russian_words_in_any_case() {
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let conversation = fixtures::conversation(&app, project).await;
    for text in [
        "Сколько СТОИТ доставка?",
        "What does delivery cost?",
        "Спасибо",
    ] {
        insert(&app.db, visitor_message(conversation, text))
            .await
            .expect("message");
    }
    for (query, expected) in [
        ("стоит", vec!["Сколько СТОИТ доставка?"]),
        ("ДОСТАВКА", vec!["Сколько СТОИТ доставка?"]),
        ("Delivery", vec!["What does delivery cost?"]),
        ("нет такого", vec![]),
    ] {
        let found: Vec<String> = messages::Entity::find()
            .filter(messages::Column::SearchText.contains(contract::text::search_text(query)))
            .all(&app.db)
            .await
            .expect("query")
            .into_iter()
            .map(|message| message.text)
            .collect();
        assert_eq!(found, expected, "query {query}");
    }
}

/// The database runs as `docs/architecture.md` ("Database") says: SQLite in WAL with foreign keys,
/// or PostgreSQL 14 or newer.
#[tokio::test]
async fn the_database_is_configured_as_designed() {
    let app = spawn_app().await;
    let backend = app.db.get_database_backend();
    let scalar = |sql: &str| {
        let db = app.db.clone();
        let sql = sql.to_owned();
        async move {
            db.query_one_raw(Statement::from_string(backend, sql))
                .await
                .expect("query")
                .expect("a row")
        }
    };
    if app.test_db.is_postgres() {
        assert_eq!(backend, DatabaseBackend::Postgres);
        let row = scalar("SELECT current_setting('server_version_num')::int AS v").await;
        let version: i32 = row.try_get("", "v").expect("version");
        assert!(version >= 140_000, "PostgreSQL {version}");
    } else {
        assert_eq!(backend, DatabaseBackend::Sqlite);
        let mode: String = scalar("PRAGMA journal_mode")
            .await
            .try_get_by_index(0)
            .expect("mode");
        assert_eq!(mode, "wal");
        let keys: i32 = scalar("PRAGMA foreign_keys")
            .await
            .try_get_by_index(0)
            .expect("keys");
        assert_eq!(keys, 1);
        let busy: i32 = scalar("PRAGMA busy_timeout")
            .await
            .try_get_by_index(0)
            .expect("busy");
        assert!(busy >= 5_000, "busy_timeout {busy}");
    }
}

/// Concurrent read-then-write transactions neither fail (`SQLITE_BUSY`) nor
/// lose an update: `begin_write` plus a locking read is safe on both.
#[tokio::test]
async fn concurrent_read_then_write_transactions_neither_fail_nor_lose_updates() {
    // Arrange
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let row = engine::db::entities::projects::Entity::find_by_id(project)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the project");
    // Today's usage row, made by the service that counts an AI message.
    engine::services::limits::reserve_ai_answer(&app.db, &row, 0)
        .await
        .expect("usage row");
    let start = usage_row(&app.db, project).await;
    let day = start.day.clone();
    // Act
    let writers: Vec<_> = (0..16)
        .map(|_| {
            let db = app.db.clone();
            let day = day.clone();
            tokio::spawn(async move {
                let txn = engine::db::begin_write(&db).await?;
                let row = usage_daily::Entity::find_by_id((project, day))
                    .lock(LockType::Update)
                    .one(&txn)
                    .await?
                    .expect("row");
                tokio::task::yield_now().await;
                usage_daily::Entity::update_many()
                    .col_expr(
                        usage_daily::Column::AiMessages,
                        Expr::value(row.ai_messages + 1),
                    )
                    .filter(usage_daily::Column::ProjectId.eq(project))
                    .exec(&txn)
                    .await?;
                txn.commit().await
            })
        })
        .collect();
    // Assert
    for writer in writers {
        writer
            .await
            .expect("task")
            .expect("no SQLITE_BUSY, no error");
    }
    let row = usage_row(&app.db, project).await;
    assert_eq!(row.ai_messages, start.ai_messages + 16);
}

/// The one usage row of `project`.
async fn usage_row(db: &sea_orm::DatabaseConnection, project: Uuid) -> usage_daily::Model {
    usage_daily::Entity::find()
        .filter(usage_daily::Column::ProjectId.eq(project))
        .one(db)
        .await
        .expect("query")
        .expect("the usage row")
}

/// Two instances starting together on one database both come up: the
/// migrations of one wait for the other (advisory lock on PostgreSQL).
#[tokio::test]
async fn concurrent_migrations_of_one_database_both_succeed() {
    let test_db = TestDb::new().await;
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let url = test_db.url.clone();
            tokio::spawn(async move { engine::db::migrate(&url).await })
        })
        .collect();
    for run in runs {
        run.await.expect("task").expect("migration succeeds");
    }
    let db = engine::db::connect(&test_db.url).await.expect("connect");
    assert!(
        SchemaManager::new(&db)
            .has_table("messages")
            .await
            .expect("query")
    );
    // And a third run finds nothing to do.
    engine::db::migrate(&test_db.url).await.expect("idempotent");
}
