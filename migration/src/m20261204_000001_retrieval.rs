//! Retrieval done by aiwidget (issue 18, `docs/knowledge.md`): a project on
//! `chat_completions` has no `file_search`, so the texts the knowledge base
//! keeps are split into chunks, embedded with the provider's `/embeddings`
//! and searched here.
//!
//! - `projects.embedding_model`: the embedding model the owner chose (`null`:
//!   none, no retrieval).
//! - `projects.embeddings_in_use`: the model whose vectors answers search.
//!   It changes to `embedding_model` only once every file is embedded with
//!   it, so answers keep the old vectors while a new model is re-embedding.
//! - `projects.embeddings_version`: raised whenever the project's chunks
//!   change, so that every instance knows its cached vectors are stale.
//! - `knowledge_files.embedded_with`: the model this file's current text was
//!   embedded with (`null`: not embedded).
//! - `knowledge_chunks`: a file's chunks per model, each with its text, its
//!   estimated tokens and its vector (int8, scaled: see
//!   `engine::knowledge::vectors`). They go with their file and project.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the columns and `knowledge_chunks`.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000001_retrieval"
    }
}

const PROJECT_MODEL_INDEX: &str = "idx_knowledge_chunks_project_model";
const FILE_INDEX: &str = "idx_knowledge_chunks_file";

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [
            string_len_null(Projects::EmbeddingModel, 200),
            string_len_null(Projects::EmbeddingsInUse, 200),
            big_integer(Projects::EmbeddingsVersion)
                .default(0)
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
        manager
            .alter_table(
                Table::alter()
                    .table(KnowledgeFiles::Table)
                    .add_column(string_len_null(KnowledgeFiles::EmbeddedWith, 200))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KnowledgeChunks::Table)
                    .col(uuid(KnowledgeChunks::Id).primary_key())
                    .col(uuid(KnowledgeChunks::ProjectId))
                    .col(uuid(KnowledgeChunks::FileId))
                    .col(string_len(KnowledgeChunks::Model, 200))
                    .col(integer(KnowledgeChunks::Position))
                    .col(text(KnowledgeChunks::Text))
                    .col(integer(KnowledgeChunks::Tokens))
                    .col(blob(KnowledgeChunks::Vector))
                    .col(timestamp_with_time_zone(KnowledgeChunks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(KnowledgeChunks::Table, KnowledgeChunks::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(KnowledgeChunks::Table, KnowledgeChunks::FileId)
                            .to(KnowledgeFiles::Table, KnowledgeFiles::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(PROJECT_MODEL_INDEX)
                    .table(KnowledgeChunks::Table)
                    .col(KnowledgeChunks::ProjectId)
                    .col(KnowledgeChunks::Model)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(FILE_INDEX)
                    .table(KnowledgeChunks::Table)
                    .col(KnowledgeChunks::FileId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KnowledgeChunks::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(KnowledgeFiles::Table)
                    .drop_column(KnowledgeFiles::EmbeddedWith)
                    .to_owned(),
            )
            .await?;
        for column in [
            Projects::EmbeddingModel,
            Projects::EmbeddingsInUse,
            Projects::EmbeddingsVersion,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Projects::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    EmbeddingModel,
    EmbeddingsInUse,
    EmbeddingsVersion,
}

#[derive(DeriveIden)]
enum KnowledgeFiles {
    Table,
    Id,
    EmbeddedWith,
}

#[derive(DeriveIden)]
enum KnowledgeChunks {
    Table,
    Id,
    ProjectId,
    FileId,
    Model,
    Position,
    Text,
    Tokens,
    Vector,
    CreatedAt,
}
