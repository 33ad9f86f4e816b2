//! The database: connecting, migrating, and write transactions.
//!
//! One schema serves SQLite (the embedded default) and PostgreSQL 14+
//! (production). SQLite is tuned as `docs/architecture.md` ("Database") says: WAL, a busy timeout,
//! `synchronous=NORMAL`, foreign keys on; and every transaction that reads
//! before it writes starts with `BEGIN IMMEDIATE` ([`begin_write`]), so two
//! writers queue on the busy timeout instead of failing with `SQLITE_BUSY`
//! when one upgrades its read lock.
//!
//! # Layout
//! - this file: connecting and [`begin_write`].
//! - `migrations`: [`migrate`], all pending migrations in one transaction
//!   under a lock, refused on a schema newer than this binary.
//! - [`entities`]: the SeaORM entities of the schema.

pub mod entities;
mod migrations;

/// The migrations of aiwidget, in order (tests extend it for [`migrate_with`]).
pub use migration::Migrator;
pub use migrations::{MigrateError, migrate, migrate_with};

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// How long a SQLite writer waits for another before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the pool for `url` (`sqlite:…` or `postgres:…`).
///
/// For SQLite the file's folder is created when missing, and so is the file.
///
/// # Errors
/// The [`DbErr`] of a URL that does not parse or a database that does not answer.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, pool_size(url), None).await
}

/// The `application_name` prefix of a serving instance's connections on
/// PostgreSQL: `aiwidget/<instance>`, so that any instance can tell which
/// instances are alive (see `lease::release_dead`).
pub const INSTANCE_APPLICATION_NAME: &str = "aiwidget/";

/// [`connect`] for the server `instance` (its id on the bus): on
/// PostgreSQL its connections are named after it.
///
/// # Errors
/// The [`DbErr`] of a database that cannot be reached or opened.
pub async fn connect_as(url: &str, instance: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, pool_size(url), Some(instance)).await
}

/// Starts a transaction for work that reads and then writes.
///
/// On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at the start, so
/// a concurrent writer waits (busy timeout) rather than failing half-way. On
/// PostgreSQL it is an ordinary transaction.
///
/// # Errors
/// The [`DbErr`] of a pool that cannot give a connection.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

fn pool_size(url: &str) -> u32 {
    if is_sqlite(url) { 8 } else { 20 }
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

async fn connect_with(
    url: &str,
    max_connections: u32,
    instance: Option<&str>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(15))
        // Statements can carry secrets (ciphertexts, hashes): never log them.
        .sqlx_logging(false);
    if is_sqlite(url) {
        create_sqlite_folder(url)?;
        options.map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    } else if let Some(instance) = instance {
        let name = format!("{INSTANCE_APPLICATION_NAME}{instance}");
        options.map_sqlx_postgres_opts(move |opts| opts.application_name(&name));
    }
    Database::connect(options).await
}

fn sqlite_path(url: &str) -> Result<PathBuf, DbErr> {
    SqliteConnectOptions::from_str(url)
        .map(|options| options.get_filename().to_owned())
        .map_err(|err| conn_err(err.to_string()))
}

fn conn_err(message: String) -> DbErr {
    DbErr::Conn(sea_orm::RuntimeErr::Internal(message))
}

fn create_sqlite_folder(url: &str) -> Result<(), DbErr> {
    if let Some(folder) = sqlite_path(url)?.parent()
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder)
            .map_err(|err| conn_err(format!("cannot create {}: {err}", folder.display())))?;
    }
    Ok(())
}
