//! The owner's numbers (issue 17, `docs/analytics.md`): statistics come from
//! queries over what is stored, and events are pruned after days, so the
//! moments they are counted from are kept on the conversation's own row.
//!
//! - `projects.time_zone`: the IANA name the statistics' days are counted in
//!   (`UTC` for every existing project).
//! - `conversations.handoff_at`: when it first started waiting for a human.
//! - `conversations.handoff_by`: who asked that first time (`visitor`, `ai`
//!   or `operator_removed`).
//! - `conversations.handoff_timed_out_at`: when "nobody came" first passed
//!   its deadline in it.
//! - `conversations.first_human_reply_at`: an operator's first message in it,
//!   filled in here from the messages already stored. The handoff columns
//!   stay empty for conversations before this migration: their events are
//!   gone, and a guess would be a wrong number (the statistics still count
//!   them as handed to a human by their `handoff_reason`).
//! - `idx_conversations_project_created`: the statistics' and the export's
//!   reads by project and creation time.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the columns and the index, and fills in the first human replies.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000001_analytics"
    }
}

const INDEX: &str = "idx_conversations_project_created";

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .add_column(string_len(Projects::TimeZone, 64).default("UTC").to_owned())
                    .to_owned(),
            )
            .await?;
        for column in [
            timestamp_with_time_zone_null(Conversations::HandoffAt),
            string_len_null(Conversations::HandoffBy, 32),
            timestamp_with_time_zone_null(Conversations::HandoffTimedOutAt),
            timestamp_with_time_zone_null(Conversations::FirstHumanReplyAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Conversations::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Conversations::Table)
                    .col(Conversations::ProjectId)
                    .col(Conversations::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // Plain SQL both databases read alike.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE conversations SET first_human_reply_at = \
                 (SELECT MIN(m.created_at) FROM messages m \
                  WHERE m.conversation_id = conversations.id AND m.role = 'operator') \
                 WHERE EXISTS (SELECT 1 FROM messages m \
                  WHERE m.conversation_id = conversations.id AND m.role = 'operator')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(Conversations::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Conversations::HandoffAt,
            Conversations::HandoffBy,
            Conversations::HandoffTimedOutAt,
            Conversations::FirstHumanReplyAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Conversations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .drop_column(Projects::TimeZone)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    TimeZone,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    ProjectId,
    CreatedAt,
    HandoffAt,
    HandoffBy,
    HandoffTimedOutAt,
    FirstHumanReplyAt,
}
