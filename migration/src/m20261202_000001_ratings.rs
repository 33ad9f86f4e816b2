//! The visitors' ratings of conversations (issue 17, `docs/copilot.md`): when
//! a conversation is closed, the widget asks "How did we do?" (1 to 5 and an
//! optional comment) after the conversations the project chose. The rating
//! is visitor text kept on the conversation's own row, so retention, the
//! visitor's export and deletion take it with the conversation.
//!
//! - `projects.widget_rating_after`: after which closed conversations the
//!   widget asks: `never`, `ai` (the AI alone answered), `human` (an operator
//!   wrote in it) or `both`; `human` for the projects that exist already.
//! - `conversations.rating_score` (1 to 5), `rating_comment` (at most 1,000
//!   characters), `rated_at`: the latest rating (a second replaces the first).

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the four columns.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000001_ratings"
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
                    .table(Projects::Table)
                    .add_column(
                        string_len(Projects::WidgetRatingAfter, 8)
                            .default("human")
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        for column in [
            integer_null(Conversations::RatingScore),
            text_null(Conversations::RatingComment),
            timestamp_with_time_zone_null(Conversations::RatedAt),
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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Conversations::RatingScore,
            Conversations::RatingComment,
            Conversations::RatedAt,
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
                    .drop_column(Projects::WidgetRatingAfter)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    WidgetRatingAfter,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    RatingScore,
    RatingComment,
    RatedAt,
}
