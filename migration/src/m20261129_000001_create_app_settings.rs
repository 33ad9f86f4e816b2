//! `app_settings`: small values the server keeps for itself between starts.
//!
//! The first is `admin_password_applied`: the argon2 hash of the
//! `ADMIN_PASSWORD` value last applied to `admin`, so that a start resets the
//! admin's password only when the variable changed (and a password changed in
//! the dashboard survives restarts). A hash, never the value: reading the
//! database must not reveal the password or let guesses be tested cheaply.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `app_settings`.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000001_create_app_settings"
    }
}

#[allow(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the trait's elided lifetime"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppSettings::Table)
                    // A setting's name, e.g. `admin_password_applied`.
                    .col(string_len(AppSettings::Key, 64).primary_key())
                    .col(text(AppSettings::Value))
                    .col(timestamp_with_time_zone(AppSettings::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AppSettings::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AppSettings {
    Table,
    Key,
    Value,
    UpdatedAt,
}
