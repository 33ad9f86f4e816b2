//! What issue 13 ("trust") keeps in the database:
//!
//! - `projects.limit_messages_per_ip_per_minute`: visitor messages per IP
//!   address (IPv6: per /64) per minute, across all the visitors behind it.
//! - `projects.limit_max_output_tokens`: the cap on each AI answer, sent to the
//!   provider and reserved from the daily token budget before the call.
//! - `visitors.consent_version`, `visitors.consent_at`: the privacy notice the
//!   visitor accepted and when (nothing is stored before it when a notice is set).
//! - `visitor_deletions`: that a visitor's data was deleted, and when; nothing
//!   else of them is kept.
//!
//! SQLite adds one column per statement, each with a default, so that existing
//! rows are valid.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the columns and the table above.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000002_trust"
    }
}

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            integer(Projects::LimitMessagesPerIpPerMinute)
                .default(30)
                .to_owned(),
            integer(Projects::LimitMaxOutputTokens)
                .default(2000)
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Projects::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            string_len_null(Visitors::ConsentVersion, 64),
            timestamp_with_time_zone_null(Visitors::ConsentAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Visitors::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(VisitorDeletions::Table)
                    .col(uuid(VisitorDeletions::Id).primary_key())
                    // No foreign keys: the record outlives the visitor (and the project).
                    .col(uuid(VisitorDeletions::ProjectId))
                    .col(uuid(VisitorDeletions::VisitorId))
                    // `request` (an admin's DELETE) or `retention` (the purge).
                    .col(string_len(VisitorDeletions::Reason, 16))
                    // The admin who deleted, for `request`.
                    .col(uuid_null(VisitorDeletions::DeletedBy))
                    .col(timestamp_with_time_zone(VisitorDeletions::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("visitor_deletions_project_deleted_at")
                    .table(VisitorDeletions::Table)
                    .col(VisitorDeletions::ProjectId)
                    .col(VisitorDeletions::DeletedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(VisitorDeletions::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            (Visitors::Table.into_iden(), Visitors::ConsentAt.into_iden()),
            (
                Visitors::Table.into_iden(),
                Visitors::ConsentVersion.into_iden(),
            ),
            (
                Projects::Table.into_iden(),
                Projects::LimitMaxOutputTokens.into_iden(),
            ),
            (
                Projects::Table.into_iden(),
                Projects::LimitMessagesPerIpPerMinute.into_iden(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    LimitMessagesPerIpPerMinute,
    LimitMaxOutputTokens,
}

#[derive(DeriveIden)]
enum Visitors {
    Table,
    ConsentVersion,
    ConsentAt,
}

#[derive(DeriveIden)]
enum VisitorDeletions {
    Table,
    Id,
    ProjectId,
    VisitorId,
    Reason,
    DeletedBy,
    DeletedAt,
}
