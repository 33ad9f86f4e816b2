//! Health: is the server up and can it reach its database.
//!
//! One service ([`crate::services::health::check`]) answers both `GET /health`
//! and the dashboard's [`get_health`] server function.

use crate::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The body of `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` when every dependency answered, else `degraded`.
    pub status: String,
    /// `ok`, or `unreachable` when the database did not answer.
    pub db: String,
    /// The running build's version.
    pub version: String,
}

impl Health {
    /// True when the server and its database both answered.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

/// The dashboard's view of [`Health`], over the same service as `GET /health`.
#[server(prefix = "/admin/fn", endpoint = "health")]
pub async fn get_health() -> Result<Health, AppError> {
    let state = crate::state::app_state()?;
    Ok(crate::services::health::check(&state.db).await)
}
