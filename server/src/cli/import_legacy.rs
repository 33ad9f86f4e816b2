//! `aiwidget import-legacy`: the projects of the Node.js version (same ids),
//! with their conversations, into `DATABASE_URL` (`docs/deploy.md`).
//!
//! # Layout
//! - this file: the run, one project at a time, with a line per step.
//! - `source`: reading the old database (columns discovered).
//! - `report`: the counts and the table of what is left to do by hand.

mod report;
mod source;

use super::ImportLegacy;
use crate::config::CommandSettings;
use anyhow::Context as _;
use engine::services::legacy_import::{Action, Importer, LegacyProject};
use report::{ChatCounts, Report};
use source::{KNOWN_TABLES, Source, redact};
use std::path::Path;

/// Imports (or, with `--dry-run`, shows) everything the old database holds.
pub(super) async fn run(args: &ImportLegacy, settings: &CommandSettings) -> anyhow::Result<()> {
    let write = !args.dry_run;
    println!(
        "Importing from {} into {}{}",
        redact(&args.from),
        redact(&settings.database_url),
        if write {
            ""
        } else {
            " (dry run: nothing is written)"
        }
    );
    let source = Source::connect(&args.from).await?;
    describe(&source).await?;
    let chats = match source.chats_unreadable() {
        Some(reason) => {
            println!("Skipped: {reason}");
            false
        }
        None => true,
    };
    let projects = source.projects().await?;
    if write {
        engine::db::migrate(&settings.database_url)
            .await
            .context("cannot migrate DATABASE_URL")?;
    }
    let db = engine::db::connect(target_url(&settings.database_url, write))
        .await
        .context("cannot connect to DATABASE_URL")?;
    let importer = Importer::new(&db, settings.keyring(), write).await;
    let mut report = Report::new(write);
    let total = projects.len();
    for (index, project) in projects.iter().enumerate() {
        let project = match project {
            Ok(project) => project,
            Err(reason) => {
                println!("[{}/{total}] skipped: {reason}", index + 1);
                report.skipped_project();
                continue;
            }
        };
        let outcome = importer
            .project(project)
            .await
            .with_context(|| format!("project {}", project.id))?;
        report.print_project(index + 1, total, project, &outcome);
        let counts = if chats {
            import_chats(&source, &importer, project, &mut report).await?
        } else {
            ChatCounts::default()
        };
        report.add_project(project, &outcome, &counts);
    }
    report.print_summary();
    Ok(())
}

/// The database to import into. A dry run does not create a SQLite file
/// that does not exist yet: an empty database in memory stands in for it.
fn target_url(url: &str, write: bool) -> &str {
    let file = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest));
    match file {
        Some(path) if !write && path != ":memory:" && !Path::new(path).exists() => {
            "sqlite::memory:"
        }
        _ => url,
    }
}

/// Says which known tables were found, and which tables are not read.
async fn describe(source: &Source) -> anyhow::Result<()> {
    let found: Vec<String> = KNOWN_TABLES
        .into_iter()
        .filter_map(|table| {
            source
                .columns(table)
                .map(|columns| format!("{table} ({})", columns.join(", ")))
        })
        .collect();
    println!("Found: {}", found.join("; "));
    for (table, rows) in source.other_tables().await? {
        println!("Skipped: table `{table}` ({rows} rows): not part of the supported schema");
    }
    Ok(())
}

/// The conversations of one project, each in a transaction of its own.
async fn import_chats(
    source: &Source,
    importer: &Importer<'_>,
    project: &LegacyProject,
    report: &mut Report,
) -> anyhow::Result<ChatCounts> {
    let mut counts = ChatCounts::default();
    for conversation in source.conversations(project.id).await? {
        let conversation = match conversation {
            Ok(conversation) => conversation,
            Err(reason) => {
                println!("      skipped: {reason}");
                counts.invalid += 1;
                continue;
            }
        };
        if importer.has_conversation(conversation.id).await? {
            counts.already_there += 1;
            continue;
        }
        let messages = source.messages(conversation.id).await?;
        let action = importer
            .conversation(&conversation, &messages.kept)
            .await
            .with_context(|| format!("conversation {}", conversation.id))?;
        counts.add(action, &messages);
        if matches!(action, Action::Created | Action::WouldCreate) {
            report.progress(messages.kept.len());
        }
    }
    report.print_chats(&counts);
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::target_url;

    #[test]
    fn a_dry_run_never_creates_the_sqlite_file() {
        let missing = "sqlite://no/such/folder/aiwidget.db?mode=rwc";
        assert_eq!(target_url(missing, false), "sqlite::memory:");
        assert_eq!(target_url(missing, true), missing);
        let postgres = "postgres://aiwidget@127.0.0.1/aiwidget";
        assert_eq!(target_url(postgres, false), postgres);
    }
}
