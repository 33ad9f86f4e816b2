//! Row 1: a visitor's `POST` → the first AI text on their event stream, one
//! question at a time, against the upstream's own first text measured
//! straight; LiteLLM in front of the same upstream for comparison.
//! [`ask`] is also row 2's measurement.

use super::{Stack, open_streams, start_visitors};
use crate::cli::Cli;
use crate::client::{EventStream, Http, Visitor};
use crate::processes::FAKE_KEY;
use crate::report::{Column, Line, Report};
use crate::sse::{AiProgress, ai_progress};
use crate::stats::{Summary, ms};
use crate::upstream::{self, Style};
use anyhow::{Context, Result, bail, ensure};
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// Visitors taking turns, so that no one meets the per-visitor limit.
const VISITORS: usize = 10;
/// Questions before the measured ones (connections, caches).
const WARM_UP: usize = 5;
/// How long one answer may take.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// Measures row 1 on one database (and LiteLLM once per run).
///
/// # Errors
/// When the stack cannot start or a question fails.
pub(crate) async fn run(cli: &Cli, spec: &str, work: &Path, report: &mut Report) -> Result<()> {
    let stack = Stack::start(cli, spec, work).await?;
    let project = stack
        .admin
        .create_project("First text", Some(&stack.fake.base_url))
        .await?;
    let mut askers = askers(&stack.http, &project, VISITORS).await?;
    let mut times = Vec::with_capacity(cli.samples);
    for n in 0..WARM_UP + cli.samples {
        let time = ask(&stack.http, &mut askers[n % VISITORS], n).await?;
        if n >= WARM_UP {
            times.push(time);
        }
    }
    let direct_client = reqwest::Client::new();
    let base = &stack.fake.base_url;
    upstream::sequential(&direct_client, base, FAKE_KEY, Style::Responses, WARM_UP).await?;
    let direct = upstream::sequential(
        &direct_client,
        base,
        FAKE_KEY,
        Style::Responses,
        cli.samples,
    )
    .await?;
    let (through, direct) = (summarise(&times)?, summarise(&direct)?);
    report.put(
        Line::FirstText,
        Column::Db(stack.db.engine),
        format!(
            "**{} ms** (through aiwidget {through}; upstream straight {direct}; n={})",
            ms(through.p50 - direct.p50),
            through.n
        ),
    );
    if !report.has(Line::FirstText, Column::Other) {
        let text = match crate::litellm::find(cli.litellm.as_deref()) {
            Some(bin) => litellm(&bin, base, cli.samples, work)
                .await
                .unwrap_or_else(|err| format!("LiteLLM: not measured ({err:#})")),
            None => "LiteLLM: not measured (no --litellm and no ~/.cache/aiwidget-ci/litellm)"
                .to_owned(),
        };
        report.put(Line::FirstText, Column::Other, text);
    }
    Ok(())
}

/// p50/p99 of a sample that must not be empty.
pub(crate) fn summarise(times: &[Duration]) -> Result<Summary> {
    Summary::of(times).context("no sample")
}

/// LiteLLM one question at a time, against Chat Completions straight.
async fn litellm(bin: &Path, upstream: &str, samples: usize, work: &Path) -> Result<String> {
    let proxy = crate::litellm::Proxy::start(bin, upstream, work).await?;
    let client = reqwest::Client::new();
    let key = crate::litellm::PROXY_KEY;
    upstream::sequential(&client, &proxy.base_url, key, Style::Chat, WARM_UP).await?;
    let through = upstream::sequential(&client, &proxy.base_url, key, Style::Chat, samples).await?;
    let direct = upstream::sequential(&client, upstream, FAKE_KEY, Style::Chat, samples).await?;
    let (through, direct) = (summarise(&through)?, summarise(&direct)?);
    Ok(format!(
        "LiteLLM {}: **{} ms** (through it {through}; chat completions straight {direct})",
        proxy.version,
        ms(through.p50 - direct.p50)
    ))
}

/// A visitor asking questions, with their stream and the AI messages that
/// already ended on it.
#[derive(Debug)]
pub(crate) struct Asker {
    visitor: Visitor,
    stream: EventStream,
    finished: HashSet<String>,
}

/// Starts `count` visitors of `project` with their streams open.
///
/// # Errors
/// When a session or a stream is refused.
pub(crate) async fn askers(http: &Http, project: &str, count: usize) -> Result<Vec<Asker>> {
    let visitors = start_visitors(http, project, count).await?;
    let streams = open_streams(http, &visitors).await?;
    Ok(visitors
        .into_iter()
        .zip(streams)
        .map(|(visitor, stream)| Asker {
            visitor,
            stream,
            finished: HashSet::new(),
        })
        .collect())
}

/// One question: the visitor's `POST` and, at the same time, their stream
/// until the AI's answer ends. Returns the time from just before the `POST`
/// to the answer's first text.
///
/// # Errors
/// When the message is refused, the answer fails or takes too long.
pub(crate) async fn ask(http: &Http, asker: &mut Asker, n: usize) -> Result<Duration> {
    let started = Instant::now();
    let text = format!("Question {n}: what are your opening hours?");
    let visitor = asker.visitor.clone();
    let (sent, first) = tokio::time::timeout(ANSWER_TIMEOUT, async {
        tokio::join!(visitor.send(http, &text), first_text(asker, started))
    })
    .await
    .context("no answer within 60 s")?;
    let status = sent?;
    ensure!(status.as_u16() == 202, "visitor message answered {status}");
    first
}

/// Reads the stream until the AI's message is complete; the time of its
/// first text. Events of answers that already ended are skipped (aiwidget
/// may send a finished message twice).
async fn first_text(asker: &mut Asker, started: Instant) -> Result<Duration> {
    let mut first = None;
    loop {
        let event = asker.stream.next().await?.context("the stream ended")?;
        let (progress, id) = ai_progress(&event);
        if id.as_ref().is_some_and(|id| asker.finished.contains(id)) {
            continue;
        }
        if matches!(progress, AiProgress::Done { .. }) {
            asker.finished.extend(id);
        }
        match progress {
            AiProgress::Text => {
                first.get_or_insert_with(|| started.elapsed());
            }
            AiProgress::Done { text } => {
                if text {
                    first.get_or_insert_with(|| started.elapsed());
                }
                return first.context("an answer without text");
            }
            AiProgress::Failed => bail!("the AI's answer failed: {}", event.data),
            AiProgress::None => {}
        }
    }
}
