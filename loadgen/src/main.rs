//! aiwidget's load generator (issue 16): starts the real server binary on a
//! temp SQLite database or a fresh PostgreSQL one, with the fake OpenAI as
//! its upstream (and LiteLLM in front of the same fake, for comparison),
//! drives the public HTTP API with many visitors (each from its own address
//! in `X-Forwarded-For`, as nginx on the same host sends it) and operators,
//! and prints issue 16's table in markdown; writes SVG plots.
//!
//! `cargo run --release -p loadgen -- <1..6|sizes|all> [options]`; see
//! `docs/PERFORMANCE.md`.
//!
//! # Layout
//! - `cli`: the options; `report`: the table and the curves; `plot`: SVGs.
//! - `processes`: the server and the fake as processes; `database`: SQLite
//!   file or PostgreSQL database (created and dropped with `psql`);
//!   `litellm`: the proxy; `system`: file limit, RSS, ports, randomness.
//! - `client`: the one HTTP helper (admin, visitors, event streams); `sse`:
//!   the event parser; `upstream`: calls straight to an OpenAI-style API.
//! - `rows/`: one module per row; `stats`: percentiles.

mod cli;
mod client;
mod database;
mod litellm;
mod plot;
mod processes;
mod report;
mod rows;
mod sse;
mod stats;
mod system;
mod upstream;

use anyhow::{Context, Result};
use clap::Parser as _;
use cli::{Cli, Row};
use database::Engine;
use report::Report;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(report) => {
            println!("\n{}", report.markdown());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("loadgen: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: &Cli) -> Result<Report> {
    let limit = system::raise_file_limit()?;
    let work = tempfile::Builder::new()
        .prefix("loadgen-")
        .tempdir()
        .context("creating a temp directory")?;
    let mut report = Report::default();
    report.notes.push(format!(
        "server: {}; upstream: fake-openai ({}), {} ms between words; file limit {limit}",
        cli.bin.display(),
        cli.fake_bin().display(),
        cli.upstream_delta_ms
    ));
    let rows: &[Row] = match cli.row {
        Row::All => &[
            Row::FirstText,
            Row::Burst,
            Row::Stored,
            Row::Streams,
            Row::Operator,
            Row::Rest,
            Row::Analytics,
            Row::Retrieval,
            Row::Sizes,
        ],
        _ => std::slice::from_ref(&cli.row),
    };
    for &row in rows {
        if row == Row::Sizes {
            rows::sizes::run(cli, &mut report);
            continue;
        }
        for spec in cli.databases() {
            let postgres = spec.starts_with("postgres");
            measure(cli, row, &spec, work.path(), &mut report, false).await;
            let two = cli.second_instance || cli.row == Row::All;
            if row == Row::Operator && postgres && two {
                measure(cli, row, &spec, work.path(), &mut report, true).await;
            }
        }
    }
    if !report.memory.is_empty() || !report.curve.is_empty() {
        std::fs::create_dir_all(&cli.plots)
            .with_context(|| format!("creating {}", cli.plots.display()))?;
        for path in plot::write(&report, &cli.plots)? {
            report.notes.push(format!("plot: {}", path.display()));
        }
    }
    Ok(report)
}

/// One row on one database within the time box; a failure becomes a note
/// (and the other rows still run).
async fn measure(cli: &Cli, row: Row, spec: &str, work: &Path, report: &mut Report, two: bool) {
    let engine = if spec.starts_with("postgres") {
        Engine::Postgres
    } else {
        Engine::Sqlite
    };
    let label = format!(
        "row {row:?}{} on {}",
        if two { " (two instances)" } else { "" },
        engine.label()
    );
    eprintln!("== {label}");
    let started = std::time::Instant::now();
    let work = work.join(format!(
        "{row:?}-{}{}",
        engine.label(),
        if two { "-two" } else { "" }
    ));
    let outcome = match std::fs::create_dir_all(&work) {
        Ok(()) => {
            let future = async {
                match row {
                    Row::FirstText => rows::first_text::run(cli, spec, &work, report).await,
                    Row::Burst => rows::burst::run(cli, spec, &work, report).await,
                    Row::Stored => rows::stored::run(cli, spec, &work, report).await,
                    Row::Streams => rows::streams::run(cli, spec, &work, report).await,
                    Row::Operator => rows::operator::run(cli, spec, &work, report, two).await,
                    Row::Rest => rows::rest::run(cli, spec, &work, report).await,
                    Row::Analytics => rows::analytics::run(cli, spec, &work, report).await,
                    Row::Retrieval => rows::retrieval::run(cli, spec, &work, report).await,
                    Row::Sizes | Row::All => Ok(()),
                }
            };
            tokio::time::timeout(Duration::from_secs(cli.time_box), future)
                .await
                .unwrap_or_else(|_| Err(anyhow::anyhow!("over its time box of {} s", cli.time_box)))
        }
        Err(err) => Err(err.into()),
    };
    match outcome {
        Ok(()) => eprintln!("   done in {:.1} s", started.elapsed().as_secs_f64()),
        Err(err) => {
            eprintln!("   FAILED: {err:#}");
            // The servers' own words on it (the working folder is deleted at the end).
            for server in ["server", "second", "restart"] {
                let log = work.join(format!("{server}.log"));
                if log.exists() {
                    eprintln!("   {server}.log ends with:\n{}", processes::tail(&log));
                }
            }
            report.notes.push(format!("{label}: not measured: {err:#}"));
        }
    }
}
