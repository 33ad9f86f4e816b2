//! The aiwidget schema as SeaORM migrations, one file per migration.
//!
//! The first migration holds the whole schema (`docs/architecture.md`, "Database"): SQLite cannot alter
//! columns or add foreign keys later, so the schema is close to final from the
//! start and later migrations only add.
//!
//! # Layout
//! - [`Migrator`]: the ordered list of migrations, run by `aiwidget migrate` and
//!   at server start-up (under a PostgreSQL advisory lock, see `engine::db`).
//! - `m20261126_000001_create_schema`: users, project members, projects,
//!   visitors, conversations, messages, events and daily usage.
//! - `m20261129_000001_create_app_settings`: values the server keeps between
//!   starts (the hash of the `ADMIN_PASSWORD` last applied).
//! - `m20261129_000002_trust`: per-IP message limits, the cap on each AI
//!   answer, the visitor's consent, and the record of deleted visitors.
//! - `m20261130_000001_knowledge`: the knowledge base (the project's own
//!   vector store, files, websites, Q&A pairs, deletions due at the provider).
//! - `m20261130_000002_alerts`: operators' alerts by Telegram and email.
//! - `m20261130_000003_visitor_ip_index`: the index the per-address limits
//!   look visitors up by.
//! - `m20261201_000001_canned_replies`: the operators' canned replies.
//! - `m20261201_000002_conversation_summary`: a conversation's summary for operators.
//! - `m20261202_000001_ratings`: the visitors' ratings and when the widget asks.
//! - `m20261202_000002_translation`: the operators' translation switch and the
//!   messages' translations.
//! - `m20261203_000001_analytics`: the projects' time zones and the moments
//!   the statistics count from, kept on each conversation.
//! - `m20261204_000001_retrieval`: the knowledge base's chunks and vectors
//!   for providers without `file_search`, and each project's embedding model.

pub use sea_orm_migration::prelude::*;

// A released migration is never edited, not even for a lint added after it.
#[allow(
    missing_debug_implementations,
    unreachable_pub,
    elided_lifetimes_in_paths,
    reason = "released before these lints; released migrations are never edited"
)]
mod m20261126_000001_create_schema;
mod m20261129_000001_create_app_settings;
mod m20261129_000002_trust;
mod m20261130_000001_knowledge;
mod m20261130_000002_alerts;
mod m20261130_000003_visitor_ip_index;
mod m20261201_000001_canned_replies;
mod m20261201_000002_conversation_summary;
mod m20261202_000001_ratings;
mod m20261202_000002_translation;
mod m20261203_000001_analytics;
mod m20261204_000001_retrieval;

/// Every migration of aiwidget, in the order they run.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_schema::Migration),
            Box::new(m20261129_000001_create_app_settings::Migration),
            Box::new(m20261129_000002_trust::Migration),
            Box::new(m20261130_000001_knowledge::Migration),
            Box::new(m20261130_000002_alerts::Migration),
            Box::new(m20261130_000003_visitor_ip_index::Migration),
            Box::new(m20261201_000001_canned_replies::Migration),
            Box::new(m20261201_000002_conversation_summary::Migration),
            Box::new(m20261202_000001_ratings::Migration),
            Box::new(m20261202_000002_translation::Migration),
            Box::new(m20261203_000001_analytics::Migration),
            Box::new(m20261204_000001_retrieval::Migration),
        ]
    }
}
