//! The "My alerts" page's server functions: the user's own alert choices and
//! their Telegram link, over `engine::services::alerts::settings` and
//! `engine::services::telegram::link` (the same services as
//! `/api/v1/admin/me/notifications` and `/api/v1/admin/me/telegram`).

use contract::AppError;
use contract::alerts::{Notifications, NotificationsInput, TelegramLink};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use super::ssr;

/// Where the signed-in user's alerts go.
#[server(prefix = "/admin/fn", endpoint = "notifications")]
pub async fn get_notifications() -> Result<Notifications, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::alerts::settings::notifications(&state, &user).await
        }
        .await,
    )
}

/// Changes the signed-in user's alert choices; absent fields keep theirs.
#[server(prefix = "/admin/fn", endpoint = "save_notifications", input = Json)]
pub async fn save_notifications(
    /// The choices to change.
    input: NotificationsInput,
) -> Result<Notifications, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::alerts::settings::update(&state, &user, &input).await
        }
        .await,
    )
}

/// A one-time link that ties a Telegram chat to the signed-in user
/// (`409 telegram_disabled` when the server has no bot).
#[server(prefix = "/admin/fn", endpoint = "telegram_link")]
pub async fn create_telegram_link() -> Result<TelegramLink, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::telegram::link::create(&state, &user).await
        }
        .await,
    )
}

/// Unlinks the signed-in user's Telegram chat.
#[server(prefix = "/admin/fn", endpoint = "telegram_unlink")]
pub async fn unlink_telegram() -> Result<(), AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::telegram::link::unlink(&state, &user).await
        }
        .await,
    )
}
