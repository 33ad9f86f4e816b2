//! aiwidget's shared crate: the types both sides speak, the dashboard's Leptos
//! components and server functions, and (with the `ssr` feature) the one
//! service layer that holds every rule.
//!
//! # Layout
//! - [`error`]: [`AppError`], the one error type of the API, the server
//!   functions and the components (`{"error","message"}` on the wire).
//! - [`health`]: the health DTO, its service and its server function.
//! - [`auth`]: roles, users and login shapes.
//! - [`dashboard`]: the Leptos app served at `/admin/` and its HTML shell.
//! - `state` (ssr): [`state::AppState`] and [`state::Settings`], given to axum
//!   handlers and to server functions alike.
//! - `db` (ssr): connecting (SQLite tuned as DESIGN.md says, PostgreSQL),
//!   migrating under an advisory lock, write transactions, the entities.
//! - `services` (ssr): the rules, called by the v1 handlers and by the server
//!   functions.
//! - `origins` (ssr): allowed origins, normalised and matched.
//! - [`list`]: [`list::Page`], the shape of every list answer.
//! - [`projects`]: the project shapes of the API.
//! - `session` (ssr): the session token, cookie and client IP of a request.
//! - [`text`]: text helpers shared by both sides (search text folding).
//! - [`markdown`]: the safe markdown subset of answers, as a tree of plain text.
//! - [`rich`]: that tree as Leptos views (the widget's and the dashboard's messages).
//! - [`chat`]: conversations, messages and event payloads on the wire.
//! - [`widget`]: the shapes of the widget's v1 API (config, session, send).
//! - [`inbox`]: the shapes of the operators' inbox (conversations, takeover).
//! - `llm` (ssr): the AI call behind a trait, both API styles, streamed.
//! - `live` (browser): typed listeners on an event stream, for both front ends.
//!
//! Features: `ssr` for the server, `hydrate` for the dashboard's wasm; the
//! widget takes the DTOs and `browser` (the event-stream listeners).

// Leptos view types nest deeply; the dashboard's forms need more room.
#![recursion_limit = "256"]

pub mod auth;
pub mod chat;
pub mod dashboard;
pub mod error;
pub mod health;
pub mod inbox;
pub mod list;
pub mod markdown;
pub mod projects;
pub mod rich;
pub mod text;
pub mod widget;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "browser")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod llm;
#[cfg(feature = "ssr")]
pub mod origins;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod state;

pub use error::AppError;

/// The version of this build, reported by `/health` and the dashboard.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
