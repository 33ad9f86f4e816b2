//! Every project's allowed origins in one cached list, for CORS preflights:
//! a preflight passes when its Origin is allowed by any project (the real
//! request is then checked against its own project). Refreshed after a short
//! time and dropped whenever a project changes here.
//!
//! A project added elsewhere (another instance, `aiwidget import-legacy`)
//! must work at once: an Origin the list does not allow reloads it, at most
//! once a second, so a flood of unknown origins costs one query a second.
//! Reloads take turns: callers that waited for one use its list.

use crate::db::entities::projects;
use contract::origins;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QuerySelect};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an origin found in the list is trusted (a removal on another
/// instance shows up this late).
const FRESH_FOR: Duration = Duration::from_secs(30);
/// How long an origin missing from the list is refused without asking the
/// database again.
const MISS_RELOAD_EVERY: Duration = Duration::from_secs(1);

/// The list as last read, and when.
type Loaded = (Instant, Arc<Vec<String>>);

/// The cached list.
#[derive(Debug, Default)]
pub struct OriginCache {
    cached: Mutex<Option<Loaded>>,
    /// Held while the list is read, so reloads never run side by side.
    reloading: tokio::sync::Mutex<()>,
    /// How many times the list was read (for the tests of the limit).
    loads: AtomicU64,
}

impl OriginCache {
    /// True when the normalised `origin` is allowed by some project.
    ///
    /// # Errors
    /// The [`DbErr`] of reloading the list.
    pub async fn allows(&self, db: &DatabaseConnection, origin: &str) -> Result<bool, DbErr> {
        let allowed = |list: &[String]| list.iter().any(|entry| origins::matches(entry, origin));
        if let Some((at, list)) = self.current() {
            let age = at.elapsed();
            if allowed(&list) && age < FRESH_FOR {
                return Ok(true);
            }
            if age < MISS_RELOAD_EVERY {
                return Ok(allowed(&list));
            }
        }
        let _turn = self.reloading.lock().await;
        // Whoever held the turn before may have just read the list.
        let list = match self.current() {
            Some((at, list)) if at.elapsed() < MISS_RELOAD_EVERY => list,
            _ => self.reload(db).await?,
        };
        Ok(allowed(&list))
    }

    /// Forgets the list (a project was created, changed or deleted).
    pub fn invalidate(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Loaded>> {
        self.cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn current(&self) -> Option<Loaded> {
        self.lock().clone()
    }

    async fn reload(&self, db: &DatabaseConnection) -> Result<Arc<Vec<String>>, DbErr> {
        self.loads.fetch_add(1, Ordering::Relaxed);
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

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveModelTrait, IntoActiveModel};

    const NEW_SITE: &str = "https://new-shop.example";

    /// A migrated SQLite database in a temp file, removed on drop.
    struct TempDb {
        path: std::path::PathBuf,
        db: DatabaseConnection,
    }

    impl TempDb {
        async fn new() -> Self {
            let path =
                std::env::temp_dir().join(format!("aiw-origins-{}.db", uuid::Uuid::new_v4()));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            crate::db::migrate(&url).await.expect("migrated");
            let db = crate::db::connect(&url).await.expect("connected");
            Self { path, db }
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm", ".migrate-lock"] {
                let mut name = self.path.clone().into_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
        }
    }

    async fn add_project_behind_the_cache(db: &DatabaseConnection, origin: &str) {
        let mut row = crate::services::projects::defaults(uuid::Uuid::new_v4());
        row.name = "Added elsewhere".into();
        row.allowed_origins = serde_json::json!([origin]);
        row.into_active_model()
            .reset_all()
            .insert(db)
            .await
            .expect("inserted");
    }

    async fn flood(cache: &OriginCache, db: &DatabaseConnection) -> usize {
        let unknown: Vec<String> = (0..20)
            .map(|n| format!("https://unknown-{n}.example"))
            .collect();
        let answers =
            futures_util::future::join_all(unknown.iter().map(|origin| cache.allows(db, origin)))
                .await;
        answers
            .into_iter()
            .filter(|answer| matches!(answer, Ok(true)))
            .count()
    }

    /// An origin added behind the cache's back is allowed within a second,
    /// and unknown origins reload the list at most once a second.
    #[tokio::test]
    async fn unknown_origins_reload_the_list_at_most_once_a_second() {
        // Arrange: the list is loaded (empty), then a project is added elsewhere.
        let temp = TempDb::new().await;
        let cache = OriginCache::default();
        assert!(!cache.allows(&temp.db, NEW_SITE).await.expect("query"));
        add_project_behind_the_cache(&temp.db, NEW_SITE).await;

        // Act + Assert: within the second, neither it nor a flood reloads.
        assert!(!cache.allows(&temp.db, NEW_SITE).await.expect("query"));
        assert_eq!(flood(&cache, &temp.db).await, 0);
        assert_eq!(cache.loads.load(Ordering::Relaxed), 1);

        // After it, the new origin reloads the list once and passes.
        tokio::time::sleep(MISS_RELOAD_EVERY + Duration::from_millis(50)).await;
        assert!(cache.allows(&temp.db, NEW_SITE).await.expect("query"));
        assert_eq!(cache.loads.load(Ordering::Relaxed), 2);

        // A flood a second later costs one reload, whatever its size.
        tokio::time::sleep(MISS_RELOAD_EVERY + Duration::from_millis(50)).await;
        assert_eq!(flood(&cache, &temp.db).await, 0);
        assert_eq!(cache.loads.load(Ordering::Relaxed), 3);
        assert!(cache.allows(&temp.db, NEW_SITE).await.expect("cached"));
        assert_eq!(cache.loads.load(Ordering::Relaxed), 3);
    }
}
