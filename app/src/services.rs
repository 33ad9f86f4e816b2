//! The one service layer: every rule of aiwidget lives here, called by the v1
//! handlers of the `server` crate and by the dashboard's server functions.
//!
//! # Layout
//! - [`health`]: the database check behind `/health`.
//! - [`passwords`]: argon2 hashing and verification.
//! - [`users`]: the first admin, created and kept in step with `ADMIN_PASSWORD`.
//! - [`maintenance`]: start-up repairs (messages left streaming by a crash).

pub mod health;
pub mod maintenance;
pub mod passwords;
pub mod users;
