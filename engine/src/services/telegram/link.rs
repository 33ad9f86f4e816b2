//! Linking a Telegram chat to an operator: the dashboard makes a one-time
//! code (kept as SHA-256 only, for 15 minutes); `/start <code>` in the bot's
//! private chat links that chat to the operator who made it. A chat links to
//! one operator at a time; linking it again moves it.

use crate::db;
use crate::db::entities::{telegram_link_codes, users};
use crate::services::alerts::{self, TELEGRAM};
use crate::services::auth::CurrentUser;
use crate::state::AppState;
use crate::telegram::User;
use aes_gcm::aead::OsRng;
use aes_gcm::aead::rand_core::RngCore as _;
use base64::Engine as _;
use chrono::Utc;
use contract::AppError;
use contract::alerts::TelegramLink;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

/// How long a link works.
pub const VALID_FOR: chrono::Duration = chrono::Duration::minutes(15);

/// Makes a one-time link for `me` (any earlier code of theirs stops working).
///
/// # Errors
/// `409 telegram_disabled` without a bot; `502 upstream_unavailable` when
/// the bot's name cannot be asked of Telegram.
#[tracing::instrument(name = "telegram::create_link", skip_all, fields(user_id = %me.id))]
pub async fn create(state: &AppState, me: &CurrentUser) -> Result<TelegramLink, AppError> {
    let telegram = state.telegram.as_ref().ok_or_else(|| AppError::Conflict {
        code: "telegram_disabled".into(),
        message: "this server has no Telegram bot: set TELEGRAM_BOT_TOKEN".into(),
    })?;
    let bot = telegram.username().await.map_err(|err| {
        tracing::warn!(error = %err, "getMe failed");
        AppError::Upstream {
            code: "upstream_unavailable".into(),
            message: "Telegram cannot be reached now; try again later".into(),
        }
    })?;
    let mut bytes = [0u8; 24];
    OsRng.fill_bytes(&mut bytes);
    let code = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = Utc::now();
    let expires_at = now + VALID_FOR;
    let txn = db::begin_write(&state.db).await?;
    telegram_link_codes::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(telegram_link_codes::Column::UserId.eq(me.id))
                .add(telegram_link_codes::Column::ExpiresAt.lt(now)),
        )
        .exec(&txn)
        .await?;
    telegram_link_codes::ActiveModel {
        code_hash: Set(hash(&code)),
        user_id: Set(me.id),
        expires_at: Set(expires_at),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(TelegramLink {
        link: format!("https://t.me/{bot}?start={code}"),
        code,
        expires_at,
    })
}

/// Unlinks `me`'s chat; their queued Telegram alerts are dropped.
///
/// # Errors
/// A database failure.
#[tracing::instrument(name = "telegram::unlink", skip_all, fields(user_id = %me.id))]
pub async fn unlink(state: &AppState, me: &CurrentUser) -> Result<(), AppError> {
    clear(&state.db, me.id).await?;
    Ok(())
}

/// Forgets the Telegram chat of `user_id` and drops their queued Telegram
/// alerts (unlinked, or the bot was blocked).
///
/// # Errors
/// The [`sea_orm::DbErr`] of an update.
pub async fn clear(db: &impl ConnectionTrait, user_id: uuid::Uuid) -> Result<(), sea_orm::DbErr> {
    forget_chat()
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    alerts::cancel_pending(db, user_id, TELEGRAM).await
}

/// An update that forgets a chat (to be filtered to the users meant).
fn forget_chat() -> sea_orm::UpdateMany<users::Entity> {
    users::Entity::update_many()
        .col_expr(
            users::Column::TelegramChatId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            users::Column::TelegramUsername,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            users::Column::TelegramLinkedAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
}

/// `/start <code>` from `from` in the private chat `chat_id`: links the chat
/// to the code's operator and spends the code. `None` for an unknown or
/// expired code.
///
/// # Errors
/// A database failure.
pub async fn complete(
    state: &AppState,
    chat_id: i64,
    from: &User,
    code: &str,
) -> Result<Option<users::Model>, AppError> {
    let txn = db::begin_write(&state.db).await?;
    let Some(row) = telegram_link_codes::Entity::find_by_id(hash(code))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    telegram_link_codes::Entity::delete_by_id(row.code_hash.clone())
        .exec(&txn)
        .await?;
    if row.expires_at < Utc::now() {
        txn.commit().await?;
        return Ok(None);
    }
    // The chat leaves whoever had it before.
    forget_chat()
        .filter(users::Column::TelegramChatId.eq(chat_id))
        .filter(users::Column::Id.ne(row.user_id))
        .exec(&txn)
        .await?;
    let Some(user) = users::Entity::find_by_id(row.user_id).one(&txn).await? else {
        txn.commit().await?;
        return Ok(None);
    };
    let mut active: users::ActiveModel = user.into();
    active.telegram_chat_id = Set(Some(chat_id));
    active.telegram_username = Set(from.username.clone());
    active.telegram_linked_at = Set(Some(Utc::now()));
    if active.locale.as_ref().is_none()
        && let Some(language) = &from.language_code
    {
        active.locale = Set(Some(
            if language.starts_with("ru") {
                "ru"
            } else {
                "en"
            }
            .into(),
        ));
    }
    let user = active.update(&txn).await?;
    txn.commit().await?;
    Ok(Some(user))
}

fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}
