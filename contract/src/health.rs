//! Health: is the server up and can it reach its database.
//!
//! One service (`engine::services::health::check`) answers both `GET /health`
//! and the dashboard's `get_health` server function.

use serde::{Deserialize, Serialize};

/// The body of `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
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
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}
