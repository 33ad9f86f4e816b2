//! A fake OpenAI server for tests: it listens on a random local port and
//! answers like `https://api.openai.com/v1`, so a project pointed at it with
//! `openai_base_url` exercises the real client code.
//!
//! # Layout
//! - [`FakeOpenAi`] (here): start it, read its `base_url`, script its
//!   behaviour, read what it saw.
//! - [`Fault`] (`faults`): what to answer instead of success (bad key, region
//!   refusal, rate limit, server error, a hang) or what goes wrong mid-stream
//!   (a cut, an error event, `response.failed`, a stall); the middleware that
//!   records requests and applies faults.
//! - `script`: the shared state and the stream counters.
//! - `request`: parsing and OpenAI-like validation of the POST bodies.
//! - `sse`: event frames, the delta loop, the streamed body.
//! - Routes: `listing` (`GET /v1/models`, `GET /v1/vector_stores`),
//!   `responses` (`POST /v1/responses`), `chat` (`POST /v1/chat/completions`).
//!
//! Every request is recorded (method, path, Authorization, JSON body) for
//! assertions.

mod chat;
mod errors;
mod faults;
mod listing;
mod request;
mod responses;
mod script;
mod sse;
#[cfg(test)]
mod tests;

pub use faults::Fault;

use axum::Router;
use axum::routing::{get, post};
use script::{Script, Shared, lock};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The API key the fake accepts unless told otherwise.
pub const VALID_KEY: &str = "sk-test-valid-key-0000";

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `GET` or `POST`.
    pub method: String,
    /// The path, e.g. `/v1/responses`.
    pub path: String,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    /// The parsed JSON body of a POST request; `None` for other methods and
    /// for bodies that are not JSON.
    pub body: Option<serde_json::Value>,
}

/// A running fake; dropped with the test's runtime.
#[derive(Debug, Clone)]
pub struct FakeOpenAi {
    /// `http://127.0.0.1:<port>/v1`: what a project's `openai_base_url` is set to.
    pub base_url: String,
    script: Shared,
}

impl FakeOpenAi {
    /// Starts the fake on a random port with a few models and vector stores.
    ///
    /// # Panics
    /// If no local port can be bound (the test cannot run anyway).
    pub async fn start() -> Self {
        let script = Arc::new(Mutex::new(Script {
            models: [
                "gpt-4.1-mini",
                "gpt-4.1",
                "gpt-4o-mini",
                "o4-mini",
                "text-embedding-3-small",
                "whisper-1",
                "dall-e-3",
                "tts-1",
                "omni-moderation-latest",
            ]
            .map(String::from)
            .to_vec(),
            vector_stores: vec![
                ("vs_faq".into(), "FAQ".into()),
                ("vs_prices".into(), "Прайс-лист".into()),
            ],
            ..Script::default()
        }));
        let router = Router::new()
            .route("/v1/models", get(listing::models))
            .route("/v1/vector_stores", get(listing::vector_stores))
            .route("/v1/responses", post(responses::create))
            .route("/v1/chat/completions", post(chat::create))
            .layer(axum::middleware::from_fn_with_state(
                script.clone(),
                faults::record_and_fault,
            ))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port");
        let port = listener.local_addr().expect("local address").port();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            script,
        }
    }

    fn script(&self) -> MutexGuard<'_, Script> {
        lock(&self.script)
    }

    /// Answers the next request with `fault` (faults queue up, one per
    /// request, whatever its route).
    pub fn fail_next(&self, fault: Fault) {
        self.script().faults.push(fault);
    }

    /// Replaces the model ids `GET /models` lists and the POST routes accept.
    pub fn set_models(&self, ids: &[&str]) {
        self.script().models = ids.iter().map(|id| (*id).to_owned()).collect();
    }

    /// Sets the assistant's text (default `"Hello! How can I help you
    /// today?"`), streamed one word (with the whitespace after it) per delta.
    pub fn set_reply(&self, text: &str) {
        self.script().reply = text.to_owned();
    }

    /// Sets the `(file_id, filename)` pairs a Responses answer cites when the
    /// request has a `file_search` tool; with none, no search is shown.
    pub fn set_citations(&self, citations: &[(&str, &str)]) {
        self.script().citations = citations
            .iter()
            .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
            .collect();
    }

    /// Sets the pause between two deltas (default none), so that a test can
    /// act while a stream is under way.
    pub fn set_delta_delay(&self, delay: Duration) {
        self.script().delta_delay = delay;
    }

    /// Makes chat completions refuse any `stream_options` with `400`, as
    /// some OpenAI-compatible providers do.
    pub fn set_reject_stream_options(&self, reject: bool) {
        self.script().reject_stream_options = reject;
    }

    /// With `false`, chat streams send no usage chunk even when asked for
    /// one (Responses always report usage). Default `true`.
    pub fn set_usage(&self, usage: bool) {
        self.script().usage = usage;
    }

    /// Makes the model call the `handoff_to_human` function tool with
    /// `reason` (after the reply's text, which may be empty) whenever a
    /// request offers that tool; `None` stops it.
    pub fn set_handoff(&self, reason: Option<&str>) {
        self.script().handoff = reason.map(str::to_owned);
    }

    /// Every request so far.
    #[must_use]
    pub fn requests(&self) -> Vec<Recorded> {
        self.script().requests.clone()
    }

    /// How many streamed answers the client dropped before their end: the
    /// proof that a relay really cancelled its upstream request.
    #[must_use]
    pub fn cancelled_streams(&self) -> usize {
        self.script().streams.cancelled()
    }

    /// How many streamed answers were sent to their end (including those a
    /// stream fault ended early on purpose).
    #[must_use]
    pub fn completed_streams(&self) -> usize {
        self.script().streams.completed()
    }

    /// Waits until at least `n` requests were recorded and returns them all.
    ///
    /// # Panics
    /// If fewer than `n` arrive within `timeout`.
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let requests = self.requests();
            if requests.len() >= n {
                return requests;
            }
            if tokio::time::Instant::now() >= deadline {
                let paths: Vec<String> = requests
                    .iter()
                    .map(|r| format!("{} {}", r.method, r.path))
                    .collect();
                panic!(
                    "fake-openai: expected at least {n} requests within {timeout:?}, got {}: {paths:?}",
                    requests.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
