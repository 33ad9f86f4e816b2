//! Row 3: visitor messages stored per second while `--writers` visitors
//! write as fast as their answers come back, on a humans-only project (no
//! key: nothing but the messages is written). Only `202`s are counted.
//!
//! Each writer takes turns over a few visitors (each from its own address)
//! and leaves each after [`PER_VISITOR`] messages, so that the per-visitor
//! and per-address limits (600 a minute, a burst of 120) are never what is
//! measured.

use super::{Stack, start_visitors};
use crate::cli::Cli;
use crate::client::{Http, Visitor};
use crate::report::{Column, Line, Report};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Messages one visitor sends before their writer moves to the next.
const PER_VISITOR: usize = 100;
/// The highest rate the visitors made up front can carry for the window.
const ROOM_PER_SECOND: u64 = 8000;

/// What one writer saw.
#[derive(Debug, Default)]
struct Tally {
    /// Answers by status that came back within the window.
    statuses: BTreeMap<u16, u64>,
    /// Whether it ran out of visitors before the window ended.
    ran_out: bool,
}

/// Measures row 3 on one database.
///
/// # Errors
/// When the stack cannot start or a writer fails.
pub(crate) async fn run(cli: &Cli, spec: &str, work: &Path, report: &mut Report) -> Result<()> {
    let stack = Stack::start(cli, spec, work).await?;
    let project = stack.admin.create_project("Stored", None).await?;
    let writers = cli.writers.max(1);
    let each = (cli.seconds * ROOM_PER_SECOND)
        .div_ceil((writers * PER_VISITOR) as u64)
        .max(2) as usize;
    let visitors = start_visitors(&stack.http, &project, writers * each).await?;
    let window = Duration::from_secs(cli.seconds);
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for own in visitors.chunks(each) {
        tasks.spawn(write(stack.http.clone(), own.to_vec(), started + window));
    }
    let mut total = Tally::default();
    while let Some(tally) = tasks.join_next().await {
        let tally = tally.context("a writer's task")??;
        for (status, count) in tally.statuses {
            *total.statuses.entry(status).or_default() += count;
        }
        total.ran_out |= tally.ran_out;
    }
    let stored = total.statuses.get(&202).copied().unwrap_or(0);
    let others: Vec<String> = total
        .statuses
        .iter()
        .filter(|(status, _)| **status != 202)
        .map(|(status, count)| format!("{count}×{status}"))
        .collect();
    let mut text = format!(
        "**{:.0}/s** ({stored} in {} s, {writers} writers",
        stored as f64 / window.as_secs_f64(),
        cli.seconds
    );
    if !others.is_empty() {
        text.push_str(&format!("; also {}", others.join(", ")));
    }
    if total.ran_out {
        text.push_str("; some writers ran out of visitors: the rate is a floor");
    }
    text.push(')');
    report.put(Line::Stored, Column::Db(stack.db.engine), text);
    Ok(())
}

/// One writer: its visitors in turn, one message after the other, until the
/// window ends. Only answers that came back before it are counted.
async fn write(http: Http, visitors: Vec<Visitor>, end: Instant) -> Result<Tally> {
    let mut tally = Tally::default();
    for visitor in &visitors {
        for n in 0..PER_VISITOR {
            let status = visitor.send(&http, &format!("Message {n}")).await?;
            if Instant::now() >= end {
                return Ok(tally);
            }
            *tally.statuses.entry(status.as_u16()).or_default() += 1;
        }
    }
    tally.ran_out = true;
    Ok(tally)
}
