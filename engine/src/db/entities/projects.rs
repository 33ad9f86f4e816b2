//! The `projects` table (see the migration for what each column means).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub openai_api_key_ciphertext: Option<String>,
    pub openai_api_key_hint: Option<String>,
    pub openai_base_url: String,
    pub api_style: String,
    pub model: String,
    pub vector_store_ids: Json,
    pub instructions: String,
    pub allowed_origins: Json,
    pub widget_title: String,
    pub widget_greeting: String,
    pub widget_color: String,
    pub widget_position: String,
    pub widget_locale: Option<String>,
    pub privacy_notice: Option<String>,
    pub widget_rating_after: String,
    pub limit_message_chars: i32,
    pub limit_messages_per_minute: i32,
    pub limit_conversations_per_hour: i32,
    pub limit_daily_ai_messages: i32,
    pub limit_daily_ai_tokens: i64,
    pub limit_messages_per_ip_per_minute: i32,
    pub limit_max_output_tokens: i32,
    pub handoff_ai_allowed: bool,
    pub handoff_timeout_minutes: Option<i32>,
    pub handoff_timeout_action: String,
    pub retention_days: Option<i32>,
    pub own_vector_store_id: Option<String>,
    pub time_zone: String,
    pub embedding_model: Option<String>,
    pub embeddings_in_use: Option<String>,
    pub embeddings_version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
