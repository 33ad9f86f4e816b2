//! What issue 15 ("operators away from the dashboard") keeps:
//!
//! - `users`: the operator's `email` and `locale` (alerts are written in it),
//!   the Telegram chat linked to them (`telegram_chat_id`, the private chat,
//!   whose id is the Telegram user's; `telegram_username`, shown in the
//!   dashboard; `telegram_linked_at`), and `notifications` (JSON: which alerts
//!   go where, quiet hours; null means the defaults).
//! - `telegram_link_codes`: the one-time codes of `t.me/<bot>?start=<code>`,
//!   kept as SHA-256 only, each with its expiry.
//! - `alerts`: the queue of alerts to send, one row per operator and channel,
//!   naming the conversation and the message that raised it (the text is read
//!   when it is sent, so the queue holds no visitor text); a sent Telegram
//!   alert keeps its chat and message ids. A job with a lease and a retry time
//!   like the knowledge base's.
//! - `telegram_messages`: every message the bot sent about a conversation, so
//!   that a reply to any of them reaches that conversation.
//! - `worker_leases`: work that one instance at a time does (the Telegram long
//!   poll), with its position (the next update id).

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the columns and the tables above.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000002_alerts"
    }
}

fn cascade(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

fn link_codes() -> TableCreateStatement {
    Table::create()
        .table(TelegramLinkCodes::Table)
        // SHA-256 of the code, hex.
        .col(string_len(TelegramLinkCodes::CodeHash, 64).primary_key())
        .col(uuid(TelegramLinkCodes::UserId))
        .col(timestamp_with_time_zone(TelegramLinkCodes::ExpiresAt))
        .foreign_key(&mut cascade(
            (TelegramLinkCodes::Table, TelegramLinkCodes::UserId),
            (Users::Table, Users::Id),
        ))
        .to_owned()
}

fn alerts() -> TableCreateStatement {
    Table::create()
        .table(Alerts::Table)
        .col(uuid(Alerts::Id).primary_key())
        .col(uuid(Alerts::UserId))
        .col(uuid(Alerts::ProjectId))
        .col(uuid(Alerts::ConversationId))
        // The message that raised it (a visitor's or a contact), if any.
        .col(uuid_null(Alerts::MessageId))
        // telegram | email
        .col(string_len(Alerts::Channel, 8))
        // waiting_human | contact | message | new_conversation
        .col(string_len(Alerts::Kind, 16))
        // pending | sent | failed | skipped
        .col(string_len(Alerts::Status, 8))
        .col(integer(Alerts::Attempts).default(0))
        .col(timestamp_with_time_zone(Alerts::RetryAt))
        .col(text_null(Alerts::Error))
        .col(string_len_null(Alerts::LeaseOwner, 128))
        .col(timestamp_with_time_zone_null(Alerts::LeaseExpiresAt))
        .col(big_integer_null(Alerts::TelegramChatId))
        .col(big_integer_null(Alerts::TelegramMessageId))
        .col(timestamp_with_time_zone(Alerts::CreatedAt))
        .col(timestamp_with_time_zone_null(Alerts::SentAt))
        // No foreign keys to the user or the project: a visitor's message
        // that raises an alert must never wait on (or fail with) a user or
        // project being removed. Removing a user deletes their alerts; a
        // project's go with its conversations.
        .foreign_key(&mut cascade(
            (Alerts::Table, Alerts::ConversationId),
            (Conversations::Table, Conversations::Id),
        ))
        .to_owned()
}

fn telegram_messages() -> TableCreateStatement {
    Table::create()
        .table(TelegramMessages::Table)
        .col(big_integer(TelegramMessages::ChatId))
        .col(big_integer(TelegramMessages::MessageId))
        .col(uuid(TelegramMessages::ConversationId))
        .col(timestamp_with_time_zone(TelegramMessages::CreatedAt))
        .primary_key(
            Index::create()
                .col(TelegramMessages::ChatId)
                .col(TelegramMessages::MessageId),
        )
        .foreign_key(&mut cascade(
            (TelegramMessages::Table, TelegramMessages::ConversationId),
            (Conversations::Table, Conversations::Id),
        ))
        .to_owned()
}

fn worker_leases() -> TableCreateStatement {
    Table::create()
        .table(WorkerLeases::Table)
        .col(string_len(WorkerLeases::Name, 64).primary_key())
        .col(string_len_null(WorkerLeases::LeaseOwner, 128))
        .col(timestamp_with_time_zone_null(WorkerLeases::LeaseExpiresAt))
        .col(big_integer_null(WorkerLeases::Position))
        .col(timestamp_with_time_zone(WorkerLeases::UpdatedAt))
        .to_owned()
}

/// A plain index `name` on `columns` of `table`.
fn index<Column: IntoIden>(
    name: &str,
    table: impl IntoIden,
    columns: impl IntoIterator<Item = Column>,
) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(table).to_owned();
    for column in columns {
        index.col(column);
    }
    index
}

fn add_user_column(column: ColumnDef) -> TableAlterStatement {
    // One column per statement: SQLite alters one at a time.
    Table::alter()
        .table(Users::Table)
        .add_column(column)
        .to_owned()
}

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len_null(Users::Email, 254),
            string_len_null(Users::Locale, 8),
            big_integer_null(Users::TelegramChatId),
            string_len_null(Users::TelegramUsername, 64),
            timestamp_with_time_zone_null(Users::TelegramLinkedAt),
            json_null(Users::Notifications),
        ] {
            manager.alter_table(add_user_column(column)).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("users_telegram_chat")
                    .table(Users::Table)
                    .col(Users::TelegramChatId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.create_table(link_codes()).await?;
        manager.create_table(alerts()).await?;
        manager.create_table(telegram_messages()).await?;
        manager.create_table(worker_leases()).await?;
        for index in [
            index(
                "alerts_due",
                Alerts::Table,
                [Alerts::Status, Alerts::RetryAt],
            ),
            index(
                "alerts_conversation",
                Alerts::Table,
                [Alerts::ConversationId, Alerts::UserId],
            ),
            // `lease::release_dead` looks for leases by owner.
            index("alerts_lease", Alerts::Table, [Alerts::LeaseOwner]),
            index(
                "telegram_messages_conversation",
                TelegramMessages::Table,
                [TelegramMessages::ConversationId],
            ),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WorkerLeases::Table.into_iden(),
            TelegramMessages::Table.into_iden(),
            Alerts::Table.into_iden(),
            TelegramLinkCodes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("users_telegram_chat")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Users::Notifications,
            Users::TelegramLinkedAt,
            Users::TelegramUsername,
            Users::TelegramChatId,
            Users::Locale,
            Users::Email,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Locale,
    TelegramChatId,
    TelegramUsername,
    TelegramLinkedAt,
    Notifications,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TelegramLinkCodes {
    Table,
    CodeHash,
    UserId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    UserId,
    ProjectId,
    ConversationId,
    MessageId,
    Channel,
    Kind,
    Status,
    Attempts,
    RetryAt,
    Error,
    LeaseOwner,
    LeaseExpiresAt,
    TelegramChatId,
    TelegramMessageId,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum TelegramMessages {
    Table,
    ChatId,
    MessageId,
    ConversationId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WorkerLeases {
    Table,
    Name,
    LeaseOwner,
    LeaseExpiresAt,
    Position,
    UpdatedAt,
}
