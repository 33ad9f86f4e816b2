//! The `aiwidget` server: configuration, HTTP routes and start-up around the
//! service layer of the `app` crate.
//!
//! # Layout
//! - [`cli`]: the commands of the `aiwidget` binary (`serve`, `migrate`).
//! - [`config`]: environment → [`engine::state::Settings`], with the production checks.
//! - [`startup`]: [`startup::Application`]: migrate, connect, seed, bind, serve.
//! - [`http`]: the routes and layers.
//! - [`telemetry`]: logs to stderr, filtered by `RUST_LOG`.

// Leptos view types nest deeply; the dashboard's forms need more room.
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
pub mod http;
pub mod startup;
pub mod telemetry;
