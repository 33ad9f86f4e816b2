//! The health check behind `GET /health` and the dashboard's status card.

use contract::health::Health;
use sea_orm::DatabaseConnection;

/// Pings the database and reports.
///
/// Never fails: an unreachable database is a state to report (`503` on
/// `/health`), not an error.
pub async fn check(db: &DatabaseConnection) -> Health {
    let db_ok = match db.ping().await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            false
        }
    };
    Health {
        status: if db_ok { "ok" } else { "degraded" }.into(),
        db: if db_ok { "ok" } else { "unreachable" }.into(),
        version: contract::VERSION.into(),
    }
}
