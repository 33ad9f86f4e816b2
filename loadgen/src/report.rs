//! The table: one line per figure of issue 16, a column per database, one
//! for the alternative, one for the target; and the curves for the plots.

use crate::database::Engine;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The table's lines, in the issue's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Line {
    FirstText,
    Burst,
    Stored,
    StreamMemory,
    AfterClose,
    Operator,
    OperatorTwoInstances,
    Rest,
    Restart,
    StatsYear,
    StatsMonth,
    ExportYear,
    RetrievalQuestion,
    RetrievalLoad,
    RetrievalMemory,
    Dashboard,
    Widget,
    Loader,
}

impl Line {
    fn what(self) -> &'static str {
        match self {
            Self::FirstText => {
                "1. visitor's POST → first AI text on their stream, minus the upstream's own first text, one at a time"
            }
            Self::Burst => "2. the same with many visitors writing at once",
            Self::Stored => {
                "3. visitor messages stored per second (humans-only project, `202`s only)"
            }
            Self::StreamMemory => "4. server memory per idle visitor event stream",
            Self::AfterClose => "4. server memory after the streams close",
            Self::Operator => "5. operator message → visitor's stream",
            Self::OperatorTwoInstances => {
                "5. the same between two instances (operator on one, visitor on the other)"
            }
            Self::Rest => "6. server at rest (RSS)",
            Self::Restart => "6. restart on an existing database → first `200` on `/health`",
            Self::StatsYear => {
                "analytics: `GET /api/v1/admin/stats`, a year of a busy project (200 conversations a day)"
            }
            Self::StatsMonth => "analytics: the same, the default 30 days",
            Self::ExportYear => "analytics: the year's conversations as CSV",
            Self::RetrievalQuestion => {
                "retrieval: a question over 20,000 chunks of 1,536 dimensions (the scan and the read of the 5 found; not the provider's embedding)"
            }
            Self::RetrievalLoad => {
                "retrieval: loading those vectors from the database (first use, after a change)"
            }
            Self::RetrievalMemory => "retrieval: memory of those vectors in an instance",
            Self::Dashboard => "dashboard wasm sent to an operator",
            Self::Widget => "widget opened (wasm + glue, brotli)",
            Self::Loader => "widget loader (`widget.js`, brotli)",
        }
    }

    fn target(self) -> &'static str {
        match self {
            Self::FirstText => "≤ 1 ms SQLite, ≤ 3 ms PostgreSQL (p50)",
            Self::Burst => "200 at once: p50 ≤ 20 ms, p99 ≤ 40 ms over direct",
            Self::Stored => "≥ 2,000/s SQLite, ≥ 3,000/s PostgreSQL",
            Self::StreamMemory => "≥ 19,000 held at ≤ 16 KB each",
            Self::AfterClose => "memory returns",
            Self::Operator => "p99 ≤ 20 ms at 1,000 msg/s, 10,000 visitors",
            Self::OperatorTwoInstances => "p99 ≤ 50 ms",
            Self::Rest => "≤ 25 MB",
            Self::Restart => "≤ 300 ms",
            Self::StatsYear => "fast (issue 17 names no figure): ≤ 1 s p50 here",
            Self::StatsMonth => "≤ 200 ms p50",
            Self::ExportYear => "no target (admins, rarely)",
            Self::RetrievalQuestion => "p50 ≤ 20 ms (issue 18)",
            Self::RetrievalLoad => "no target (once per change)",
            Self::RetrievalMemory => "bounded and stated (issue 18)",
            Self::Dashboard => "≤ 307,200 bytes brotli",
            Self::Widget => "≤ 97,280 bytes brotli",
            Self::Loader => "≤ 2,560 bytes brotli",
        }
    }
}

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Column {
    /// A database's figure.
    Db(Engine),
    /// The alternative's figure, or a figure that does not depend on the database.
    Other,
}

/// One point of the first-text curve.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CurvePoint {
    /// Visitors writing at once.
    pub(crate) visitors: usize,
    /// p50 through aiwidget, ms.
    pub(crate) p50: f64,
    /// p99 through aiwidget, ms.
    pub(crate) p99: f64,
    /// p50 straight to the upstream with as many calls at once, ms.
    pub(crate) direct_p50: f64,
}

/// Everything measured in a run.
#[derive(Debug, Default)]
pub(crate) struct Report {
    cells: BTreeMap<(Line, Column), String>,
    /// Lines that are not figures: versions, the build, what was skipped.
    pub(crate) notes: Vec<String>,
    /// RSS (MB) against open streams, per database.
    pub(crate) memory: BTreeMap<Engine, Vec<(usize, f64)>>,
    /// First-text time against visitors at once, per database.
    pub(crate) curve: BTreeMap<Engine, Vec<CurvePoint>>,
}

impl Report {
    /// Sets a cell (a later figure replaces an earlier one).
    pub(crate) fn put(&mut self, line: Line, column: Column, text: impl Into<String>) {
        self.cells.insert((line, column), text.into());
    }

    /// Whether a cell is filled.
    pub(crate) fn has(&self, line: Line, column: Column) -> bool {
        self.cells.contains_key(&(line, column))
    }

    /// The markdown table of the lines that have any figure.
    pub(crate) fn markdown(&self) -> String {
        let mut out = String::from(
            "| what | SQLite | PostgreSQL | for comparison / either database | target |\n|---|---|---|---|---|\n",
        );
        let mut lines: Vec<Line> = self.cells.keys().map(|(line, _)| *line).collect();
        lines.dedup();
        for line in lines {
            let cell = |column| self.cells.get(&(line, column)).map_or("", String::as_str);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                line.what(),
                cell(Column::Db(Engine::Sqlite)),
                cell(Column::Db(Engine::Postgres)),
                cell(Column::Other),
                line.target()
            );
        }
        for note in &self.notes {
            let _ = writeln!(out, "\n- {note}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines come in the issue's order whatever order they were measured in,
    /// each once, with empty cells where nothing was measured.
    #[test]
    fn the_table_keeps_the_issues_order() {
        let mut report = Report::default();
        report.put(Line::Rest, Column::Db(Engine::Postgres), "30 MB");
        report.put(Line::FirstText, Column::Db(Engine::Sqlite), "3 ms");
        report.put(Line::FirstText, Column::Other, "LiteLLM 10 ms");
        let table = report.markdown();
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert_eq!(rows.len(), 2, "{table}");
        assert!(rows[0].starts_with("| 1. ") && rows[0].contains("| 3 ms |  | LiteLLM 10 ms |"));
        assert!(rows[1].starts_with("| 6. server at rest") && rows[1].contains("|  | 30 MB |"));
    }
}
