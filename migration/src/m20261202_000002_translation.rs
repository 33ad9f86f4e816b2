//! Two-way translation (issue 17, `docs/copilot.md`): an operator who turns
//! it on reads each visitor message translated into their language under
//! the original, and may send their own message translated into the
//! visitor's. Translations are visitor text kept on the message's own row,
//! so retention, the visitor's export and deletion take them with it.
//!
//! - `users.translate`: the operator's switch (off for everyone at first);
//!   their language is their `locale`.
//! - `messages.translation`: a visitor message's translation into an
//!   operator's language, or an operator message's original when it was sent
//!   translated (its `text` is what the visitor reads).
//! - `messages.translation_lang`: the language of `translation` (`ru`, `en`, …).

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the three columns.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000002_translation"
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
                    .table(Users::Table)
                    .add_column(boolean(Users::Translate).default(false).to_owned())
                    .to_owned(),
            )
            .await?;
        for column in [
            text_null(Messages::Translation),
            string_len_null(Messages::TranslationLang, 8),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Messages::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Messages::Translation, Messages::TranslationLang] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Messages::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::Translate)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Translate,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Translation,
    TranslationLang,
}
