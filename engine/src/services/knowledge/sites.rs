//! Websites imported into the knowledge base: a sitemap or a start page,
//! crawled ([`crate::knowledge::crawl`]: same site, robots.txt, a page
//! limit, the private-address rule of the provider's base URL) by a job on
//! one instance at a time, on demand and on a schedule. Each page is a file
//! of the knowledge base with its URL and title; an import replaces the
//! pages that changed, removes those gone from the site, and leaves the rest.

use super::files::{self, NewFile};
use super::{keyed, site_view, visible};
use crate::db::begin_write;
use crate::db::entities::{knowledge_files, knowledge_sites, projects};
use crate::knowledge::crawl::{self, CrawlEvent, CrawlSpec, CrawledPage};
use crate::llm::Stored;
use crate::llm::addresses;
use crate::services::auth::CurrentUser;
use crate::services::upstream;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use contract::AppError;
use contract::knowledge::{
    DEFAULT_SITE_PAGES, KnowledgeSite, MAX_SITE_PAGES, PageFailure, SiteInput, SitePatch,
    SyncSchedule,
};
use futures_util::StreamExt as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Waiting for a job.
const QUEUED: &str = "queued";
/// A job imports it now.
const SYNCING: &str = "syncing";
/// The last import finished.
const READY: &str = "ready";
/// The last import could not run.
const FAILED: &str = "failed";

/// Failures kept per import (the dashboard lists them).
const KEPT_FAILURES: usize = 20;

/// Adds a website and queues its first import.
///
/// # Errors
/// `400 validation_failed` (`url`, `max_pages`); `409 no_api_key`;
/// `403 admin_only`; `404 project_not_found`.
#[tracing::instrument(name = "knowledge::add_site", skip_all, fields(project_id = %project_id))]
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    input: &SiteInput,
) -> Result<KnowledgeSite, AppError> {
    keyed(state, user, project_id).await?;
    let mut fields = BTreeMap::new();
    let url = match check_url(&input.url, state.settings.allows_private_upstreams()) {
        Ok(url) => Some(url),
        Err(reason) => {
            fields.insert("url".to_owned(), reason.to_owned());
            None
        }
    };
    let max_pages = check_max_pages(input.max_pages, &mut fields);
    let (Some(url), true) = (url, fields.is_empty()) else {
        return Err(invalid(fields));
    };
    let schedule = input.schedule.unwrap_or_default();
    let now = Utc::now();
    let row = knowledge_sites::Model {
        id: Uuid::new_v4(),
        project_id,
        url: url.to_string(),
        max_pages,
        schedule: schedule.as_str().to_owned(),
        status: QUEUED.to_owned(),
        found: 0,
        fetched: 0,
        uploaded: 0,
        unchanged: 0,
        removed: 0,
        failed: 0,
        failures: serde_json::json!([]),
        error: None,
        last_sync_at: None,
        next_sync_at: None,
        lease_owner: None,
        lease_expires_at: None,
        created_at: now,
        updated_at: now,
    }
    .into_active_model()
    .reset_all()
    .insert(&state.db)
    .await?;
    super::jobs::wake(state);
    Ok(site_view(row, 0))
}

/// Changes the schedule or the page limit of a website.
///
/// # Errors
/// `400 validation_failed`; `404 site_not_found`; `403 admin_only`.
#[tracing::instrument(name = "knowledge::update_site", skip_all, fields(project_id = %project_id, site_id = %site_id))]
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    site_id: Uuid,
    patch: &SitePatch,
) -> Result<KnowledgeSite, AppError> {
    user.require_admin()?;
    visible(state, user, project_id).await?;
    let site = find(&state.db, project_id, site_id).await?;
    let mut fields = BTreeMap::new();
    let max_pages = patch
        .max_pages
        .map(|given| check_max_pages(Some(given), &mut fields));
    if !fields.is_empty() {
        return Err(invalid(fields));
    }
    let mut active = site.clone().into_active_model();
    if let Some(max_pages) = max_pages {
        active.max_pages = sea_orm::Set(max_pages);
    }
    if let Some(schedule) = patch.schedule {
        active.schedule = sea_orm::Set(schedule.as_str().to_owned());
        active.next_sync_at = sea_orm::Set(next_sync(schedule, site.last_sync_at));
    }
    active.updated_at = sea_orm::Set(Utc::now());
    let row = active.update(&state.db).await?;
    let pages = pages(&state.db, row.id).await?;
    Ok(site_view(row, pages))
}

/// Queues an import of a website now (a running one goes on, and another
/// follows it).
///
/// # Errors
/// `404 site_not_found`; `409 no_api_key`; `403 admin_only`.
#[tracing::instrument(name = "knowledge::sync_site", skip_all, fields(project_id = %project_id, site_id = %site_id))]
pub async fn sync(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    site_id: Uuid,
) -> Result<KnowledgeSite, AppError> {
    keyed(state, user, project_id).await?;
    let site = find(&state.db, project_id, site_id).await?;
    knowledge_sites::Entity::update_many()
        .col_expr(knowledge_sites::Column::Status, Expr::value(QUEUED))
        .col_expr(
            knowledge_sites::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .filter(knowledge_sites::Column::Id.eq(site.id))
        .filter(knowledge_sites::Column::Status.ne(SYNCING))
        .exec(&state.db)
        .await?;
    // Asked during an import: once it ends, the schedule finds it due at once.
    knowledge_sites::Entity::update_many()
        .col_expr(knowledge_sites::Column::NextSyncAt, Expr::value(Utc::now()))
        .filter(knowledge_sites::Column::Id.eq(site.id))
        .filter(knowledge_sites::Column::Status.eq(SYNCING))
        .exec(&state.db)
        .await?;
    super::jobs::wake(state);
    let row = find(&state.db, project_id, site_id).await?;
    let pages = pages(&state.db, row.id).await?;
    Ok(site_view(row, pages))
}

/// Removes a website and its pages (deleted at the provider too); a running
/// import stops.
///
/// # Errors
/// `404 site_not_found`; `403 admin_only`.
#[tracing::instrument(name = "knowledge::delete_site", skip_all, fields(project_id = %project_id, site_id = %site_id))]
pub async fn delete(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    site_id: Uuid,
) -> Result<(), AppError> {
    user.require_admin()?;
    let project = visible(state, user, project_id).await?;
    let txn = begin_write(&state.db).await?;
    let site = find(&txn, project_id, site_id).await?;
    let rows: Vec<Uuid> = knowledge_files::Entity::find()
        .select_only()
        .column(knowledge_files::Column::Id)
        .filter(knowledge_files::Column::SiteId.eq(site.id))
        .into_tuple()
        .all(&txn)
        .await?;
    files::remove(&txn, &project, &rows).await?;
    knowledge_sites::Entity::delete_by_id(site.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    super::jobs::wake(state);
    Ok(())
}

async fn find(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    site_id: Uuid,
) -> Result<knowledge_sites::Model, AppError> {
    knowledge_sites::Entity::find_by_id(site_id)
        .filter(knowledge_sites::Column::ProjectId.eq(project_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("site_not_found", "no such website"))
}

async fn pages(db: &impl ConnectionTrait, site_id: Uuid) -> Result<u64, DbErr> {
    knowledge_files::Entity::find()
        .filter(knowledge_files::Column::SiteId.eq(site_id))
        .count(db)
        .await
}

/// An `http(s)` address with a host, not naming a private address unless allowed.
fn check_url(given: &str, allow_private: bool) -> Result<url::Url, &'static str> {
    let url = url::Url::parse(given.trim())
        .map_err(|_| "a web address such as https://example.com/sitemap.xml is required")?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("the address must start with http:// or https://");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the address must not contain a user name or password");
    }
    if !allow_private && addresses::is_private_host(&url) {
        return Err(
            "the address is on a private network (allowed only with ALLOW_PRIVATE_UPSTREAMS=true)",
        );
    }
    Ok(url)
}

fn check_max_pages(given: Option<u32>, fields: &mut BTreeMap<String, String>) -> i32 {
    let pages = given.unwrap_or(DEFAULT_SITE_PAGES);
    if !(1..=MAX_SITE_PAGES).contains(&pages) {
        fields.insert(
            "max_pages".to_owned(),
            format!("from 1 to {MAX_SITE_PAGES} pages"),
        );
    }
    i32::try_from(pages).unwrap_or(i32::MAX)
}

fn invalid(fields: BTreeMap<String, String>) -> AppError {
    AppError::Validation {
        message: "some fields are not valid: see `fields`".into(),
        fields,
    }
}

/// When `schedule` imports again after an import at `last`.
fn next_sync(schedule: SyncSchedule, last: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    let last = last?;
    match schedule {
        SyncSchedule::Daily => Some(last + chrono::Duration::days(1)),
        SyncSchedule::Weekly => Some(last + chrono::Duration::weeks(1)),
        SyncSchedule::Never => None,
    }
}

/// Runs the import that is due (queued, left by a stopped instance, or on
/// its schedule), if any; how many ran (0 or 1).
///
/// # Errors
/// The [`DbErr`] of a read or a write.
pub async fn run_due(state: AppState) -> Result<usize, DbErr> {
    let Some(site) = claim(&state).await? else {
        return Ok(0);
    };
    let Some(project) = projects::Entity::find_by_id(site.project_id)
        .one(&state.db)
        .await?
    else {
        return Ok(1);
    };
    import(&state, &project, site).await?;
    Ok(1)
}

/// Takes the lease of one due site and marks it syncing.
async fn claim(state: &AppState) -> Result<Option<knowledge_sites::Model>, DbErr> {
    let now = Utc::now();
    let due = Condition::any()
        .add(knowledge_sites::Column::Status.eq(QUEUED))
        .add(
            Condition::all()
                .add(knowledge_sites::Column::Status.eq(SYNCING))
                .add(
                    Condition::any()
                        .add(knowledge_sites::Column::LeaseOwner.is_null())
                        .add(knowledge_sites::Column::LeaseOwner.eq(state.bus.instance()))
                        .add(knowledge_sites::Column::LeaseExpiresAt.lt(now)),
                ),
        )
        .add(
            Condition::all()
                .add(knowledge_sites::Column::Status.is_in([READY, FAILED]))
                .add(knowledge_sites::Column::NextSyncAt.lte(now)),
        );
    let candidates = knowledge_sites::Entity::find()
        .filter(due.clone())
        .order_by_asc(knowledge_sites::Column::UpdatedAt)
        .all(&state.db)
        .await?;
    for site in candidates {
        let taken = knowledge_sites::Entity::update_many()
            .col_expr(knowledge_sites::Column::Status, Expr::value(SYNCING))
            .col_expr(
                knowledge_sites::Column::LeaseOwner,
                Expr::value(state.bus.instance()),
            )
            .col_expr(
                knowledge_sites::Column::LeaseExpiresAt,
                Expr::value(now + super::jobs::lease()),
            )
            .col_expr(knowledge_sites::Column::Found, Expr::value(0))
            .col_expr(knowledge_sites::Column::Fetched, Expr::value(0))
            .col_expr(knowledge_sites::Column::Uploaded, Expr::value(0))
            .col_expr(knowledge_sites::Column::Unchanged, Expr::value(0))
            .col_expr(knowledge_sites::Column::Removed, Expr::value(0))
            .col_expr(knowledge_sites::Column::Failed, Expr::value(0))
            .col_expr(
                knowledge_sites::Column::Failures,
                Expr::value(serde_json::json!([])),
            )
            .col_expr(
                knowledge_sites::Column::Error,
                Expr::value(Option::<String>::None),
            )
            .filter(knowledge_sites::Column::Id.eq(site.id))
            .filter(due.clone())
            .exec(&state.db)
            .await?;
        if taken.rows_affected == 1 {
            return knowledge_sites::Entity::find_by_id(site.id)
                .one(&state.db)
                .await;
        }
    }
    Ok(None)
}

/// The counts and failures of a running import.
#[derive(Default)]
struct Progress {
    found: i32,
    fetched: i32,
    uploaded: i32,
    unchanged: i32,
    removed: i32,
    failed: i32,
    failures: Vec<PageFailure>,
}

/// A page stored by an earlier import, as the import compares it.
struct Known {
    id: Uuid,
    content_hash: String,
    status: String,
}

/// One import of `site`: crawl, store each page that is new or changed,
/// remove what the site no longer has, then mark it ready (or failed).
async fn import(
    state: &AppState,
    project: &projects::Model,
    site: knowledge_sites::Model,
) -> Result<(), DbErr> {
    let mut progress = Progress::default();
    let Ok(start) = url::Url::parse(&site.url) else {
        return finish(state, &site, &progress, Some("not a web address")).await;
    };
    let spec = CrawlSpec {
        start,
        max_pages: usize::try_from(site.max_pages).unwrap_or(1),
        allow_private: state.settings.allows_private_upstreams(),
    };
    let Ok(client) = upstream::http_client(spec.allow_private) else {
        return finish(
            state,
            &site,
            &progress,
            Some("the server cannot make web requests"),
        )
        .await;
    };
    let mut known: HashMap<String, Known> = knowledge_files::Entity::find()
        .select_only()
        .columns([
            knowledge_files::Column::Id,
            knowledge_files::Column::Url,
            knowledge_files::Column::ContentHash,
            knowledge_files::Column::Status,
        ])
        .filter(knowledge_files::Column::SiteId.eq(site.id))
        .into_tuple::<(Uuid, Option<String>, String, String)>()
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|(id, url, content_hash, status)| {
            url.map(|url| {
                (
                    url,
                    Known {
                        id,
                        content_hash,
                        status,
                    },
                )
            })
        })
        .collect();
    let mut seen = HashSet::new();
    let mut first_failure = None;
    // Dropping the stream (a return below) cancels the crawl.
    let events = crawl::crawl(client, spec);
    futures_util::pin_mut!(events);
    while let Some(event) = events.next().await {
        match event {
            CrawlEvent::Found { total } => {
                progress.found = i32::try_from(total).unwrap_or(i32::MAX);
            }
            CrawlEvent::Page(page) => {
                progress.fetched += 1;
                seen.insert(page.url.to_string());
                let previous = known.remove(page.url.as_str());
                if store_page(state, project, &site, page, previous).await? {
                    progress.uploaded += 1;
                } else {
                    progress.unchanged += 1;
                }
            }
            CrawlEvent::Failed { url, reason } => {
                first_failure.get_or_insert_with(|| reason.to_string());
                seen.insert(url.to_string());
                progress.failed += 1;
                if progress.failures.len() < KEPT_FAILURES {
                    progress.failures.push(PageFailure {
                        url: url.to_string(),
                        reason: reason.to_string(),
                    });
                }
            }
        }
        if !save_progress(state, &site, &progress).await? {
            // The site was removed: the import stops.
            return Ok(());
        }
    }
    if progress.fetched == 0 {
        // Nothing was read (the site down, robots.txt, an empty page): the
        // pages stored before stay, and the import says why.
        let reason = first_failure.unwrap_or_else(|| "no page with text was found".to_owned());
        return finish(state, &site, &progress, Some(&reason)).await;
    }
    let gone: Vec<Uuid> = known
        .into_iter()
        .filter(|(url, _)| !seen.contains(url))
        .map(|(_, row)| row.id)
        .collect();
    let removed = i32::try_from(gone.len()).unwrap_or(i32::MAX);
    let txn = begin_write(&state.db).await?;
    files::remove(&txn, project, &gone).await?;
    txn.commit().await?;
    progress.removed = removed;
    super::jobs::wake(state);
    finish(state, &site, &progress, None).await
}

/// Stores a page read by the crawl: new, replaced when its text or title
/// changed or its file failed (the old provider file is deleted), or left as
/// it was. True when it goes to the provider.
async fn store_page(
    state: &AppState,
    project: &projects::Model,
    site: &knowledge_sites::Model,
    page: CrawledPage,
    previous: Option<Known>,
) -> Result<bool, DbErr> {
    let name = page_name(&page.url);
    let text = page.markdown.replace('\0', "");
    let hash = files::content_hash(page.title.as_deref(), &text);
    let Some(previous) = previous else {
        files::insert(
            &state.db,
            project.id,
            NewFile {
                source: "site",
                site_id: Some(site.id),
                qa_id: None,
                name,
                url: Some(page.url.to_string()),
                title: page.title,
                bytes: i64::try_from(text.len()).unwrap_or(i64::MAX),
                text,
                provider_file_id: None,
            },
        )
        .await?;
        super::jobs::wake(state);
        return Ok(true);
    };
    if previous.content_hash == hash && previous.status != super::FAILED {
        return Ok(false);
    }
    let txn = begin_write(&state.db).await?;
    // As it is now: its job may have recorded a provider file since the import began.
    let Some(current) = files::locked(&txn, previous.id).await? else {
        txn.commit().await?;
        return Ok(false);
    };
    if let Some(file_id) = &current.provider_file_id {
        super::deletions::queue(&txn, project, Stored::File(file_id)).await?;
    }
    let now = Utc::now();
    let mut active = current.into_active_model();
    active.name = sea_orm::Set(name);
    active.title = sea_orm::Set(page.title);
    active.bytes = sea_orm::Set(i64::try_from(text.len()).unwrap_or(i64::MAX));
    active.content_hash = sea_orm::Set(hash);
    active.text = sea_orm::Set(text);
    active.provider_file_id = sea_orm::Set(None);
    active.vector_store_id = sea_orm::Set(None);
    active.embedded_with = sea_orm::Set(None);
    active.status = sea_orm::Set(super::PROCESSING.to_owned());
    active.error = sea_orm::Set(None);
    active.attempts = sea_orm::Set(0);
    active.retry_at = sea_orm::Set(now);
    active.lease_owner = sea_orm::Set(None);
    active.lease_expires_at = sea_orm::Set(None);
    active.updated_at = sea_orm::Set(now);
    active.update(&txn).await?;
    txn.commit().await?;
    super::jobs::wake(state);
    Ok(true)
}

/// A page's name: its address without the scheme, at most 255 characters.
fn page_name(url: &url::Url) -> String {
    let full = url.as_str();
    let without_scheme = full.split_once("://").map_or(full, |(_, rest)| rest);
    without_scheme
        .trim_end_matches('/')
        .chars()
        .take(255)
        .collect()
}

/// Stores the counts and renews the lease; false when the site is gone (or
/// another instance took it over: this import stops).
async fn save_progress(
    state: &AppState,
    site: &knowledge_sites::Model,
    progress: &Progress,
) -> Result<bool, DbErr> {
    let saved = knowledge_sites::Entity::update_many()
        .col_expr(
            knowledge_sites::Column::Found,
            Expr::value(progress.found.max(progress.fetched + progress.failed)),
        )
        .col_expr(
            knowledge_sites::Column::Fetched,
            Expr::value(progress.fetched),
        )
        .col_expr(
            knowledge_sites::Column::Uploaded,
            Expr::value(progress.uploaded),
        )
        .col_expr(
            knowledge_sites::Column::Unchanged,
            Expr::value(progress.unchanged),
        )
        .col_expr(
            knowledge_sites::Column::Failed,
            Expr::value(progress.failed),
        )
        .col_expr(
            knowledge_sites::Column::Failures,
            Expr::value(serde_json::to_value(&progress.failures).unwrap_or_default()),
        )
        .col_expr(
            knowledge_sites::Column::LeaseExpiresAt,
            Expr::value(Utc::now() + super::jobs::lease()),
        )
        .filter(knowledge_sites::Column::Id.eq(site.id))
        .filter(knowledge_sites::Column::LeaseOwner.eq(state.bus.instance()))
        .exec(&state.db)
        .await?;
    Ok(saved.rows_affected == 1)
}

/// Ends an import: ready with its time and the next one by the schedule as
/// it is now (it may have changed during the import), or failed with
/// `error`; the lease is given back.
async fn finish(
    state: &AppState,
    site: &knowledge_sites::Model,
    progress: &Progress,
    error: Option<&str>,
) -> Result<(), DbErr> {
    let Some(current) = knowledge_sites::Entity::find_by_id(site.id)
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    let now = Utc::now();
    let schedule = SyncSchedule::parse(&current.schedule);
    let (status, last) = match error {
        Some(_) => (FAILED, current.last_sync_at),
        None => (READY, Some(now)),
    };
    // "Sync now" pressed during this import: the next one is due at once.
    let asked_again = current.next_sync_at != site.next_sync_at
        && current.next_sync_at.is_some_and(|at| at <= now);
    let next = if asked_again {
        Some(now)
    } else {
        next_sync(schedule, Some(now))
    };
    knowledge_sites::Entity::update_many()
        .col_expr(knowledge_sites::Column::Status, Expr::value(status))
        .col_expr(
            knowledge_sites::Column::Error,
            Expr::value(error.map(str::to_owned)),
        )
        .col_expr(knowledge_sites::Column::LastSyncAt, Expr::value(last))
        .col_expr(knowledge_sites::Column::NextSyncAt, Expr::value(next))
        .col_expr(
            knowledge_sites::Column::Failed,
            Expr::value(progress.failed),
        )
        .col_expr(
            knowledge_sites::Column::Removed,
            Expr::value(progress.removed),
        )
        .col_expr(
            knowledge_sites::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            knowledge_sites::Column::LeaseExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(knowledge_sites::Column::UpdatedAt, Expr::value(now))
        .filter(knowledge_sites::Column::Id.eq(site.id))
        .filter(knowledge_sites::Column::LeaseOwner.eq(state.bus.instance()))
        .exec(&state.db)
        .await?;
    Ok(())
}
