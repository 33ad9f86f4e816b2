//! Users: for now the first admin, kept in step with `ADMIN_PASSWORD`.

use crate::db::{self, entities::users};
use crate::services::passwords;
use contract::AppError;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

/// The username of the first admin, created from `ADMIN_PASSWORD`.
pub const ADMIN_USERNAME: &str = "admin";

/// What [`ensure_admin`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminSeed {
    /// There was no `admin`: it was created.
    Created,
    /// `ADMIN_PASSWORD` changed: the hash was replaced and older sessions revoked.
    PasswordChanged,
    /// `admin` exists and `ADMIN_PASSWORD` still matches.
    Unchanged,
}

/// Creates `admin` from `password` at first start; later, when the password
/// no longer matches, re-hashes it and bumps `token_version` so that sessions
/// made with the old password stop working.
///
/// # Errors
/// [`AppError::Internal`] on a database or hashing failure (logged).
pub async fn ensure_admin(db: &DatabaseConnection, password: &str) -> Result<AdminSeed, AppError> {
    let txn = db::begin_write(db).await?;
    let existing = users::Entity::find()
        .filter(users::Column::Username.eq(ADMIN_USERNAME))
        .one(&txn)
        .await?;
    let now = chrono::Utc::now();
    let seed = match existing {
        Some(user) if passwords::verify(password, &user.password_hash) => AdminSeed::Unchanged,
        Some(user) => {
            let token_version = user.token_version + 1;
            let mut active: users::ActiveModel = user.into();
            active.password_hash = Set(passwords::hash(password)?);
            active.token_version = Set(token_version);
            active.updated_at = Set(now);
            active.update(&txn).await?;
            AdminSeed::PasswordChanged
        }
        None => {
            users::ActiveModel {
                id: Set(uuid::Uuid::new_v4()),
                username: Set(ADMIN_USERNAME.into()),
                display_name: Set("Administrator".into()),
                password_hash: Set(passwords::hash(password)?),
                role: Set("admin".into()),
                token_version: Set(0),
                last_login_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
            AdminSeed::Created
        }
    };
    txn.commit().await?;
    Ok(seed)
}
