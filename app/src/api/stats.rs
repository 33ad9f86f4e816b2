//! The analytics page's server function, over `engine::services::stats` (the
//! same service as `GET /api/v1/admin/stats`).

use contract::AppError;
use contract::stats::{Stats, StatsQuery};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use super::ssr;

/// The figures of a period of days (the last 30 when `query` names none).
#[server(prefix = "/admin/fn", endpoint = "stats", input = Json)]
pub async fn get_stats(
    /// Which projects and days.
    query: StatsQuery,
) -> Result<Stats, AppError> {
    ssr::finish(
        async move {
            let (state, user) = ssr::session_user().await?;
            engine::services::stats::of_period(&state, &user, &query).await
        }
        .await,
    )
}
