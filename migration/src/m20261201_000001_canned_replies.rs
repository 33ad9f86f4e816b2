//! Canned replies (issue 17, `docs/copilot.md`): per project, a title, a
//! `/shortcut` (unique in the project, stored lower-case without the `/`)
//! and a text with variables. They hold no visitor text, so retention and
//! the visitor export do not concern them; they go with their project.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `canned_replies`.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000001_canned_replies"
    }
}

/// The unique index on a project's shortcuts.
const SHORTCUT_INDEX: &str = "idx_canned_replies_project_shortcut";

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CannedReplies::Table)
                    .col(uuid(CannedReplies::Id).primary_key())
                    .col(uuid(CannedReplies::ProjectId))
                    .col(string_len(CannedReplies::Title, 100))
                    .col(string_len(CannedReplies::Shortcut, 32))
                    .col(text(CannedReplies::Text))
                    .col(timestamp_with_time_zone(CannedReplies::CreatedAt))
                    .col(timestamp_with_time_zone(CannedReplies::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CannedReplies::Table, CannedReplies::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(SHORTCUT_INDEX)
                    .table(CannedReplies::Table)
                    .col(CannedReplies::ProjectId)
                    .col(CannedReplies::Shortcut)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CannedReplies::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CannedReplies {
    Table,
    Id,
    ProjectId,
    Title,
    Shortcut,
    Text,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
