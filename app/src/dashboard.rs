//! The dashboard: a Leptos app at `/admin/`, rendered by the server and
//! hydrated by the `admin` crate's wasm. It speaks Russian and English.
//!
//! # Layout
//! - [`layout`]: the HTML shell, the router, the header and navigation.
//! - [`api`]: the server functions, thin wrappers over the services.
//! - [`i18n`]: the two languages and how one is chosen.
//! - [`login`], [`projects`], [`project_form`], [`users`]: the pages.
//! - [`forms`]: field errors from the server, shown next to their inputs.
//! - [`inbox`], [`conversation`]: the live inbox and the open conversation;
//!   `inbox_live` (browser): its event stream and alerts.

pub mod api;
pub mod conversation;
pub mod forms;
pub mod i18n;
pub mod inbox;
#[cfg(feature = "hydrate")]
pub mod inbox_live;
pub mod layout;
pub mod login;
pub mod project_form;
pub mod projects;
pub mod users;

pub use layout::{App, shell};
