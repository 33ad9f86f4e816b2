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
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, IsolationLevel, QueryResult, SqliteTransactionMode, Statement,
    TransactionError, TransactionOptions, TransactionTrait,
};
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;

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
/// a concurrent writer waits rather than failing half-way. Writers of this
/// process first queue for their turn in order ([`WriteTxn`]), so that they
/// do not poll the file lock with SQLite's sleeping busy handler (up to
/// 100 ms between tries while the lock is free again within a millisecond);
/// the busy timeout remains for other processes. On PostgreSQL it is an
/// ordinary transaction.
///
/// # Errors
/// The [`DbErr`] of a pool that cannot give a connection, or of a writer
/// that waited for its turn longer than the busy timeout.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    let turn = writer_turn(db).await?;
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(WriteTxn { txn, _turn: turn })
}

/// A transaction from [`begin_write`]: a [`DatabaseTransaction`] that, on
/// SQLite, also holds this process's turn to write the file until it is
/// committed, rolled back or dropped.
#[derive(Debug)]
pub struct WriteTxn {
    // Declared first: dropped (rolled back) before the turn is given up.
    txn: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTxn {
    /// Commits, then gives up the turn.
    ///
    /// # Errors
    /// The [`DbErr`] of the commit.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Rolls back, then gives up the turn.
    ///
    /// # Errors
    /// The [`DbErr`] of the rollback.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}

#[async_trait::async_trait]
impl TransactionTrait for WriteTxn {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.txn
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}

/// The turns of this process's writers, one queue per SQLite file.
static SQLITE_WRITERS: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

/// Waits for this process's turn to write `db`'s SQLite file (first come,
/// first served); none on PostgreSQL, whose writers lock rows, not the file.
async fn writer_turn(db: &DatabaseConnection) -> Result<Option<OwnedMutexGuard<()>>, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let queue = SQLITE_WRITERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(file)
        .or_default()
        .clone();
    tokio::time::timeout(SQLITE_BUSY_TIMEOUT, queue.lock_owned())
        .await
        .map(Some)
        .map_err(|_| {
            DbErr::Custom("database is locked: no turn to write within the busy timeout".into())
        })
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
