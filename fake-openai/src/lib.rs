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
//! - Routes: `listing` (`GET /v1/models`), `responses`
//!   (`POST /v1/responses`), `chat` (`POST /v1/chat/completions`), `files`
//!   (`POST /v1/files` as multipart, `GET`/`DELETE /v1/files/{id}`),
//!   `vector_stores` (`POST`/`GET /v1/vector_stores`, `GET`/`DELETE
//!   /v1/vector_stores/{id}`), `store_files` (`POST`/`GET
//!   /v1/vector_stores/{id}/files`, `GET`/`DELETE
//!   /v1/vector_stores/{id}/files/{file_id}`), `embeddings`
//!   (`POST /v1/embeddings`, predictable vectors: [`embedding`]).
//! - `knowledge`: the uploaded files (bytes kept), the stores, and a store
//!   file's asynchronous processing ([`FileProcessing`], scripted failures);
//!   `attributes`: OpenAI's limits on a store file's `attributes`.
//! - A `file_search` tool cites the scripted citations (`set_citations`), or
//!   else the first completed file of each searched store; with `"include":
//!   ["file_search_call.results"]` the search's `results` carry each cited
//!   file's `attributes` and text.
//!
//! Every request is recorded (method, path, Authorization, JSON body) for
//! assertions.

mod attributes;
mod chat;
mod embeddings;
mod errors;
mod faults;
mod files;
mod knowledge;
#[cfg(test)]
mod knowledge_tests;
mod listing;
mod request;
mod responses;
mod script;
mod sse;
mod store_files;
#[cfg(test)]
mod tests;
mod vector_stores;

pub use embeddings::vector as embedding;
pub use faults::Fault;
pub use knowledge::{AttachedFile, FileProcessing, UploadedFile};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use knowledge::{FileFailure, Store};
use script::{Script, Shared, lock};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The API key the fake accepts unless told otherwise.
pub const VALID_KEY: &str = "sk-test-valid-key-0000";

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `GET`, `POST` or `DELETE`.
    pub method: String,
    /// The path, e.g. `/v1/responses`.
    pub path: String,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    /// The parsed JSON body of a POST request; `None` for other methods and
    /// for bodies that are not JSON (a multipart upload: see
    /// [`FakeOpenAi::files`]).
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
                "text-embedding-3-large",
                "whisper-1",
                "dall-e-3",
                "tts-1",
                "omni-moderation-latest",
            ]
            .map(String::from)
            .to_vec(),
            vector_stores: vec![
                Store::seeded("vs_faq", "FAQ"),
                Store::seeded("vs_prices", "Прайс-лист"),
            ],
            ..Script::default()
        }));
        let router = Router::new()
            .route("/v1/models", get(listing::models))
            .route("/v1/responses", post(responses::create))
            .route("/v1/chat/completions", post(chat::create))
            .route("/v1/embeddings", post(embeddings::create))
            .route("/v1/files", post(files::upload))
            .route("/v1/files/{id}", get(files::retrieve).delete(files::delete))
            .route(
                "/v1/vector_stores",
                get(vector_stores::list).post(vector_stores::create),
            )
            .route(
                "/v1/vector_stores/{id}",
                get(vector_stores::retrieve).delete(vector_stores::delete),
            )
            .route(
                "/v1/vector_stores/{id}/files",
                get(store_files::list).post(store_files::create),
            )
            .route(
                "/v1/vector_stores/{id}/files/{file_id}",
                get(store_files::retrieve).delete(store_files::delete),
            )
            // The upload limit is the script's (`set_file_size_limit`).
            .layer(DefaultBodyLimit::disable())
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

    /// Answers `reply` to the requests whose instructions (or `system` /
    /// `developer` message, whitespace taken as single spaces) contain
    /// `phrase`: the product's own tasks (a suggested reply, a summary) are
    /// told apart by their prompts. A phrase set again gets the new reply.
    pub fn set_task_reply(&self, phrase: &str, reply: &str) {
        let mut script = self.script();
        script.task_replies.retain(|(known, _)| known != phrase);
        script
            .task_replies
            .push((phrase.to_owned(), reply.to_owned()));
    }

    /// Sets the `(file_id, filename)` pairs a Responses answer cites when the
    /// request has a `file_search` tool. With none, it cites the first
    /// completed file of each searched store, and with no such file no
    /// search is shown.
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

    /// With `false`, `POST /embeddings` answers `404` as a provider without
    /// embeddings does (default `true`).
    pub fn set_embeddings(&self, enabled: bool) {
        self.script().embeddings = enabled;
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

    /// How vector store files attached from now on are processed (default
    /// [`FileProcessing::Reads`]`(0)`: `in_progress` in the create answer,
    /// `completed` from the first read on).
    pub fn set_file_processing(&self, processing: FileProcessing) {
        self.script().file_processing = processing;
    }

    /// Makes files uploaded under `filename` and attached from now on fail
    /// their processing with `last_error` `{"code", "message"}` (OpenAI's
    /// codes are `server_error`, `unsupported_file` and `invalid_file`), once
    /// their processing ends.
    pub fn fail_file_named(&self, filename: &str, code: &str, message: &str) {
        self.script().file_failures.push(FileFailure {
            filename: filename.to_owned(),
            code: code.to_owned(),
            message: message.to_owned(),
        });
    }

    /// Sets the largest upload `POST /files` accepts (default 512 MB, as
    /// OpenAI); a larger file is refused with `400`.
    pub fn set_file_size_limit(&self, bytes: usize) {
        self.script().file_size_limit = bytes;
    }

    /// The files uploaded and not deleted, with their bytes, oldest first.
    #[must_use]
    pub fn files(&self) -> Vec<UploadedFile> {
        self.script().files.clone()
    }

    /// The ids of the vector stores (seeded and created, not deleted).
    #[must_use]
    pub fn vector_store_ids(&self) -> Vec<String> {
        self.script()
            .vector_stores
            .iter()
            .map(|store| store.id.clone())
            .collect()
    }

    /// The files of a vector store in the order they were attached, with
    /// their status now (reading it here does not count as a status read);
    /// `None` for an unknown store.
    #[must_use]
    pub fn vector_store_files(&self, store_id: &str) -> Option<Vec<AttachedFile>> {
        self.script()
            .vector_stores
            .iter()
            .find(|store| store.id == store_id)
            .map(|store| store.files.iter().map(|file| file.snapshot()).collect())
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
