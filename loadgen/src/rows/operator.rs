//! Row 5: an operator's message → the visitor's event stream. `--connected`
//! visitors of a humans-only project hold their streams; the admin takes
//! over up to [`TARGETS`] of their conversations, then writes to them in
//! turn at `--rate` messages a second for `--seconds` (open loop: a message
//! leaves on time whether or not the previous ones were answered). Each
//! message's latency runs from just before its `POST` to the moment its
//! visitor's stream delivers it. With two instances, the operator writes to
//! the first and the visitors listen on the second.

use super::first_text::summarise;
use super::{Stack, open_streams, start_visitors};
use crate::cli::Cli;
use crate::client::{Admin, EventStream, Http};
use crate::processes::Server;
use crate::report::{Column, Line, Report};
use anyhow::{Context, Result};
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Conversations written to (taken over first, so that each message is a
/// message and not a takeover).
const TARGETS: usize = 1000;
/// How long to wait for the last messages to arrive.
const DRAIN: Duration = Duration::from_secs(5);

/// When each message left and when it arrived, by its number.
type Times = Arc<Mutex<HashMap<u64, Instant>>>;

/// Measures row 5 on one database; with `two_instances` (PostgreSQL), the
/// two-instance line instead.
///
/// # Errors
/// When the stack cannot start or the setup fails.
pub(crate) async fn run(
    cli: &Cli,
    spec: &str,
    work: &Path,
    report: &mut Report,
    two_instances: bool,
) -> Result<()> {
    let stack = Stack::start(cli, spec, work).await?;
    let project = stack.admin.create_project("Operator", None).await?;
    let phase = Instant::now();
    let visitors = start_visitors(&stack.http, &project, cli.connected).await?;
    step("visitors started", phase);
    let (_second, listen_on): (Option<Server>, Http) = if two_instances {
        let second = Server::start(&stack.env, "second").await?;
        let http = stack.http.with_base(&second.base);
        (Some(second), http)
    } else {
        (None, stack.http.clone())
    };
    let phase = Instant::now();
    let streams = open_streams(&listen_on, &visitors).await?;
    step("streams open", phase);
    let arrived: Times = Arc::default();
    let mut readers = JoinSet::new();
    for stream in streams {
        readers.spawn(read(stream, arrived.clone()));
    }
    let targets: Vec<String> = visitors
        .iter()
        .take(TARGETS)
        .map(|visitor| visitor.conversation.clone())
        .collect();
    let phase = Instant::now();
    futures_util::stream::iter(&targets)
        .map(|conversation| stack.admin.take_over(conversation))
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    step("conversations taken over", phase);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (sent, refused) = send(&stack.admin, &targets, cli.rate, cli.seconds).await?;
    let deadline = Instant::now() + DRAIN;
    while lock(&arrived).len() < sent.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    readers.abort_all();
    let arrived = lock(&arrived).clone();
    let latencies: Vec<Duration> = sent
        .iter()
        .filter_map(|(n, left)| arrived.get(n).map(|at| at.saturating_duration_since(*left)))
        .collect();
    let lost = sent.len() - latencies.len();
    let latency = summarise(&latencies)?;
    let mut text = format!(
        "**{latency}** at {} msg/s, {} visitors connected ({} sent",
        cli.rate,
        visitors.len(),
        sent.len()
    );
    if lost > 0 {
        text.push_str(&format!(", {lost} never arrived"));
    }
    if refused > 0 {
        text.push_str(&format!(", {refused} refused"));
    }
    text.push(')');
    let line = if two_instances {
        Line::OperatorTwoInstances
    } else {
        Line::Operator
    };
    report.put(line, Column::Db(stack.db.engine), text);
    Ok(())
}

/// Tells how long a step of the set-up took (on stderr, beside the row's own line).
fn step(what: &str, since: Instant) {
    eprintln!("   {what} in {:.1} s", since.elapsed().as_secs_f64());
}

fn lock(times: &Times) -> std::sync::MutexGuard<'_, HashMap<u64, Instant>> {
    times
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads a visitor's stream, noting when each operator message `lg-<n>`
/// arrives.
async fn read(mut stream: EventStream, arrived: Times) -> Result<()> {
    while let Some(event) = stream.next().await? {
        if event.name != "message" {
            continue;
        }
        let Ok(data) = serde_json::from_str::<Value>(&event.data) else {
            continue;
        };
        if data["role"] != "operator" {
            continue;
        }
        if let Some(n) = data["text"]
            .as_str()
            .and_then(|text| text.strip_prefix("lg-"))
            .and_then(|n| n.parse().ok())
        {
            lock(&arrived).entry(n).or_insert_with(Instant::now);
        }
    }
    Ok(())
}

/// Sends `rate` messages a second for `seconds` over the targets in turn;
/// returns when each of those answered `201` left, and how many were
/// refused.
async fn send(
    admin: &Admin,
    targets: &[String],
    rate: u64,
    seconds: u64,
) -> Result<(HashMap<u64, Instant>, u64)> {
    let count = rate * seconds;
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(1) as f64));
    let mut tasks = JoinSet::new();
    for n in 0..count {
        ticks.tick().await;
        let admin = admin.clone();
        let conversation = targets[n as usize % targets.len()].clone();
        tasks.spawn(async move {
            let left = Instant::now();
            let status = admin
                .send(n as usize, &conversation, &format!("lg-{n}"))
                .await;
            (n, left, status)
        });
    }
    let mut sent = HashMap::new();
    let mut refused = 0;
    while let Some(joined) = tasks.join_next().await {
        let (n, left, status) = joined.context("an operator's task")?;
        if status?.as_u16() == 201 {
            sent.insert(n, left);
        } else {
            refused += 1;
        }
    }
    Ok((sent, refused))
}
