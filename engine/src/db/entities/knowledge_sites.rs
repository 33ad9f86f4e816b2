//! The `knowledge_sites` table (see the migration for what each column means).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "knowledge_sites")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub url: String,
    pub max_pages: i32,
    pub schedule: String,
    pub status: String,
    pub found: i32,
    pub fetched: i32,
    pub uploaded: i32,
    pub unchanged: i32,
    pub removed: i32,
    pub failed: i32,
    pub failures: Json,
    pub error: Option<String>,
    pub last_sync_at: Option<DateTimeUtc>,
    pub next_sync_at: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
