//! Row 4: the server's memory per idle visitor event stream, and after the
//! streams close. `--streams` visitors of a humans-only project each open
//! their stream; the server's RSS is read before, every twentieth of the
//! way (the plot), with all open, and `--settle` seconds after they closed.

use super::{Stack, mb, open_streams, start_visitors};
use crate::cli::Cli;
use crate::report::{Column, Line, Report};
use anyhow::Result;
use std::path::Path;
use std::time::Duration;

/// Time for the server to finish what the last requests started.
const QUIET: Duration = Duration::from_secs(2);

/// Measures row 4 on one database.
///
/// # Errors
/// When the stack cannot start or a stream is refused.
pub(crate) async fn run(cli: &Cli, spec: &str, work: &Path, report: &mut Report) -> Result<()> {
    let stack = Stack::start(cli, spec, work).await?;
    let project = stack.admin.create_project("Streams", None).await?;
    let visitors = start_visitors(&stack.http, &project, cli.streams).await?;
    tokio::time::sleep(QUIET).await;
    let before = stack.server.rss_kib()?;
    let engine = stack.db.engine;
    let mut points = vec![(0, mb(before))];
    let mut streams = Vec::with_capacity(visitors.len());
    for batch in visitors.chunks(visitors.len().div_ceil(20).max(1)) {
        streams.extend(open_streams(&stack.http, batch).await?);
        points.push((streams.len(), mb(stack.server.rss_kib()?)));
    }
    tokio::time::sleep(QUIET).await;
    let open = stack.server.rss_kib()?;
    points.push((streams.len(), mb(open)));
    let held = streams.len();
    drop(streams);
    tokio::time::sleep(Duration::from_secs(cli.settle)).await;
    let after = stack.server.rss_kib()?;
    println!(
        "  {} · {held} streams: RSS {:.1} → {:.1} MB, {:.1} MB {} s after they closed",
        engine.label(),
        mb(before),
        mb(open),
        mb(after),
        cli.settle
    );
    let per_stream = open.saturating_sub(before) as f64 / held.max(1) as f64;
    report.put(
        Line::StreamMemory,
        Column::Db(engine),
        format!(
            "**{per_stream:.1} KiB** each with {held} held (RSS {:.1} → {:.1} MB)",
            mb(before),
            mb(open)
        ),
    );
    report.put(
        Line::AfterClose,
        Column::Db(engine),
        format!(
            "**{:.1} MB** {} s after {held} closed (peak {:.1} MB, before {:.1} MB)",
            mb(after),
            cli.settle,
            mb(open),
            mb(before)
        ),
    );
    report.memory.insert(engine, points);
    Ok(())
}
