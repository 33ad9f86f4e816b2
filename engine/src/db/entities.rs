//! SeaORM entities, one per table of the migrations.
//!
//! Each is a table's columns as SeaORM needs them: the columns are described
//! where they are made (the migrations) and where they are read (the
//! services), so their fields carry no docs of their own.
#![allow(
    missing_docs,
    reason = "a table's columns, described by the migrations and the services that read them"
)]

pub mod alerts;
pub mod app_settings;
pub mod canned_replies;
pub mod conversations;
pub mod events;
pub mod knowledge_chunks;
pub mod knowledge_files;
pub mod knowledge_qa;
pub mod knowledge_sites;
pub mod messages;
pub mod project_members;
pub mod projects;
pub mod provider_deletions;
pub mod telegram_link_codes;
pub mod telegram_messages;
pub mod usage_daily;
pub mod users;
pub mod visitor_deletions;
pub mod visitors;
pub mod worker_leases;
