//! Row 6: the server's RSS at rest (started, signed in, idle), and the
//! restart on an existing database (projects, visitors, messages) to its
//! first `200` on `/health`, the median of [`RESTARTS`].

use super::{Stack, mb, start_visitors};
use crate::cli::Cli;
use crate::processes::Server;
use crate::report::{Column, Line, Report};
use anyhow::{Context, Result};
use std::path::Path;
use std::time::Duration;

/// Restarts measured.
const RESTARTS: usize = 5;
/// Idle time before the at-rest reading.
const REST: Duration = Duration::from_secs(3);

/// Measures row 6 on one database.
///
/// # Errors
/// When the stack cannot start or a restart fails.
pub(crate) async fn run(cli: &Cli, spec: &str, work: &Path, report: &mut Report) -> Result<()> {
    let Stack {
        server,
        http,
        admin,
        env,
        fake: _fake,
        db,
    } = Stack::start(cli, spec, work).await?;
    tokio::time::sleep(REST).await;
    let at_rest = server.rss_kib()?;
    let first_start = server.ready_in;
    let project = admin.create_project("Rest", None).await?;
    for visitor in start_visitors(&http, &project, 50).await? {
        visitor.send(&http, "Hello").await?;
    }
    server.stop().await?;
    let mut times = Vec::with_capacity(RESTARTS);
    for _ in 0..RESTARTS {
        let server = Server::start(&env, "restart").await?;
        times.push(server.ready_in);
        server.stop().await?;
    }
    times.sort_unstable();
    let median = times.get(RESTARTS / 2).context("no restart")?;
    report.put(
        Line::Rest,
        Column::Db(db.engine),
        format!("**{:.1} MB**", mb(at_rest)),
    );
    report.put(
        Line::Restart,
        Column::Db(db.engine),
        format!(
            "**{} ms** (median of {RESTARTS}; first start on an empty database {} ms)",
            times_ms(*median),
            times_ms(first_start)
        ),
    );
    Ok(())
}

fn times_ms(duration: Duration) -> u128 {
    duration.as_millis()
}
