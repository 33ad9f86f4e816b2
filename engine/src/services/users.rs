//! The `admin` user: made from `ADMIN_PASSWORD`, and recovered by
//! `aiwidget reset-admin`.
//!
//! Rules:
//! - `ADMIN_PASSWORD` creates `admin` only in a database without any user
//!   (a first start). A deliberately removed `admin` never comes back by
//!   itself: another admin exists, since the last admin cannot be removed.
//! - Later starts reset `admin`'s password only when `ADMIN_PASSWORD` differs
//!   from the value last applied, whose argon2 hash is kept in `app_settings`
//!   (`admin_password_applied`): a password changed in the dashboard survives
//!   restarts, and changing the variable is how an operator revokes it.
//! - The first start of a database that has users but no applied value (an
//!   install upgraded to this rule) records the value and resets nothing.
//! - [`reset_admin`] sets a new password whatever the variable says.

use crate::db::{self, entities::app_settings, entities::users};
use crate::services::passwords;
use contract::AppError;
use contract::auth::Role;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use std::collections::BTreeMap;

/// The username of the first admin, created from `ADMIN_PASSWORD`.
pub const ADMIN_USERNAME: &str = "admin";

/// The `app_settings` key of the hash of the `ADMIN_PASSWORD` last applied.
const APPLIED_KEY: &str = "admin_password_applied";

/// Serialises two instances starting at once on PostgreSQL ("aiwadmin").
const ADMIN_SEED_LOCK: i64 = 0x6169_7761_646d_696e;

/// What [`ensure_admin`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminSeed {
    /// The database had no user: `admin` was created.
    Created,
    /// `ADMIN_PASSWORD` changed since the last start that applied it:
    /// `admin`'s password was replaced and its sessions revoked.
    PasswordChanged,
    /// `ADMIN_PASSWORD` changed, but there is no `admin` (it was removed):
    /// nothing was created; the new value is recorded.
    ChangedWithoutAdmin,
    /// First start with an applied value to compare with (an upgraded
    /// install): the value was recorded, no password was touched.
    Recorded,
    /// `ADMIN_PASSWORD` is the value applied before: nothing changed.
    Unchanged,
}

/// Applies `ADMIN_PASSWORD` (`password`) at start-up, by the rules of this
/// module: creates `admin` in a database without users, resets its password
/// (and revokes its sessions) only when the value changed since it was last
/// applied, and records the value's hash.
///
/// # Errors
/// [`AppError::Internal`] on a database or hashing failure (logged).
pub async fn ensure_admin(db: &DatabaseConnection, password: &str) -> Result<AdminSeed, AppError> {
    let txn = db::begin_write(db).await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({ADMIN_SEED_LOCK})"))
            .await?;
    }
    let applied = app_settings::Entity::find_by_id(APPLIED_KEY)
        .one(&txn)
        .await?;
    let seed = if users::Entity::find().count(&txn).await? == 0 {
        insert_admin(&txn, password).await?;
        AdminSeed::Created
    } else {
        match applied {
            Some(row) if passwords::verify(password, &row.value) => {
                txn.commit().await?;
                return Ok(AdminSeed::Unchanged);
            }
            None => AdminSeed::Recorded,
            Some(_) => match find_admin(&txn).await? {
                Some(admin) => {
                    set_password(&txn, admin, password, false).await?;
                    AdminSeed::PasswordChanged
                }
                None => AdminSeed::ChangedWithoutAdmin,
            },
        }
    };
    record_applied(&txn, password).await?;
    txn.commit().await?;
    Ok(seed)
}

/// What [`reset_admin`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminReset {
    /// There was no `admin`: it was created.
    pub created: bool,
    /// `admin` was an operator: it is an admin again.
    pub promoted: bool,
    /// `admin`'s `token_version` now; sessions issued before it are revoked.
    pub token_version: i32,
}

/// `aiwidget reset-admin`: gives `admin` the password `password` (10 to 1024
/// characters), the admin role, and a new `token_version` that signs out
/// every earlier session; re-creates `admin` when it was removed.
/// `ADMIN_PASSWORD`'s applied value is left as it is, so the next start does
/// not undo the reset.
///
/// # Errors
/// `400 validation_failed` for a password of the wrong length;
/// [`AppError::Internal`] on a database or hashing failure (logged).
pub async fn reset_admin(db: &DatabaseConnection, password: &str) -> Result<AdminReset, AppError> {
    if !(10..=1024).contains(&password.chars().count()) {
        let mut fields = BTreeMap::new();
        fields.insert("password".into(), "at least 10 characters".into());
        return Err(AppError::Validation {
            message: "the password must have 10 to 1024 characters".into(),
            fields,
        });
    }
    let txn = db::begin_write(db).await?;
    let reset = if let Some(admin) = find_admin(&txn).await? {
        let promoted = admin.role != Role::Admin.as_str();
        let admin = set_password(&txn, admin, password, true).await?;
        AdminReset {
            created: false,
            promoted,
            token_version: admin.token_version,
        }
    } else {
        let admin = insert_admin(&txn, password).await?;
        AdminReset {
            created: true,
            promoted: false,
            token_version: admin.token_version,
        }
    };
    txn.commit().await?;
    Ok(reset)
}

async fn find_admin(txn: &DatabaseTransaction) -> Result<Option<users::Model>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Username.eq(ADMIN_USERNAME))
        .one(txn)
        .await?)
}

async fn insert_admin(txn: &DatabaseTransaction, password: &str) -> Result<users::Model, AppError> {
    let now = chrono::Utc::now();
    Ok(users::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        username: Set(ADMIN_USERNAME.into()),
        display_name: Set("Administrator".into()),
        password_hash: Set(passwords::hash(password)?),
        role: Set(Role::Admin.as_str().into()),
        token_version: Set(0),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Replaces the hash and bumps `token_version` (and with `promote`, makes
/// the user an admin).
async fn set_password(
    txn: &DatabaseTransaction,
    user: users::Model,
    password: &str,
    promote: bool,
) -> Result<users::Model, AppError> {
    let token_version = user.token_version + 1;
    let mut active = user.into_active_model();
    active.password_hash = Set(passwords::hash(password)?);
    active.token_version = Set(token_version);
    if promote {
        active.role = Set(Role::Admin.as_str().into());
    }
    active.updated_at = Set(chrono::Utc::now());
    Ok(active.update(txn).await?)
}

/// Stores the argon2 hash of `password` as the applied `ADMIN_PASSWORD`.
async fn record_applied(txn: &DatabaseTransaction, password: &str) -> Result<(), AppError> {
    let row = app_settings::ActiveModel {
        key: Set(APPLIED_KEY.into()),
        value: Set(passwords::hash(password)?),
        updated_at: Set(chrono::Utc::now()),
    };
    app_settings::Entity::insert(row)
        .on_conflict(
            OnConflict::column(app_settings::Column::Key)
                .update_columns([app_settings::Column::Value, app_settings::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(txn)
        .await?;
    Ok(())
}
