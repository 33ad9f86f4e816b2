//! Migrating at start-up, safely: one migrating process at a time, every
//! pending migration in one transaction, and no migration at all when the
//! database was migrated by a newer aiwidget.
//!
//! SeaORM's `Migrator::up` wraps each migration in a transaction on PostgreSQL
//! only; on SQLite a migration failing half-way would leave half a schema.
//! Here the pending migrations run in our own transaction on both databases
//! (their DDL is transactional), each recorded in `seaql_migrations` in that
//! same transaction: an upgrade applies completely or not at all, and the
//! previous version of the binary still runs on a database left as it was.
//! A migration's `use_transaction` is therefore not consulted: a statement
//! that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`) does not
//! belong in an aiwidget migration.

use super::Migrator;
use super::{begin_write, conn_err, connect_with, create_sqlite_folder, is_sqlite, sqlite_path};
use migration::{MigratorTrait, SchemaManager};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr};
use std::collections::HashSet;

/// The key of the PostgreSQL advisory lock held while migrating, so that two
/// instances starting together do not race ("aiwidget" in ASCII, truncated).
const MIGRATION_LOCK_KEY: i64 = 0x6169_7769_6467_6574;

/// The version of this binary, named when it meets a newer schema.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why the database was not migrated. In every case it is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// `seaql_migrations` names a migration this binary does not have: a
    /// newer version migrated the database, and this one must not touch it.
    #[error(
        "the database was migrated by a newer aiwidget (migration {migration} is unknown to version {version}): install that version again or restore the dump taken before the upgrade"
    )]
    NewerSchema {
        /// The first unknown migration, by name.
        migration: String,
        /// This binary's version.
        version: &'static str,
    },
    /// A migration failed; every migration of this run was rolled back.
    #[error("migration {migration} failed, so none of this upgrade was applied")]
    Failed {
        /// The migration that failed.
        migration: String,
        /// What the database answered.
        #[source]
        source: DbErr,
    },
    /// Connecting, locking, reading the applied migrations or committing.
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Runs every pending migration of aiwidget; see [`migrate_with`].
///
/// # Errors
/// A [`MigrateError`]; the database is then left as it was.
pub async fn migrate(url: &str) -> Result<(), MigrateError> {
    migrate_with::<Migrator>(url).await
}

/// Runs every pending migration of `M` in one transaction, one migrating
/// process at a time: under a PostgreSQL advisory lock, or an exclusive lock
/// on a file beside the SQLite database. Refuses first when the database
/// records a migration `M` does not know.
///
/// Uses a connection of its own: the advisory lock belongs to a database
/// session, so the lock, the migrations and the unlock share one connection.
///
/// # Errors
/// [`MigrateError::NewerSchema`], [`MigrateError::Failed`] naming the
/// migration, or the [`DbErr`] of the connection or the lock.
pub async fn migrate_with<M: MigratorTrait>(url: &str) -> Result<(), MigrateError> {
    let _file_lock = if is_sqlite(url) {
        Some(lock_sqlite_migrations(url).await?)
    } else {
        None
    };
    let conn = connect_with(url, 1, None).await?;
    let postgres = conn.get_database_backend() == DatabaseBackend::Postgres;
    if postgres {
        conn.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
            .await?;
    }
    let migrated = apply_pending::<M>(&conn).await;
    let unlocked = if postgres {
        conn.execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
            .await
            .map(drop)
    } else {
        Ok(())
    };
    let closed = conn.close().await;
    migrated?;
    unlocked?;
    Ok(closed?)
}

/// Applies the pending migrations in one write transaction, committed only
/// when all of them succeeded.
async fn apply_pending<M: MigratorTrait>(conn: &DatabaseConnection) -> Result<(), MigrateError> {
    let txn = begin_write(conn).await?;
    match apply_in::<M>(&txn).await {
        Ok(applied) => {
            txn.commit().await?;
            for migration in applied {
                tracing::info!(%migration, "migration applied");
            }
            Ok(())
        }
        Err(err) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rolling back the migrations");
            }
            if let MigrateError::Failed { migration, source } = &err {
                tracing::error!(%migration, error = %source, "migration failed: rolled back");
            }
            Err(err)
        }
    }
}

/// Inside `txn`: creates `seaql_migrations` when missing, refuses a newer
/// schema, then runs and records each pending migration. Returns their names.
async fn apply_in<M: MigratorTrait>(
    txn: &DatabaseTransaction,
) -> Result<Vec<String>, MigrateError> {
    let applied: HashSet<String> = M::get_migration_models(txn)
        .await?
        .into_iter()
        .map(|model| model.version)
        .collect();
    let migrations = M::migrations();
    let known: HashSet<&str> = migrations.iter().map(|m| m.name()).collect();
    let mut unknown: Vec<&String> = applied
        .iter()
        .filter(|name| !known.contains(name.as_str()))
        .collect();
    unknown.sort();
    if let Some(migration) = unknown.first() {
        return Err(MigrateError::NewerSchema {
            migration: (*migration).clone(),
            version: VERSION,
        });
    }
    let manager = SchemaManager::new(txn);
    let mut done = Vec::new();
    for migration in migrations.iter().filter(|m| !applied.contains(m.name())) {
        let name = migration.name().to_owned();
        tracing::info!(migration = %name, "applying migration");
        if let Err(source) = migration.up(&manager).await {
            return Err(MigrateError::Failed {
                migration: name,
                source,
            });
        }
        record::<M>(txn, &name).await?;
        done.push(name);
    }
    Ok(done)
}

/// Records `name` as applied, in the migration's own transaction.
async fn record<M: MigratorTrait>(txn: &DatabaseTransaction, name: &str) -> Result<(), DbErr> {
    let mut insert = Query::insert();
    insert
        .into_table(M::migration_table_name())
        .columns([Alias::new("version"), Alias::new("applied_at")])
        .values([name.into(), chrono::Utc::now().timestamp().into()])
        .map_err(|err| DbErr::Custom(err.to_string()))?;
    txn.execute(&insert).await?;
    Ok(())
}

/// Takes an exclusive lock on `<database>.migrate-lock`, waiting for any other
/// migrating process; the lock is released when the returned file is dropped.
async fn lock_sqlite_migrations(url: &str) -> Result<std::fs::File, DbErr> {
    create_sqlite_folder(url)?;
    let mut path = sqlite_path(url)?.into_os_string();
    path.push(".migrate-lock");
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|err| conn_err(format!("migration lock task: {err}")))?
    .map_err(|err| conn_err(format!("cannot lock migrations: {err}")))
}
