//! Prometheus metrics: the process's one recorder, what the HTTP layer
//! counts, and the text a scrape gets (`GET /metrics`, see
//! [`crate::http::metrics`]).
//!
//! The engine counts through the `metrics` facade (names in
//! [`engine::metrics`]); this module installs the recorder those counts go
//! to, once per process (tests run many servers in one process: they share
//! it, and compare values before and after).

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use engine::metrics::{
    AI_CALLS, AI_TOKENS, AiOutcome, DB_POOL, HTTP_DURATION, HTTP_REQUESTS, MESSAGE_ROLES, MESSAGES,
    STREAMS_OPEN, StreamKind, TOKEN_KINDS,
};
use metrics::Unit;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The buckets of [`HTTP_DURATION`], in seconds: from a cached answer to a
/// slow database.
const DURATION_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded into their buckets between scrapes
/// (without it they would pile up in memory when nobody scrapes).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The recorder's handle, installing the recorder at the first call.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(install)
}

/// Every metric in the Prometheus text format, with the database pool read now.
#[must_use]
pub fn render(db: &DatabaseConnection) -> String {
    let handle = handle();
    record_pool(db);
    handle.render()
}

fn install() -> PrometheusHandle {
    let builder = PrometheusBuilder::new();
    // Fails only for an empty list of buckets.
    let builder = builder
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), &DURATION_BUCKETS)
        .unwrap_or_else(|_| PrometheusBuilder::new());
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    if metrics::set_global_recorder(recorder).is_err() {
        tracing::warn!("another metrics recorder is installed: /metrics will stay empty");
    }
    describe();
    let upkeep = handle.clone();
    let started = std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        });
    if let Err(err) = started {
        tracing::warn!(error = %err, "no metrics upkeep thread: histograms fold at each scrape");
    }
    handle
}

/// Help texts and units, and every labelled series of the engine at 0 from
/// the start (a series that appears only later makes rates and alerts miss it).
fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by matched route, method and status."
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to the response's head, by matched route and method."
    );
    metrics::describe_gauge!(
        STREAMS_OPEN,
        "Event streams open now: visitor (widget) or operator (dashboard)."
    );
    metrics::describe_counter!(
        AI_CALLS,
        "AI calls by outcome: completed, failed, timeout, cancelled."
    );
    metrics::describe_counter!(
        AI_TOKENS,
        "Tokens the AI providers reported: input or output."
    );
    metrics::describe_counter!(
        MESSAGES,
        "Messages stored, by role: visitor, ai, operator, system."
    );
    metrics::describe_gauge!(DB_POOL, "Database connections: idle or in_use.");
    for kind in StreamKind::ALL {
        metrics::gauge!(STREAMS_OPEN, "kind" => kind.as_str()).increment(0.0);
    }
    for outcome in AiOutcome::ALL {
        metrics::counter!(AI_CALLS, "outcome" => outcome.as_str()).increment(0);
    }
    for kind in TOKEN_KINDS {
        metrics::counter!(AI_TOKENS, "kind" => kind).increment(0);
    }
    for role in MESSAGE_ROLES {
        metrics::counter!(MESSAGES, "role" => role.as_str()).increment(0);
    }
}

/// The pool's connections as they are now.
fn record_pool(db: &DatabaseConnection) {
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    metrics::gauge!(DB_POOL, "state" => "idle").set(f64::from(idle));
    metrics::gauge!(DB_POOL, "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
}

/// Counts every request in [`HTTP_REQUESTS`] and [`HTTP_DURATION`], labelled
/// by the matched route (`unmatched` when none: never the raw path, whose ids
/// would make a series per visitor).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!(HTTP_DURATION, "route" => route.clone(), "method" => method)
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => status)
        .increment(1);
    response
}

/// The standard methods by name; any other is `other` (a client must not
/// add series at will).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
