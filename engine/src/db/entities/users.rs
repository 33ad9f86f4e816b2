//! The `users` table (see the migration for what each column means).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub token_version: i32,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub email: Option<String>,
    pub locale: Option<String>,
    pub telegram_chat_id: Option<i64>,
    pub telegram_username: Option<String>,
    pub telegram_linked_at: Option<DateTimeUtc>,
    pub notifications: Option<Json>,
    pub translate: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
