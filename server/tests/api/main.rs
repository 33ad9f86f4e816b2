//! Integration tests: the real server over HTTP on a random port, on a fresh
//! database per test: a temp-file SQLite database, or a uuid-named PostgreSQL
//! database when `TEST_DATABASE_URL` is set (`.ci/run` runs the suite both ways).

mod ai_handoff;
mod alerts;
mod assets;
mod auth;
mod body_limits;
mod budget_attacks;
mod cli;
mod consent;
mod copilot;
mod crash_recovery;
mod dashboard;
mod database_restart;
mod errors;
mod faults;
mod fixtures;
mod health;
mod helpers;
mod import_legacy;
mod inbox;
mod instances;
mod knowledge;
mod limits;
mod metrics;
mod openapi;
mod operator_client;
mod playground;
mod privacy;
mod private_upstreams;
mod project_check;
mod projects;
mod provider;
mod provider_store;
mod relay;
mod reset_admin;
mod retention;
mod schema;
mod security_headers;
mod served;
mod startup;
mod stream_backlog;
mod takeover;
mod users;
mod widget;
mod widget_client;
