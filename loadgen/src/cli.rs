//! The command line.

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

/// The PostgreSQL server `all` uses when no `--database` is given.
pub(crate) const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which figures to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Row {
    /// 1: first AI text, one visitor at a time (and LiteLLM).
    #[value(name = "1", alias = "first-text")]
    FirstText,
    /// 2: first AI text with many visitors at once, the curve (and LiteLLM).
    #[value(name = "2", alias = "burst")]
    Burst,
    /// 3: visitor messages stored per second.
    #[value(name = "3", alias = "stored")]
    Stored,
    /// 4: memory per idle visitor stream, and after they close.
    #[value(name = "4", alias = "streams")]
    Streams,
    /// 5: operator message → visitor's stream (two instances with
    /// `--second-instance` on PostgreSQL).
    #[value(name = "5", alias = "operator")]
    Operator,
    /// 6: RSS at rest, restart to the first `/health`.
    #[value(name = "6", alias = "rest")]
    Rest,
    /// The owner's numbers on a year of a busy project: stats and CSV export.
    Analytics,
    /// aiwidget's own knowledge-base search: 20,000 chunks of 1,536 dimensions.
    Retrieval,
    /// The brotli sizes of the dashboard and the widget.
    Sizes,
    /// Every row on every database (SQLite and PostgreSQL by default).
    All,
}

/// aiwidget's load generator: starts the real server (and the fake OpenAI,
/// and LiteLLM when found), drives the public HTTP API, prints a markdown
/// table of issue 16's figures and writes plots.
#[derive(Debug, Parser)]
#[command(version)]
pub(crate) struct Cli {
    /// The row to measure.
    pub(crate) row: Row,
    /// The aiwidget binary.
    #[arg(long, default_value = "target/release/aiwidget")]
    pub(crate) bin: PathBuf,
    /// The fake OpenAI binary (default: target/release/fake-openai, else
    /// target/debug/fake-openai).
    #[arg(long)]
    pub(crate) fake: Option<PathBuf>,
    /// `sqlite` or a `postgres://user@host:port/db` URL (a fresh database is
    /// created and dropped on that server); repeatable. Default: `sqlite`,
    /// and for `all` also `postgres://postgres@127.0.0.1:5432/postgres`.
    #[arg(long = "database")]
    pub(crate) databases: Vec<String>,
    /// The fake's pause between two words of its answer (0: at once).
    #[arg(long, default_value_t = 0)]
    pub(crate) upstream_delta_ms: u64,
    /// Row 1: questions, one at a time.
    #[arg(long, default_value_t = 200)]
    pub(crate) samples: usize,
    /// Row 2: visitors writing at once (the table's figure).
    #[arg(long, default_value_t = 200)]
    pub(crate) burst: usize,
    /// Row 2: the curve's other points (visitors at once).
    #[arg(long, value_delimiter = ',', default_value = "1,50,100")]
    pub(crate) curve: Vec<usize>,
    /// Row 2: bursts per point.
    #[arg(long, default_value_t = 3)]
    pub(crate) rounds: usize,
    /// Row 3: visitors writing at once.
    #[arg(long, default_value_t = 100)]
    pub(crate) writers: usize,
    /// Rows 3 and 5: the measured window, seconds.
    #[arg(long, default_value_t = 10)]
    pub(crate) seconds: u64,
    /// Row 4: idle streams opened (the other figure: 19000).
    #[arg(long, default_value_t = 5000)]
    pub(crate) streams: usize,
    /// Row 4: seconds to wait after the streams close before reading RSS.
    #[arg(long, default_value_t = 5)]
    pub(crate) settle: u64,
    /// Row 5: visitors connected.
    #[arg(long, default_value_t = 10000)]
    pub(crate) connected: usize,
    /// Row 5: operator messages per second.
    #[arg(long, default_value_t = 1000)]
    pub(crate) rate: u64,
    /// Row 5 on PostgreSQL: also a second server on the same database,
    /// operator on one, visitors on the other (`all` does it always).
    #[arg(long)]
    pub(crate) second_instance: bool,
    /// The `litellm` script (default: ~/.cache/aiwidget-ci/litellm/bin/litellm
    /// when present) for the comparison in rows 1 and 2.
    #[arg(long)]
    pub(crate) litellm: Option<PathBuf>,
    /// Where the SVG plots go.
    #[arg(long, default_value = "docs/performance")]
    pub(crate) plots: PathBuf,
    /// The built assets (`SITE_DIR`, and the sizes row's dashboard).
    #[arg(long, default_value = "target/site")]
    pub(crate) site: PathBuf,
    /// The widget's build (the sizes row).
    #[arg(long, default_value = "target/widget-dist/widget")]
    pub(crate) widget: PathBuf,
    /// Each row's time box on each database, seconds.
    #[arg(long, default_value_t = 600)]
    pub(crate) time_box: u64,
}

impl Cli {
    /// The databases to run on.
    pub(crate) fn databases(&self) -> Vec<String> {
        if !self.databases.is_empty() {
            return self.databases.clone();
        }
        let mut databases = vec!["sqlite".to_owned()];
        if self.row == Row::All {
            databases.push(DEFAULT_POSTGRES.to_owned());
        }
        databases
    }

    /// The fake OpenAI binary.
    pub(crate) fn fake_bin(&self) -> PathBuf {
        if let Some(fake) = &self.fake {
            return fake.clone();
        }
        let release = PathBuf::from("target/release/fake-openai");
        if release.is_file() {
            release
        } else {
            PathBuf::from("target/debug/fake-openai")
        }
    }
}
