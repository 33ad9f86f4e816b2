//! SeaORM entities, one per table of the first migration.

pub mod conversations;
pub mod events;
pub mod messages;
pub mod project_members;
pub mod projects;
pub mod usage_daily;
pub mod users;
pub mod visitors;
