//! Row 2: many visitors write at the same moment; each one's time to the
//! first AI text, against as many calls at once straight to the upstream.
//! Measured at every point of the curve (`--curve` and `--burst`), plotted;
//! the table shows the `--burst` point, and LiteLLM at that point.

use super::Stack;
use super::first_text::{Asker, ask, askers, summarise};
use crate::cli::Cli;
use crate::client::Http;
use crate::processes::FAKE_KEY;
use crate::report::{Column, CurvePoint, Line, Report};
use crate::stats::ms;
use crate::upstream::{self, Style};
use anyhow::{Context, Result};
use std::path::Path;
use std::time::Duration;
use tokio::task::JoinSet;

/// Pause between bursts, so that one burst's bookkeeping does not slow the next.
const BETWEEN: Duration = Duration::from_millis(500);

/// Measures row 2 and its curve on one database (LiteLLM once per run).
///
/// # Errors
/// When the stack cannot start or a question fails.
pub(crate) async fn run(cli: &Cli, spec: &str, work: &Path, report: &mut Report) -> Result<()> {
    let stack = Stack::start(cli, spec, work).await?;
    let project = stack
        .admin
        .create_project("Burst", Some(&stack.fake.base_url))
        .await?;
    let mut points: Vec<usize> = cli.curve.iter().copied().chain([cli.burst]).collect();
    points.sort_unstable();
    points.dedup();
    let most = points.last().copied().unwrap_or(cli.burst);
    let mut crowd = askers(&stack.http, &project, most).await?;
    let direct_client = reqwest::Client::new();
    let base = &stack.fake.base_url;
    let engine = stack.db.engine;
    // One unmeasured burst: connections and caches.
    crowd = burst(&stack.http, crowd, most, 0).await?.0;
    for &at_once in &points {
        let mut times = Vec::new();
        for round in 0..cli.rounds {
            tokio::time::sleep(BETWEEN).await;
            let (back, round_times) = burst(&stack.http, crowd, at_once, round + 1).await?;
            crowd = back;
            times.extend(round_times);
        }
        let direct = upstream::bursts(
            &direct_client,
            base,
            FAKE_KEY,
            Style::Responses,
            at_once,
            cli.rounds,
        )
        .await?;
        let (through, direct) = (summarise(&times)?, summarise(&direct)?);
        println!(
            "  {} · {at_once} at once: {through} (straight {direct})",
            engine.label()
        );
        report.curve.entry(engine).or_default().push(CurvePoint {
            visitors: at_once,
            p50: through.p50,
            p99: through.p99,
            direct_p50: direct.p50,
        });
        if at_once == cli.burst {
            report.put(
                Line::Burst,
                Column::Db(engine),
                format!(
                    "{at_once} at once: **{through}**, over straight p50 +{} / p99 +{} ms (straight {direct}; n={})",
                    ms(through.p50 - direct.p50),
                    ms(through.p99 - direct.p99),
                    through.n
                ),
            );
        }
    }
    if !report.has(Line::Burst, Column::Other) {
        let text = match crate::litellm::find(cli.litellm.as_deref()) {
            Some(bin) => litellm(&bin, base, cli, work)
                .await
                .unwrap_or_else(|err| format!("LiteLLM: not measured ({err:#})")),
            None => "LiteLLM: not measured (not installed)".to_owned(),
        };
        report.put(Line::Burst, Column::Other, text);
    }
    Ok(())
}

/// The first `at_once` visitors each ask one question at the same moment;
/// gives the askers back with the times.
async fn burst(
    http: &Http,
    mut askers: Vec<Asker>,
    at_once: usize,
    round: usize,
) -> Result<(Vec<Asker>, Vec<Duration>)> {
    let rest = askers.split_off(at_once.min(askers.len()));
    let mut tasks = JoinSet::new();
    for (n, mut asker) in askers.into_iter().enumerate() {
        let http = http.clone();
        tasks.spawn(async move {
            let time = ask(&http, &mut asker, round * 100_000 + n).await;
            (n, asker, time)
        });
    }
    let mut back = Vec::with_capacity(at_once);
    let mut times = Vec::with_capacity(at_once);
    while let Some(joined) = tasks.join_next().await {
        let (n, asker, time) = joined.context("a visitor's task")?;
        times.push(time?);
        back.push((n, asker));
    }
    back.sort_by_key(|(n, _)| *n);
    let mut askers: Vec<Asker> = back.into_iter().map(|(_, asker)| asker).collect();
    askers.extend(rest);
    Ok((askers, times))
}

/// LiteLLM with `--burst` calls at once, against Chat Completions straight.
async fn litellm(bin: &Path, upstream: &str, cli: &Cli, work: &Path) -> Result<String> {
    let proxy = crate::litellm::Proxy::start(bin, upstream, work).await?;
    let client = reqwest::Client::new();
    let key = crate::litellm::PROXY_KEY;
    upstream::bursts(&client, &proxy.base_url, key, Style::Chat, cli.burst, 1).await?;
    let through = upstream::bursts(
        &client,
        &proxy.base_url,
        key,
        Style::Chat,
        cli.burst,
        cli.rounds,
    )
    .await?;
    let direct = upstream::bursts(
        &client,
        upstream,
        FAKE_KEY,
        Style::Chat,
        cli.burst,
        cli.rounds,
    )
    .await?;
    let (through, direct) = (summarise(&through)?, summarise(&direct)?);
    Ok(format!(
        "LiteLLM {}, {} at once: **{through}** (chat completions straight {direct})",
        proxy.version, cli.burst
    ))
}
