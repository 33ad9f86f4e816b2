//! The whole schema of DESIGN.md, on SQLite and PostgreSQL 14+ alike.
//!
//! Conventions: UUID primary keys (the project id is public, in the embed
//! snippet), `*_at` columns are timestamps with time zone, enumerations are
//! short strings checked in Rust, JSON columns hold lists (origins, vector store
//! ids, sources). Children cascade with their project, so deleting a project
//! leaves nothing behind; a removed user leaves messages with a `NULL` author.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000001_create_schema"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            users(),
            projects(),
            project_members(),
            visitors(),
            conversations(),
            messages(),
            events(),
            usage_daily(),
        ] {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UsageDaily::Table.into_iden(),
            Events::Table.into_iden(),
            Messages::Table.into_iden(),
            Conversations::Table.into_iden(),
            Visitors::Table.into_iden(),
            ProjectMembers::Table.into_iden(),
            Projects::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// `created_at` and `updated_at`, set by the service layer (not by database
/// defaults, whose formats differ between SQLite and PostgreSQL).
fn stamps(table: &mut TableCreateStatement) -> TableCreateStatement {
    table
        .col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
        .to_owned()
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

fn users() -> TableCreateStatement {
    stamps(
        Table::create()
            .table(Users::Table)
            .col(pk_uuid(Users::Id))
            // Stored lower-cased; unique across the instance.
            .col(string_len_uniq(Users::Username, 64))
            .col(string_len(Users::DisplayName, 128))
            .col(string(Users::PasswordHash))
            .col(string_len(Users::Role, 16))
            // Bumped on logout and password change: older admin JWTs stop working.
            .col(integer(Users::TokenVersion).default(0))
            .col(timestamp_with_time_zone_null(Users::LastLoginAt)),
    )
}

fn projects() -> TableCreateStatement {
    stamps(
        Table::create()
            .table(Projects::Table)
            .col(pk_uuid(Projects::Id))
            .col(string_len(Projects::Name, 200))
            // Version byte + nonce + AES-256-GCM ciphertext, base64; never returned.
            .col(text_null(Projects::OpenaiApiKeyCiphertext))
            // `sk-…9fQa`, kept apart so that lists never decrypt.
            .col(string_len_null(Projects::OpenaiApiKeyHint, 32))
            .col(string_len(Projects::OpenaiBaseUrl, 500))
            .col(string_len(Projects::ApiStyle, 32))
            .col(string_len(Projects::Model, 200))
            .col(json(Projects::VectorStoreIds))
            .col(text(Projects::Instructions))
            .col(json(Projects::AllowedOrigins))
            .col(string_len(Projects::WidgetTitle, 200))
            .col(text(Projects::WidgetGreeting))
            .col(string_len(Projects::WidgetColor, 16))
            .col(string_len(Projects::WidgetPosition, 8))
            // `ru`, `en`, or NULL for the visitor's browser language.
            .col(string_len_null(Projects::WidgetLocale, 8))
            .col(text_null(Projects::PrivacyNotice))
            .col(integer(Projects::LimitMessageChars))
            .col(integer(Projects::LimitMessagesPerMinute))
            .col(integer(Projects::LimitConversationsPerHour))
            .col(integer(Projects::LimitDailyAiMessages))
            .col(big_integer(Projects::LimitDailyAiTokens))
            .col(boolean(Projects::HandoffAiAllowed))
            // NULL: a waiting visitor waits as long as it takes.
            .col(integer_null(Projects::HandoffTimeoutMinutes))
            // `ai` (the AI resumes) or `contact` (the visitor is asked for a contact).
            .col(string_len(Projects::HandoffTimeoutAction, 16))
            // NULL: conversations are kept until deleted.
            .col(integer_null(Projects::RetentionDays)),
    )
}

fn project_members() -> TableCreateStatement {
    Table::create()
        .table(ProjectMembers::Table)
        .col(uuid(ProjectMembers::ProjectId))
        .col(uuid(ProjectMembers::UserId))
        .col(timestamp_with_time_zone(ProjectMembers::CreatedAt))
        .primary_key(
            Index::create()
                .col(ProjectMembers::ProjectId)
                .col(ProjectMembers::UserId),
        )
        .foreign_key(&mut fk(
            (ProjectMembers::Table, ProjectMembers::ProjectId),
            (Projects::Table, Projects::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            (ProjectMembers::Table, ProjectMembers::UserId),
            (Users::Table, Users::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn visitors() -> TableCreateStatement {
    Table::create()
        .table(Visitors::Table)
        .col(pk_uuid(Visitors::Id))
        .col(uuid(Visitors::ProjectId))
        .col(timestamp_with_time_zone(Visitors::FirstSeenAt))
        .col(timestamp_with_time_zone(Visitors::LastSeenAt))
        .col(string_len_null(Visitors::Locale, 16))
        .col(text_null(Visitors::UserAgent))
        // Keyed hash of the IP address: never the address itself.
        .col(string_len_null(Visitors::IpHash, 64))
        .col(string_len_null(Visitors::ContactName, 200))
        .col(string_len_null(Visitors::ContactEmail, 320))
        .col(string_len_null(Visitors::ContactPhone, 64))
        // Lower-cased contact fields, made in Rust (SQLite's LIKE folds ASCII only).
        .col(text(Visitors::SearchText).default(""))
        .foreign_key(&mut fk(
            (Visitors::Table, Visitors::ProjectId),
            (Projects::Table, Projects::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn conversations() -> TableCreateStatement {
    stamps(
        Table::create()
            .table(Conversations::Table)
            .col(pk_uuid(Conversations::Id))
            .col(uuid(Conversations::ProjectId))
            .col(uuid(Conversations::VisitorId))
            // `ai` | `waiting_human` | `human` | `closed`.
            .col(string_len(Conversations::Status, 16))
            // The operator holding a `human` conversation.
            .col(uuid_null(Conversations::AssignedUserId))
            // Stored without query strings.
            .col(text_null(Conversations::PageUrl))
            .col(text_null(Conversations::Referrer))
            .col(timestamp_with_time_zone(Conversations::LastMessageAt))
            .col(text_null(Conversations::LastMessagePreview))
            .col(integer(Conversations::OperatorUnread).default(0))
            .col(integer(Conversations::VisitorUnread).default(0))
            // Why the conversation waits for a human (the visitor's or the AI's reason).
            .col(text_null(Conversations::HandoffReason))
            // Stored deadline for "nobody came in N minutes", swept by a background task.
            .col(timestamp_with_time_zone_null(
                Conversations::HandoffDeadlineAt,
            ))
            // One instance runs the AI for a conversation, under a lease with an expiry.
            .col(string_len_null(Conversations::AiLeaseOwner, 64))
            .col(timestamp_with_time_zone_null(
                Conversations::AiLeaseExpiresAt,
            ))
            .col(timestamp_with_time_zone_null(Conversations::ClosedAt))
            .foreign_key(&mut fk(
                (Conversations::Table, Conversations::ProjectId),
                (Projects::Table, Projects::Id),
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                (Conversations::Table, Conversations::VisitorId),
                (Visitors::Table, Visitors::Id),
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                (Conversations::Table, Conversations::AssignedUserId),
                (Users::Table, Users::Id),
                ForeignKeyAction::SetNull,
            )),
    )
}

fn messages() -> TableCreateStatement {
    stamps(
        Table::create()
            .table(Messages::Table)
            .col(pk_uuid(Messages::Id))
            .col(uuid(Messages::ConversationId))
            // `visitor` | `ai` | `operator` | `system`.
            .col(string_len(Messages::Role, 16))
            .col(text(Messages::Text))
            // `streaming` | `complete` | `interrupted` | `failed`.
            .col(string_len(Messages::Status, 16))
            .col(uuid_null(Messages::AuthorUserId))
            // The author's display name when written, kept if the user is removed.
            .col(string_len_null(Messages::AuthorName, 128))
            // Citations from file search: `[{"file_id", "filename", "quote"?}]`.
            .col(json_null(Messages::Sources))
            // Tool calls with their outputs, replayed together or dropped together.
            .col(json_null(Messages::ToolCalls))
            // Mapped upstream fault (`invalid_api_key`, `rate_limited`, …), never the raw body.
            .col(string_len_null(Messages::ErrorKind, 64))
            .col(integer_null(Messages::InputTokens))
            .col(integer_null(Messages::OutputTokens))
            // Set by the widget or an API client: a retried POST is not stored twice.
            .col(string_len_null(Messages::ClientMessageId, 64))
            // Lower-cased text made in Rust, for Russian-aware search on both databases.
            .col(text(Messages::SearchText))
            .col(timestamp_with_time_zone_null(Messages::CompletedAt))
            .foreign_key(&mut fk(
                (Messages::Table, Messages::ConversationId),
                (Conversations::Table, Conversations::Id),
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                (Messages::Table, Messages::AuthorUserId),
                (Users::Table, Users::Id),
                ForeignKeyAction::SetNull,
            )),
    )
}

fn events() -> TableCreateStatement {
    Table::create()
        .table(Events::Table)
        // Durable and increasing: the SSE `id:` and the replay cursor.
        .col(big_pk_auto(Events::Id))
        .col(uuid(Events::ProjectId))
        .col(uuid_null(Events::ConversationId))
        // `message` | `status` | `typing` | `read` | ….
        .col(string_len(Events::Kind, 32))
        .col(json(Events::Payload))
        .col(timestamp_with_time_zone(Events::CreatedAt))
        .foreign_key(&mut fk(
            (Events::Table, Events::ProjectId),
            (Projects::Table, Projects::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            (Events::Table, Events::ConversationId),
            (Conversations::Table, Conversations::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn usage_daily() -> TableCreateStatement {
    Table::create()
        .table(UsageDaily::Table)
        .col(uuid(UsageDaily::ProjectId))
        // UTC day, `YYYY-MM-DD`.
        .col(string_len(UsageDaily::Day, 10))
        .col(integer(UsageDaily::AiMessages).default(0))
        .col(big_integer(UsageDaily::AiTokens).default(0))
        .primary_key(
            Index::create()
                .col(UsageDaily::ProjectId)
                .col(UsageDaily::Day),
        )
        .foreign_key(&mut fk(
            (UsageDaily::Table, UsageDaily::ProjectId),
            (Projects::Table, Projects::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn index(name: &str, table: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("idx_project_members_user", ProjectMembers::Table)
            .col(ProjectMembers::UserId)
            .to_owned(),
        index("idx_visitors_project_last_seen", Visitors::Table)
            .col(Visitors::ProjectId)
            .col(Visitors::LastSeenAt)
            .to_owned(),
        index("idx_conversations_project_activity", Conversations::Table)
            .col(Conversations::ProjectId)
            .col(Conversations::LastMessageAt)
            .to_owned(),
        index("idx_conversations_status_activity", Conversations::Table)
            .col(Conversations::Status)
            .col(Conversations::LastMessageAt)
            .to_owned(),
        index("idx_conversations_visitor", Conversations::Table)
            .col(Conversations::VisitorId)
            .col(Conversations::CreatedAt)
            .to_owned(),
        index("idx_conversations_assigned", Conversations::Table)
            .col(Conversations::AssignedUserId)
            .to_owned(),
        index("idx_conversations_handoff_deadline", Conversations::Table)
            .col(Conversations::HandoffDeadlineAt)
            .to_owned(),
        index("idx_messages_conversation_created", Messages::Table)
            .col(Messages::ConversationId)
            .col(Messages::CreatedAt)
            .to_owned(),
        index("uq_messages_client_message_id", Messages::Table)
            .col(Messages::ConversationId)
            .col(Messages::ClientMessageId)
            .unique()
            .to_owned(),
        index("idx_messages_author", Messages::Table)
            .col(Messages::AuthorUserId)
            .to_owned(),
        index("idx_events_project", Events::Table)
            .col(Events::ProjectId)
            .col(Events::Id)
            .to_owned(),
        index("idx_events_conversation", Events::Table)
            .col(Events::ConversationId)
            .col(Events::Id)
            .to_owned(),
    ]
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    TokenVersion,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum ProjectMembers {
    Table,
    ProjectId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    Name,
    OpenaiApiKeyCiphertext,
    OpenaiApiKeyHint,
    OpenaiBaseUrl,
    ApiStyle,
    Model,
    VectorStoreIds,
    Instructions,
    AllowedOrigins,
    WidgetTitle,
    WidgetGreeting,
    WidgetColor,
    WidgetPosition,
    WidgetLocale,
    PrivacyNotice,
    LimitMessageChars,
    LimitMessagesPerMinute,
    LimitConversationsPerHour,
    LimitDailyAiMessages,
    LimitDailyAiTokens,
    HandoffAiAllowed,
    HandoffTimeoutMinutes,
    HandoffTimeoutAction,
    RetentionDays,
}

#[derive(DeriveIden)]
enum Visitors {
    Table,
    Id,
    ProjectId,
    FirstSeenAt,
    LastSeenAt,
    Locale,
    UserAgent,
    IpHash,
    ContactName,
    ContactEmail,
    ContactPhone,
    SearchText,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    ProjectId,
    VisitorId,
    Status,
    AssignedUserId,
    PageUrl,
    Referrer,
    LastMessageAt,
    LastMessagePreview,
    OperatorUnread,
    VisitorUnread,
    HandoffReason,
    HandoffDeadlineAt,
    AiLeaseOwner,
    AiLeaseExpiresAt,
    ClosedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ConversationId,
    Role,
    Text,
    Status,
    AuthorUserId,
    AuthorName,
    Sources,
    ToolCalls,
    ErrorKind,
    InputTokens,
    OutputTokens,
    ClientMessageId,
    SearchText,
    CompletedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    ProjectId,
    ConversationId,
    Kind,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UsageDaily {
    Table,
    ProjectId,
    Day,
    AiMessages,
    AiTokens,
}
