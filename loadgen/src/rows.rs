//! The rows of the table, one module each, and what they share: a fresh
//! stack (fake OpenAI, database, server, signed-in admin) per row and
//! database, and visitors started in parallel.

pub(crate) mod analytics;
pub(crate) mod burst;
pub(crate) mod first_text;
pub(crate) mod operator;
pub(crate) mod rest;
pub(crate) mod retrieval;
pub(crate) mod sizes;
pub(crate) mod stored;
pub(crate) mod streams;

use crate::cli::Cli;
use crate::client::{Admin, EventStream, Http, Visitor};
use crate::database::Database;
use crate::processes::{Fake, Server, ServerEnv};
use anyhow::{Context, Result};
use futures_util::{StreamExt as _, TryStreamExt as _};
use std::path::Path;

/// How many session or stream requests are in flight at once while setting
/// up (not measured).
const SETUP_PARALLEL: usize = 64;

/// One row's processes on one database. Fields drop in order: the server
/// before the database it uses.
#[derive(Debug)]
pub(crate) struct Stack {
    /// The aiwidget instance.
    pub(crate) server: Server,
    /// Clients for it.
    pub(crate) http: Http,
    /// The admin, signed in.
    pub(crate) admin: Admin,
    /// What a restart or a second instance needs.
    pub(crate) env: ServerEnv,
    /// The upstream.
    pub(crate) fake: Fake,
    /// The database.
    pub(crate) db: Database,
}

impl Stack {
    /// Starts the fake, creates the database, starts the server, signs in.
    ///
    /// # Errors
    /// When any of them fails.
    pub(crate) async fn start(cli: &Cli, spec: &str, work: &Path) -> Result<Self> {
        let fake = Fake::start(&cli.fake_bin(), cli.upstream_delta_ms).await?;
        let db = Database::create(spec, work)?;
        let env = ServerEnv::new(&cli.bin, &db.url, &cli.site, work)?;
        let server = Server::start(&env, "server").await?;
        let http = Http::new(&server.base)?;
        let admin = Admin::login(&http, &env.password).await?;
        Ok(Self {
            server,
            http,
            admin,
            env,
            fake,
            db,
        })
    }
}

/// Starts `count` visitors of `project`, each from its own address.
///
/// # Errors
/// When a session is refused.
pub(crate) async fn start_visitors(
    http: &Http,
    project: &str,
    count: usize,
) -> Result<Vec<Visitor>> {
    futures_util::stream::iter(0..count)
        .map(|n| Visitor::start(http, project, n))
        .buffer_unordered(SETUP_PARALLEL)
        .try_collect()
        .await
        .context("starting visitors")
}

/// Opens each visitor's event stream on `http` (in the visitors' order) and
/// waits for its first bytes, so that the server holds every one of them.
///
/// # Errors
/// When a stream is refused.
pub(crate) async fn open_streams(http: &Http, visitors: &[Visitor]) -> Result<Vec<EventStream>> {
    futures_util::stream::iter(visitors)
        .map(|visitor| async move {
            let mut stream = visitor.events(http).await?;
            stream.first_bytes().await?;
            Ok::<_, anyhow::Error>(stream)
        })
        .buffered(SETUP_PARALLEL)
        .try_collect()
        .await
        .context("opening event streams")
}

/// Megabytes from KiB, for the table.
pub(crate) fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
