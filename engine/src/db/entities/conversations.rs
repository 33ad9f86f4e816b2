//! The `conversations` table (see the migration for what each column means).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub visitor_id: Uuid,
    pub status: String,
    pub assigned_user_id: Option<Uuid>,
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub last_message_at: DateTimeUtc,
    pub last_message_preview: Option<String>,
    pub operator_unread: i32,
    pub visitor_unread: i32,
    pub handoff_reason: Option<String>,
    pub handoff_deadline_at: Option<DateTimeUtc>,
    pub ai_lease_owner: Option<String>,
    pub ai_lease_expires_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub summary: Option<String>,
    pub summary_at: Option<DateTimeUtc>,
    pub rating_score: Option<i32>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    pub handoff_at: Option<DateTimeUtc>,
    pub handoff_by: Option<String>,
    pub handoff_timed_out_at: Option<DateTimeUtc>,
    pub first_human_reply_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
