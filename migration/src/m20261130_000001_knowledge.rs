//! What issue 14 ("the knowledge base in the dashboard") keeps:
//!
//! - `projects.own_vector_store_id`: the vector store aiwidget made on the
//!   project's key at the first addition; always used beside `vector_store_ids`.
//! - `knowledge_sites`: websites imported page by page, their schedule, the
//!   counts of the running (or last) import, and the job's lease.
//! - `knowledge_qa`: question/answer pairs written in the dashboard.
//! - `knowledge_files`: every text of the knowledge base (an upload, a page, a
//!   Q&A pair) with its extracted text kept, its provider file and where it
//!   stands there; a file in `processing` is a job (with a lease and a retry time).
//! - `provider_deletions`: what is still to be deleted at a provider (a file,
//!   a vector store), with the key's ciphertext, so that a removal survives a
//!   restart and the deletion of the project.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the column and the tables above.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000001_knowledge"
    }
}

fn fk(
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

fn sites() -> TableCreateStatement {
    Table::create()
        .table(KnowledgeSites::Table)
        .col(uuid(KnowledgeSites::Id).primary_key())
        .col(uuid(KnowledgeSites::ProjectId))
        .col(text(KnowledgeSites::Url))
        .col(integer(KnowledgeSites::MaxPages))
        // daily | weekly | never
        .col(string_len(KnowledgeSites::Schedule, 8))
        // queued | syncing | ready | failed
        .col(string_len(KnowledgeSites::Status, 8))
        .col(integer(KnowledgeSites::Found).default(0))
        .col(integer(KnowledgeSites::Fetched).default(0))
        .col(integer(KnowledgeSites::Uploaded).default(0))
        .col(integer(KnowledgeSites::Unchanged).default(0))
        .col(integer(KnowledgeSites::Removed).default(0))
        .col(integer(KnowledgeSites::Failed).default(0))
        // [{"url", "reason"}], the first few of the running (or last) import.
        .col(json(KnowledgeSites::Failures))
        .col(text_null(KnowledgeSites::Error))
        .col(timestamp_with_time_zone_null(KnowledgeSites::LastSyncAt))
        .col(timestamp_with_time_zone_null(KnowledgeSites::NextSyncAt))
        .col(string_len_null(KnowledgeSites::LeaseOwner, 128))
        .col(timestamp_with_time_zone_null(
            KnowledgeSites::LeaseExpiresAt,
        ))
        .col(timestamp_with_time_zone(KnowledgeSites::CreatedAt))
        .col(timestamp_with_time_zone(KnowledgeSites::UpdatedAt))
        .foreign_key(&mut fk(
            (KnowledgeSites::Table, KnowledgeSites::ProjectId),
            (Projects::Table, Projects::Id),
        ))
        .to_owned()
}

fn qa() -> TableCreateStatement {
    Table::create()
        .table(KnowledgeQa::Table)
        .col(uuid(KnowledgeQa::Id).primary_key())
        .col(uuid(KnowledgeQa::ProjectId))
        .col(text(KnowledgeQa::Question))
        .col(text(KnowledgeQa::Answer))
        .col(timestamp_with_time_zone(KnowledgeQa::CreatedAt))
        .col(timestamp_with_time_zone(KnowledgeQa::UpdatedAt))
        .foreign_key(&mut fk(
            (KnowledgeQa::Table, KnowledgeQa::ProjectId),
            (Projects::Table, Projects::Id),
        ))
        .to_owned()
}

fn files() -> TableCreateStatement {
    Table::create()
        .table(KnowledgeFiles::Table)
        .col(uuid(KnowledgeFiles::Id).primary_key())
        .col(uuid(KnowledgeFiles::ProjectId))
        // upload | site | qa
        .col(string_len(KnowledgeFiles::Source, 8))
        .col(uuid_null(KnowledgeFiles::SiteId))
        .col(uuid_null(KnowledgeFiles::QaId))
        .col(string_len(KnowledgeFiles::Name, 255))
        .col(text_null(KnowledgeFiles::Url))
        .col(text_null(KnowledgeFiles::Title))
        // The extracted text, as Markdown (kept for retrieval without file_search).
        .col(text(KnowledgeFiles::Text))
        .col(big_integer(KnowledgeFiles::Bytes))
        // SHA-256 of the text: an unchanged page is left as it is.
        .col(string_len(KnowledgeFiles::ContentHash, 64))
        .col(string_len_null(KnowledgeFiles::ProviderFileId, 128))
        .col(string_len_null(KnowledgeFiles::VectorStoreId, 128))
        // processing | ready | failed
        .col(string_len(KnowledgeFiles::Status, 12))
        .col(text_null(KnowledgeFiles::Error))
        .col(integer(KnowledgeFiles::Attempts).default(0))
        .col(timestamp_with_time_zone(KnowledgeFiles::RetryAt))
        .col(string_len_null(KnowledgeFiles::LeaseOwner, 128))
        .col(timestamp_with_time_zone_null(
            KnowledgeFiles::LeaseExpiresAt,
        ))
        .col(timestamp_with_time_zone(KnowledgeFiles::CreatedAt))
        .col(timestamp_with_time_zone(KnowledgeFiles::UpdatedAt))
        .foreign_key(&mut fk(
            (KnowledgeFiles::Table, KnowledgeFiles::ProjectId),
            (Projects::Table, Projects::Id),
        ))
        .foreign_key(&mut fk(
            (KnowledgeFiles::Table, KnowledgeFiles::SiteId),
            (KnowledgeSites::Table, KnowledgeSites::Id),
        ))
        .foreign_key(&mut fk(
            (KnowledgeFiles::Table, KnowledgeFiles::QaId),
            (KnowledgeQa::Table, KnowledgeQa::Id),
        ))
        .to_owned()
}

fn deletions() -> TableCreateStatement {
    Table::create()
        .table(ProviderDeletions::Table)
        .col(uuid(ProviderDeletions::Id).primary_key())
        // No foreign key: a deletion outlives its project.
        .col(uuid(ProviderDeletions::ProjectId))
        .col(text(ProviderDeletions::BaseUrl))
        // The project's key as stored (encrypted, bound to the project id).
        .col(text_null(ProviderDeletions::ApiKeyCiphertext))
        // `/files/{id}`, `/vector_stores/{id}`, `/vector_stores/{id}/files/{file_id}`
        .col(text(ProviderDeletions::Path))
        .col(integer(ProviderDeletions::Attempts).default(0))
        .col(timestamp_with_time_zone(ProviderDeletions::RetryAt))
        .col(timestamp_with_time_zone(ProviderDeletions::CreatedAt))
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, columns: &[KnowledgeFiles]) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(table).to_owned();
    for column in columns {
        index.col(column.clone());
    }
    index
}

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .add_column(string_len_null(Projects::OwnVectorStoreId, 128))
                    .to_owned(),
            )
            .await?;
        manager.create_table(sites()).await?;
        manager.create_table(qa()).await?;
        manager.create_table(files()).await?;
        manager.create_table(deletions()).await?;
        manager
            .create_index(index(
                "knowledge_files_project",
                KnowledgeFiles::Table,
                &[KnowledgeFiles::ProjectId, KnowledgeFiles::Source],
            ))
            .await?;
        manager
            .create_index(index(
                "knowledge_files_due",
                KnowledgeFiles::Table,
                &[KnowledgeFiles::Status, KnowledgeFiles::RetryAt],
            ))
            .await?;
        manager
            .create_index(index(
                "knowledge_files_provider_file",
                KnowledgeFiles::Table,
                &[KnowledgeFiles::ProviderFileId],
            ))
            .await?;
        // One row per page of a site (two imports racing cannot store a page twice).
        manager
            .create_index(
                index(
                    "knowledge_files_site_url",
                    KnowledgeFiles::Table,
                    &[KnowledgeFiles::SiteId, KnowledgeFiles::Url],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("knowledge_sites_project")
                    .table(KnowledgeSites::Table)
                    .col(KnowledgeSites::ProjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("knowledge_qa_project")
                    .table(KnowledgeQa::Table)
                    .col(KnowledgeQa::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProviderDeletions::Table.into_iden(),
            KnowledgeFiles::Table.into_iden(),
            KnowledgeQa::Table.into_iden(),
            KnowledgeSites::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .drop_column(Projects::OwnVectorStoreId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    OwnVectorStoreId,
}

#[derive(DeriveIden)]
enum KnowledgeSites {
    Table,
    Id,
    ProjectId,
    Url,
    MaxPages,
    Schedule,
    Status,
    Found,
    Fetched,
    Uploaded,
    Unchanged,
    Removed,
    Failed,
    Failures,
    Error,
    LastSyncAt,
    NextSyncAt,
    LeaseOwner,
    LeaseExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum KnowledgeQa {
    Table,
    Id,
    ProjectId,
    Question,
    Answer,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum KnowledgeFiles {
    Table,
    Id,
    ProjectId,
    Source,
    SiteId,
    QaId,
    Name,
    Url,
    Title,
    Text,
    Bytes,
    ContentHash,
    ProviderFileId,
    VectorStoreId,
    Status,
    Error,
    Attempts,
    RetryAt,
    LeaseOwner,
    LeaseExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProviderDeletions {
    Table,
    Id,
    ProjectId,
    BaseUrl,
    ApiKeyCiphertext,
    Path,
    Attempts,
    RetryAt,
    CreatedAt,
}
