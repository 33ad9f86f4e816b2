//! Row `retrieval`: aiwidget's own search of a knowledge base (issue 18,
//! `docs/knowledge.md`) at the size the issue names: [`CHUNKS`] chunks of
//! [`DIMENSIONS`] dimensions, generated (random unit vectors, as real
//! embeddings spread), written into the database the server runs on with
//! the server's own entities and encoding.
//!
//! Timed with the server's own functions, in this process:
//! - a question: the exact scan of the index for the best 5
//!   (`vectors::Index::search`) plus the read of the chunks found and their
//!   files (`retrieval::found`): everything of a question but the
//!   provider's embedding call, [`QUERIES`] questions one after another;
//! - the load of the project's vectors into an index
//!   (`retrieval::load`), which an instance does on first use and after the
//!   chunks changed;
//! - the index's memory: its bytes plus the chunk ids.

use super::Stack;
use crate::cli::Cli;
use crate::report::{Column, Line, Report};
use crate::stats::Summary;
use anyhow::{Context, Result};
use chrono::Utc;
use engine::db::entities::{knowledge_chunks, knowledge_files};
use engine::knowledge::vectors;
use engine::services::knowledge::retrieval;
use sea_orm::{ActiveValue::Set, Database, EntityTrait, TransactionTrait};
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Chunks in the project (the size).
pub(crate) const CHUNKS: usize = 20_000;
/// Dimensions of each vector (OpenAI's `text-embedding-3-small`).
pub(crate) const DIMENSIONS: usize = 1_536;
/// Questions timed.
const QUERIES: usize = 1_000;
/// Loads timed.
const LOADS: usize = 5;
/// Chunks per file (a long page).
const PER_FILE: usize = 20;
/// Rows per insert statement.
const BATCH: usize = 500;
/// The model the chunks are of.
const MODEL: &str = "text-embedding-3-small";

/// Measures the row on one database.
///
/// # Errors
/// When the stack cannot start, the data cannot be written or read.
pub(crate) async fn run(cli: &Cli, spec: &str, work: &Path, report: &mut Report) -> Result<()> {
    let Stack {
        server: _server,
        http: _http,
        admin,
        env: _env,
        fake: _fake,
        db,
    } = Stack::start(cli, spec, work).await?;
    let project: Uuid = admin
        .create_project("Retrieval", None)
        .await?
        .parse()
        .context("project id")?;
    let connection = Database::connect(&db.url)
        .await
        .context("connecting to the database")?;
    let started = Instant::now();
    write_chunks(&connection, project).await?;
    eprintln!(
        "retrieval: {CHUNKS} chunks of {DIMENSIONS} dimensions written in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let mut loads = Vec::with_capacity(LOADS);
    let mut loaded = None;
    for _ in 0..LOADS {
        let start = Instant::now();
        loaded = Some(retrieval::load(&connection, project, MODEL).await?);
        loads.push(start.elapsed());
    }
    let (index, ids) = loaded.context("no load")?;
    anyhow::ensure!(index.len() == CHUNKS, "{} vectors loaded", index.len());
    let mut seed = 7;
    let mut questions = Vec::with_capacity(QUERIES);
    for _ in 0..QUERIES {
        let query = unit_vector(&mut seed);
        let start = Instant::now();
        let hits: Vec<(Uuid, f32)> = index
            .search(&query, retrieval::TOP_K)
            .into_iter()
            .map(|(position, score)| (ids[position], score))
            .collect();
        let found = retrieval::found(&connection, &hits).await?;
        questions.push(start.elapsed());
        anyhow::ensure!(found.len() == retrieval::TOP_K, "{} found", found.len());
    }
    let scan_only = scan_times(&index);
    let question = Summary::of(&questions).context("no question")?;
    let load = Summary::of(&loads).context("no load")?;
    let scan = Summary::of(&scan_only).context("no scan")?;
    let memory = index.bytes() + ids.len() * 16;
    let column = Column::Db(db.engine);
    report.put(
        Line::RetrievalQuestion,
        column,
        format!("**{question}** (the scan alone: {scan})"),
    );
    report.put(Line::RetrievalLoad, column, format!("**{load}**"));
    report.put(
        Line::RetrievalMemory,
        Column::Other,
        format!(
            "**{:.1} MB** ({} bytes per chunk)",
            memory as f64 / 1e6,
            memory / CHUNKS
        ),
    );
    Ok(())
}

/// [`QUERIES`] scans alone, for the split of a question's time.
fn scan_times(index: &vectors::Index) -> Vec<Duration> {
    let mut seed = 11;
    (0..QUERIES)
        .map(|_| {
            let query = unit_vector(&mut seed);
            let start = Instant::now();
            let hits = index.search(&query, retrieval::TOP_K);
            let took = start.elapsed();
            assert_eq!(hits.len(), retrieval::TOP_K);
            took
        })
        .collect()
}

/// A random vector of [`DIMENSIONS`] (xorshift: repeatable, no dependency).
fn unit_vector(seed: &mut u64) -> Vec<f32> {
    (0..DIMENSIONS)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            #[allow(clippy::cast_precision_loss, reason = "random test data")]
            let unit = (*seed >> 40) as f32 / (1_u64 << 24) as f32;
            unit - 0.5
        })
        .collect()
}

/// Writes the files and their chunks, a transaction per 500 chunks.
async fn write_chunks(db: &sea_orm::DatabaseConnection, project: Uuid) -> Result<()> {
    let now = Utc::now();
    let mut seed = 3;
    for file_start in (0..CHUNKS).step_by(BATCH) {
        let txn = db.begin().await?;
        let mut files = Vec::new();
        let mut chunks = Vec::new();
        for n in file_start..(file_start + BATCH).min(CHUNKS) {
            if n % PER_FILE == 0 {
                files.push(file(project, n / PER_FILE, now));
            }
            let file_id = file_id(project, n / PER_FILE);
            chunks.push(knowledge_chunks::ActiveModel {
                id: Set(Uuid::now_v7()),
                project_id: Set(project),
                file_id: Set(file_id),
                model: Set(MODEL.to_owned()),
                position: Set(i32::try_from(n % PER_FILE).unwrap_or(0)),
                text: Set(format!(
                    "Chunk {n}: {}",
                    "generated text of a page. ".repeat(40)
                )),
                tokens: Set(300),
                vector: Set(vectors::encode(&unit_vector(&mut seed))),
                created_at: Set(now),
            });
        }
        if !files.is_empty() {
            knowledge_files::Entity::insert_many(files)
                .exec_without_returning(&txn)
                .await?;
        }
        knowledge_chunks::Entity::insert_many(chunks)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
    }
    Ok(())
}

/// The id of file `n` of `project` (the same for every chunk of it).
fn file_id(project: Uuid, n: usize) -> Uuid {
    Uuid::from_u128(project.as_u128().wrapping_add(n as u128 + 1))
}

fn file(project: Uuid, n: usize, now: chrono::DateTime<Utc>) -> knowledge_files::ActiveModel {
    let text = format!("Page {n}");
    knowledge_files::ActiveModel {
        id: Set(file_id(project, n)),
        project_id: Set(project),
        source: Set("site".to_owned()),
        site_id: Set(None),
        qa_id: Set(None),
        name: Set(format!("https://shop.example/page-{n}")),
        url: Set(Some(format!("https://shop.example/page-{n}"))),
        title: Set(Some(text.clone())),
        bytes: Set(i64::try_from(text.len()).unwrap_or(0)),
        content_hash: Set(format!("{n:064}")),
        text: Set(text),
        provider_file_id: Set(None),
        vector_store_id: Set(None),
        status: Set("ready".to_owned()),
        error: Set(None),
        attempts: Set(0),
        retry_at: Set(now),
        lease_owner: Set(None),
        lease_expires_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        embedded_with: Set(Some(MODEL.to_owned())),
    }
}
