//! The project's own vector store: made on the project's key and base URL at
//! the first addition, once. Two first additions at the same moment (two
//! uploads, an upload and a crawl, two instances) make one store: the
//! creation runs under a lock (this process's mutex, and on PostgreSQL an
//! advisory lock of the project held by a transaction), and whoever comes
//! second finds the id stored.

use crate::db::entities::projects;
use crate::llm::{Account, LlmErrorKind, Stored};
use crate::state::AppState;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement,
    TransactionTrait,
};
use sha2::{Digest as _, Sha256};
use tokio::sync::Mutex;
use uuid::Uuid;

/// Creations in this process wait for each other (they are rare: once per project).
static CREATING: Mutex<()> = Mutex::const_new(());

/// Why the store could not be had.
#[derive(Debug)]
pub enum StoreError {
    /// The provider refused or failed.
    Provider(LlmErrorKind),
    /// The database failed.
    Db(sea_orm::DbErr),
    /// The project was deleted meanwhile.
    Gone,
}

impl From<sea_orm::DbErr> for StoreError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Db(err)
    }
}

/// The id of the own vector store of `project_id`, made now at `account` if
/// it has none yet.
///
/// # Errors
/// [`StoreError::Provider`] when the provider refuses the creation;
/// [`StoreError::Db`] on a database failure.
pub async fn ensure(
    state: &AppState,
    project_id: Uuid,
    account: Account<'_>,
) -> Result<String, StoreError> {
    if let Some(id) = stored(&state.db, project_id).await? {
        return Ok(id);
    }
    let _process = CREATING.lock().await;
    if state.db.get_database_backend() != DatabaseBackend::Postgres {
        // One process writes a SQLite database: the mutex is the lock.
        return create(state, &state.db, project_id, account).await;
    }
    let txn = state.db.begin().await?;
    txn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [lock_key(project_id).into()],
    ))
    .await?;
    let id = create(state, &txn, project_id, account).await?;
    if let Err(err) = txn.commit().await {
        forget(state, account, &id).await;
        return Err(err.into());
    }
    Ok(id)
}

/// The stored id, or a store made now and recorded through `db` (under the lock).
async fn create(
    state: &AppState,
    db: &impl ConnectionTrait,
    project_id: Uuid,
    account: Account<'_>,
) -> Result<String, StoreError> {
    if let Some(id) = stored(db, project_id).await? {
        return Ok(id);
    }
    let name = store_name(db, project_id).await?;
    let id = state
        .llm
        .create_vector_store(account, &name)
        .await
        .map_err(|err| StoreError::Provider(err.kind))?;
    let saved = projects::Entity::update_many()
        .col_expr(projects::Column::OwnVectorStoreId, Expr::value(id.clone()))
        .filter(projects::Column::Id.eq(project_id))
        .exec(db)
        .await;
    match saved {
        Ok(done) if done.rows_affected == 0 => {
            // The project was deleted meanwhile.
            forget(state, account, &id).await;
            Err(StoreError::Gone)
        }
        Ok(_) => {
            tracing::info!(%project_id, vector_store_id = %id, "made the project's own vector store");
            Ok(id)
        }
        Err(err) => {
            forget(state, account, &id).await;
            Err(err.into())
        }
    }
}

/// A store made but not recorded is deleted at once (best effort: it is empty).
async fn forget(state: &AppState, account: Account<'_>, id: &str) {
    if let Err(err) = state.llm.delete(account, Stored::VectorStore(id)).await {
        tracing::warn!(vector_store_id = %id, error = %err, "an unrecorded vector store could not be deleted");
    }
}

async fn stored(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Option<String>, sea_orm::DbErr> {
    Ok(projects::Entity::find_by_id(project_id)
        .one(db)
        .await?
        .and_then(|project| project.own_vector_store_id))
}

/// `aiwidget: <project name>`, as the provider's console lists it.
async fn store_name(db: &impl ConnectionTrait, project_id: Uuid) -> Result<String, sea_orm::DbErr> {
    let name = projects::Entity::find_by_id(project_id)
        .one(db)
        .await?
        .map(|project| project.name)
        .unwrap_or_default();
    Ok(format!(
        "aiwidget: {}",
        name.chars().take(200).collect::<String>()
    ))
}

/// The advisory lock's key of a project's store: 64 bits of a hash, apart
/// from the keys of other locks (`aiwidget:own-store:` prefix).
fn lock_key(project_id: Uuid) -> i64 {
    let digest = Sha256::new()
        .chain_update(b"aiwidget:own-store:")
        .chain_update(project_id.as_bytes())
        .finalize();
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}
