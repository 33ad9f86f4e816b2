//! An index on `visitors (project_id, ip_hash)`: the per-address limits
//! (`engine::services::limits`) look up a project's visitors at one address
//! on every new session and every visitor message. Without it each lookup
//! read all the project's visitors (10,000 visitors: a new session took
//! seconds on PostgreSQL, measured with `loadgen 5`).

use sea_orm_migration::prelude::*;

/// Adds the index.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000003_visitor_ip_index"
    }
}

/// Its name, for `down`.
const INDEX: &str = "idx_visitors_project_ip";

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Visitors::Table)
                    .col(Visitors::ProjectId)
                    .col(Visitors::IpHash)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Visitors::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Visitors {
    Table,
    ProjectId,
    IpHash,
}
