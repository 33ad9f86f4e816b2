//! The public contract of aiwidget: the shapes its HTTP API speaks, shared by
//! the server, the dashboard and the visitor widget. Widgets already pasted
//! into sites depend on it: change it only by adding (see `docs/api.md`).
//!
//! No Leptos, no I/O. The server's side of the contract sits behind features:
//! `server` (axum's `IntoResponse` and rejections, `From<DbErr>`, the utoipa
//! schemas, origin normalisation) and `server-fn` (`AppError` as the error of
//! the dashboard's server functions).
//!
//! # Layout
//! - [`error`]: [`AppError`], the one error type of the API, the server
//!   functions and the components (`{"error","message"}` on the wire).
//! - [`health`]: the body of `GET /health`.
//! - [`auth`]: roles, users and login shapes.
//! - [`alerts`]: an operator's alerts: the Telegram link, which alerts go where.
//! - [`copilot`]: the operator's copilot: canned replies, the suggested reply.
//! - [`list`]: [`list::Page`], the shape of every list answer.
//! - [`projects`]: the project shapes of the admin API.
//! - [`stats`]: the owner's numbers and the conversations' CSV export.
//! - [`chat`]: conversations, messages and event payloads on the wire.
//! - [`widget`]: the shapes of the widget's v1 API (config, session, send).
//! - [`inbox`]: the shapes of the operators' inbox (conversations, takeover).
//! - [`knowledge`]: a project's knowledge base (files, websites, Q&A) and its check.
//! - [`privacy`]: a visitor's data exported, and the removal of a conversation.
//! - [`markdown`]: the safe markdown subset of answers, as a tree of plain text.
//! - [`text`]: text helpers shared by both sides (search text folding).
//! - `origins` (server): allowed origins, normalised and matched.

pub mod alerts;
pub mod auth;
pub mod chat;
pub mod copilot;
pub mod error;
pub mod health;
pub mod inbox;
pub mod knowledge;
pub mod list;
pub mod markdown;
pub mod privacy;
pub mod projects;
pub mod stats;
pub mod text;
pub mod widget;

#[cfg(feature = "server")]
pub mod origins;

pub use error::AppError;

/// The version of this build, reported by `/health` and the dashboard.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
