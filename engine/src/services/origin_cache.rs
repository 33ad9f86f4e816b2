//! Every project's allowed origins in one cached list, for CORS preflights:
//! a preflight passes when its Origin is allowed by any project (the real
//! request is then checked against its own project). Refreshed after a short
//! time and dropped whenever a project changes.

use crate::db::entities::projects;
use contract::origins;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QuerySelect};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the list is trusted (changes on another instance show up this late).
const FRESH_FOR: Duration = Duration::from_secs(30);

/// The cached list.
#[derive(Debug, Default)]
pub struct OriginCache {
    cached: Mutex<Option<(Instant, Arc<Vec<String>>)>>,
}

impl OriginCache {
    /// True when the normalised `origin` is allowed by some project.
    ///
    /// # Errors
    /// The [`DbErr`] of reloading the list.
    pub async fn allows(&self, db: &DatabaseConnection, origin: &str) -> Result<bool, DbErr> {
        let list = match self.fresh() {
            Some(list) => list,
            None => self.reload(db).await?,
        };
        Ok(list.iter().any(|allowed| origins::matches(allowed, origin)))
    }

    /// Forgets the list (a project was created, changed or deleted).
    pub fn invalidate(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Arc<Vec<String>>)>> {
        self.cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fresh(&self) -> Option<Arc<Vec<String>>> {
        self.lock()
            .as_ref()
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, list)| list.clone())
    }

    async fn reload(&self, db: &DatabaseConnection) -> Result<Arc<Vec<String>>, DbErr> {
        let rows: Vec<serde_json::Value> = projects::Entity::find()
            .select_only()
            .column(projects::Column::AllowedOrigins)
            .into_tuple()
            .all(db)
            .await?;
        let mut list: Vec<String> = rows
            .into_iter()
            .flat_map(|value| serde_json::from_value::<Vec<String>>(value).unwrap_or_default())
            .collect();
        list.sort();
        list.dedup();
        let list = Arc::new(list);
        *self.lock() = Some((Instant::now(), list.clone()));
        Ok(list)
    }
}
