//! The dashboard: a Leptos app at `/admin/`, rendered by the server and
//! hydrated by the `admin` crate's wasm. It speaks Russian and English.
//!
//! The rules live in the `engine` crate and the shapes on the wire in
//! `contract`; here are only the components and the server functions (thin
//! wrappers over the engine's services, compiled with `ssr`).
//!
//! # Layout
//! - [`routes`]: every route of the dashboard, and the HTML shell.
//! - [`chrome`]: the frame of a signed-in page (session check, top bar,
//!   the attention count).
//! - [`api`]: the server functions, thin wrappers over the services.
//! - [`i18n`]: the two languages and how one is chosen.
//! - [`login`], [`projects`], [`project_form`], [`users`]: the pages;
//!   [`replies`]: a project's canned replies, on its page;
//!   [`knowledge`]: a project's knowledge base; [`alerts`]: the user's own
//!   alerts in Telegram and by email; [`analytics`]: the owner's numbers
//!   of a period, with charts the page draws in SVG.
//! - `fetch` (browser): calls made with fetch (an upload, the event streams
//!   that answer a POST); `sse`: those streams' events, parsed.
//! - [`forms`]: field errors from the server, shown next to their inputs.
//! - [`inbox`], [`conversation`], [`composer`]: the live inbox, the open
//!   conversation and its reply box (canned replies, the suggested reply);
//!   [`visitor_privacy`]: its visitor's data exported or deleted (admins);
//!   `inbox_live` (hydrate): its event stream and alerts.
//!
//! Features: `ssr` for the server, `hydrate` for the dashboard's wasm.

// Leptos view types nest deeply; the dashboard's forms need more room.
#![recursion_limit = "256"]

pub mod alerts;
pub mod analytics;
pub mod api;
pub mod chrome;
pub mod composer;
pub mod conversation;
#[cfg(feature = "hydrate")]
mod fetch;
pub mod forms;
pub mod i18n;
pub mod inbox;
#[cfg(feature = "hydrate")]
pub mod inbox_live;
pub mod knowledge;
pub mod login;
pub mod project_form;
pub mod projects;
pub mod replies;
pub mod routes;
#[cfg(any(feature = "hydrate", test))]
mod sse;
pub mod users;
pub mod visitor_privacy;

pub use routes::{App, shell};
