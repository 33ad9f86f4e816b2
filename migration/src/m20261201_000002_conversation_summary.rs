//! The summary of a conversation (issue 17, `docs/copilot.md`): two or three
//! lines by the project's AI of what the visitor wants and what was already
//! answered, made when the conversation starts waiting for a human, or on an
//! operator's request. It is visitor text kept on the conversation's own row,
//! so retention, the visitor's export and deletion take it with the
//! conversation.
//!
//! - `summary`: the text, null until one is made.
//! - `summary_at`: when the last attempt ended (made or failed); alerts of a
//!   conversation that starts waiting for a human wait a few seconds for it.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the two columns.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000002_conversation_summary"
    }
}

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
                    .table(Conversations::Table)
                    .add_column(text_null(Conversations::Summary))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Conversations::Table)
                    .add_column(timestamp_with_time_zone_null(Conversations::SummaryAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Conversations::Summary, Conversations::SummaryAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Conversations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Summary,
    SummaryAt,
}
