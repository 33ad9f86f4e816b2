//! The engine of aiwidget: every rule of the product, behind the HTTP
//! handlers of the `aiwidget` server and the dashboard's server functions
//! alike (one service layer). No Leptos; `cargo test -p engine` runs its
//! unit tests.
//!
//! # Layout
//! - [`state`]: [`state::AppState`] and [`state::Settings`], what every
//!   handler, server function and worker works with.
//! - [`db`]: connecting (SQLite tuned, PostgreSQL), migrating under an
//!   advisory lock, write transactions, the entities.
//! - [`services`]: the rules, one module per feature.
//! - [`llm`]: the AI call behind a trait, both API styles, streamed.
//! - [`mail`]: email for operator alerts (`SMTP_URL`, `SMTP_FROM`), over lettre.
//! - [`metrics`]: what the engine counts for `GET /metrics` (messages, AI
//!   calls and tokens, open event streams).
//! - [`session`]: the session token, cookie and client IP of a request.
//! - [`telegram`]: the Telegram Bot API client (operator alerts and replies).
//! - [`workers`]: the background tasks an instance runs while it serves.
//!
//! The shapes on the wire come from the `contract` crate.

pub mod db;
pub mod knowledge;
pub mod llm;
pub mod mail;
pub mod metrics;
pub mod services;
pub mod session;
pub mod state;
pub mod telegram;
pub mod workers;
