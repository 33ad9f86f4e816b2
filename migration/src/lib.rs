//! The aiwidget schema as SeaORM migrations, one file per migration.
//!
//! The first migration holds the whole schema of DESIGN.md: SQLite cannot alter
//! columns or add foreign keys later, so the schema is close to final from the
//! start and later migrations only add.
//!
//! # Layout
//! - [`Migrator`]: the ordered list of migrations, run by `aiwidget migrate` and
//!   at server start-up (under a PostgreSQL advisory lock, see `app::db`).
//! - `m20261126_000001_create_schema`: users, project members, projects,
//!   visitors, conversations, messages, events and daily usage.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_schema;

/// Every migration of aiwidget, in the order they run.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261126_000001_create_schema::Migration)]
    }
}
