//! The one service layer: every rule of aiwidget lives here, called by the v1
//! handlers of the `server` crate and by the dashboard's server functions.
//!
//! # Layout
//! - [`api_keys`]: the projects' OpenAI keys, encrypted at rest.
//! - [`auth`]: logging in and out, the user behind a session.
//! - [`health`]: the database check behind `/health`.
//! - [`passwords`]: argon2 hashing and verification.
//! - [`people`]: operators and admins, managed by admins.
//! - [`projects`]: projects, validated field by field.
//! - [`sessions`]: signed tokens with an audience per purpose.
//! - [`throttle`]: login attempts per username and per IP.
//! - [`upstream`]: the project's provider: models and vector stores.
//! - [`users`]: the first admin, created and kept in step with `ADMIN_PASSWORD`.
//! - [`maintenance`]: start-up repairs (messages left streaming by a crash).

pub mod api_keys;
pub mod auth;
pub mod health;
pub mod maintenance;
pub mod passwords;
pub mod people;
pub mod projects;
pub mod sessions;
pub mod throttle;
pub mod upstream;
pub mod users;
