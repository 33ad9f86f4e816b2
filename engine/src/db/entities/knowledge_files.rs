//! The `knowledge_files` table (see the migration for what each column means).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "knowledge_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub source: String,
    pub site_id: Option<Uuid>,
    pub qa_id: Option<Uuid>,
    pub name: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub text: String,
    pub bytes: i64,
    pub content_hash: String,
    pub provider_file_id: Option<String>,
    pub vector_store_id: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub attempts: i32,
    pub retry_at: DateTimeUtc,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub embedded_with: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
