//! The `aiwidget` server: configuration, HTTP routes and start-up around the
//! service layer of the `app` crate.
//!
//! # Layout
//! - [`cli`]: the commands of the `aiwidget` binary (`serve`, `migrate`, `rotate-key`, `import-legacy`).
//! - [`config`]: environment → [`engine::state::Settings`], with the production checks.
//! - [`startup`]: [`startup::Application`]: migrate, connect, seed, bind, serve.
//! - [`http`]: the routes and layers.
//! - [`metrics`]: the Prometheus recorder, the HTTP counts, the scrape's text.
//! - [`telemetry`]: logs to stderr, filtered by `RUST_LOG`, as text or JSON (`LOG_FORMAT`).

// Leptos view types nest deeply; the dashboard's forms need more room.
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
pub mod http;
pub mod metrics;
pub mod startup;
pub mod telemetry;
