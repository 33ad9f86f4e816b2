//! Upgrades at start-up: an upgrade's migrations apply completely or not at
//! all, and a binary older than the database refuses to touch it.

use crate::helpers::TestDb;
use engine::db::{MigrateError, Migrator, migrate, migrate_with};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sea_orm_migration::prelude::*;

/// A migration of a future version that succeeds.
struct AddsATable;

impl MigrationName for AddsATable {
    fn name(&self) -> &str {
        "m20991231_000001_add_a_table"
    }
}

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for AddsATable {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(table("added_by_upgrade")).await
    }
}

/// A migration that creates a table, then fails on a real database error.
struct CreatesThenFails;

impl MigrationName for CreatesThenFails {
    fn name(&self) -> &str {
        "m20991231_000002_create_then_fail"
    }
}

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for CreatesThenFails {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(table("doomed_by_upgrade")).await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO no_such_table (id) VALUES (1)")
            .await
            .map(drop)
    }
}

/// aiwidget's migrations, then an upgrade of two whose second fails.
struct FailingUpgrade;

#[async_trait::async_trait]
impl MigratorTrait for FailingUpgrade {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = Migrator::migrations();
        all.push(Box::new(AddsATable));
        all.push(Box::new(CreatesThenFails));
        all
    }
}

fn table(name: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(name))
        .col(ColumnDef::new(Alias::new("id")).integer().primary_key())
        .to_owned()
}

/// The names recorded in `seaql_migrations`, in order.
async fn recorded(db: &DatabaseConnection) -> Vec<String> {
    let sql = "SELECT version FROM seaql_migrations ORDER BY version";
    let statement = Statement::from_string(db.get_database_backend(), sql);
    db.query_all_raw(statement)
        .await
        .expect("query")
        .iter()
        .map(|row| row.try_get_by_index(0).expect("version"))
        .collect()
}

async fn has_table(db: &DatabaseConnection, name: &str) -> bool {
    SchemaManager::new(db).has_table(name).await.expect("query")
}

/// A migration failing half-way rolls back the whole upgrade, the tables of
/// the migration before it too, on SQLite as on PostgreSQL; the error names
/// it, and the version before the upgrade still starts on the database.
#[tokio::test]
async fn a_failing_migration_leaves_the_database_as_it_was() {
    // Arrange: the database as the released version leaves it.
    let test_db = TestDb::new().await;
    migrate(&test_db.url).await.expect("the released schema");
    let db = engine::db::connect(&test_db.url).await.expect("connect");
    let before = recorded(&db).await;
    // Act
    let err = migrate_with::<FailingUpgrade>(&test_db.url)
        .await
        .expect_err("the upgrade fails");
    // Assert
    assert!(
        matches!(&err, MigrateError::Failed { migration, .. } if migration == "m20991231_000002_create_then_fail"),
        "{err:?}"
    );
    let said = format!("{:#}", anyhow::Error::from(err));
    assert!(said.contains("m20991231_000002_create_then_fail"), "{said}");
    assert!(said.contains("no_such_table"), "the cause is given: {said}");
    assert!(!has_table(&db, "doomed_by_upgrade").await, "rolled back");
    assert!(!has_table(&db, "added_by_upgrade").await, "all or nothing");
    assert_eq!(recorded(&db).await, before, "nothing recorded");
    migrate(&test_db.url)
        .await
        .expect("the old version still runs");
}

/// On an empty database a failing upgrade leaves nothing at all behind.
#[tokio::test]
async fn a_failing_first_migration_leaves_an_empty_database() {
    let test_db = TestDb::new().await;
    migrate_with::<FailingUpgrade>(&test_db.url)
        .await
        .expect_err("the upgrade fails");
    let db = engine::db::connect(&test_db.url).await.expect("connect");
    for table in ["users", "seaql_migrations", "added_by_upgrade"] {
        assert!(!has_table(&db, table).await, "{table} was left behind");
    }
}

/// A database that records a migration this binary does not know is refused
/// before anything runs, naming the migration and this version.
#[tokio::test]
async fn a_database_migrated_by_a_newer_version_is_refused() {
    // Arrange
    let test_db = TestDb::new().await;
    let db = newer_database(&test_db).await;
    let before = recorded(&db).await;
    // Act
    let err = migrate(&test_db.url).await.expect_err("refused");
    // Assert
    let said = err.to_string();
    assert!(
        matches!(&err, MigrateError::NewerSchema { migration, .. } if migration == FUTURE),
        "{err:?}"
    );
    let version = env!("CARGO_PKG_VERSION");
    let expected = format!(
        "the database was migrated by a newer aiwidget (migration {FUTURE} is unknown to version {version}): install that version again or restore the dump taken before the upgrade"
    );
    assert_eq!(said, expected);
    assert_eq!(recorded(&db).await, before, "left as it was");
}

/// `aiwidget serve` on a newer database exits non-zero and says why on stderr
/// (what journalctl shows).
#[tokio::test]
async fn serve_on_a_newer_database_exits_non_zero_and_says_why() {
    // Arrange
    let test_db = TestDb::new().await;
    newer_database(&test_db).await;
    let data = tempfile::tempdir().expect("temp dir");
    // Act
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_aiwidget"))
        .arg("serve")
        .current_dir(data.path())
        .env_clear()
        .env("DATABASE_URL", &test_db.url)
        .env("DATA_DIR", data.path())
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .output()
        .expect("runs");
    // Assert
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "it must not start: {stderr}");
    assert!(
        stderr.contains(&format!(
            "the database was migrated by a newer aiwidget (migration {FUTURE} is unknown"
        )),
        "{stderr}"
    );
}

/// The name of a migration from a version that does not exist yet.
const FUTURE: &str = "m20991231_000009_from_the_future";

/// A migrated database on which a newer version recorded [`FUTURE`].
async fn newer_database(test_db: &TestDb) -> DatabaseConnection {
    migrate(&test_db.url).await.expect("the released schema");
    let db = engine::db::connect(&test_db.url).await.expect("connect");
    let sql = format!(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('{FUTURE}', 4102358400)"
    );
    db.execute_unprepared(&sql).await.expect("future row");
    db
}
