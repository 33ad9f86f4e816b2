//! The `messages` table (see the migration for what each column means).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub role: String,
    pub text: String,
    pub status: String,
    pub author_user_id: Option<Uuid>,
    pub author_name: Option<String>,
    pub sources: Option<Json>,
    pub tool_calls: Option<Json>,
    pub error_kind: Option<String>,
    pub input_tokens: Option<i32>,
    pub output_tokens: Option<i32>,
    pub client_message_id: Option<String>,
    pub search_text: String,
    pub completed_at: Option<DateTimeUtc>,
    pub translation: Option<String>,
    pub translation_lang: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
