//! The fake's mutable state: what it answers, what it injects, what it saw.
//!
//! A std `Mutex` rather than tokio's: it is never held across an `.await`,
//! only while a handler copies out what it needs.

use crate::Recorded;
use crate::faults::Fault;
use crate::knowledge::{FileFailure, FileProcessing, MAX_UPLOAD_BYTES, Store, UploadedFile};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The assistant text until a test calls `set_reply`.
pub(crate) const DEFAULT_REPLY: &str = "Hello! How can I help you today?";

/// The script shared by the handle and the routes.
pub(crate) type Shared = Arc<Mutex<Script>>;

/// Locks the script, ignoring poisoning (a panicking test must not hide the fake).
pub(crate) fn lock(script: &Shared) -> MutexGuard<'_, Script> {
    script
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Everything a test can script, plus what the fake recorded.
#[derive(Debug)]
pub(crate) struct Script {
    /// Faults waiting for the next requests, first in first out.
    pub faults: Vec<Fault>,
    /// The model ids listed and accepted.
    pub models: Vec<String>,
    /// The vector stores listed, served and accepted in `file_search`.
    pub vector_stores: Vec<Store>,
    /// The files uploaded through `POST /v1/files`, with their bytes.
    pub files: Vec<UploadedFile>,
    /// How newly attached vector store files are processed.
    pub file_processing: FileProcessing,
    /// Files (by name) whose processing fails.
    pub file_failures: Vec<FileFailure>,
    /// The largest upload accepted, in bytes.
    pub file_size_limit: usize,
    /// Every request received, in order.
    pub requests: Vec<Recorded>,
    /// The assistant text, streamed one word per delta.
    pub reply: String,
    /// `(phrase, reply)`: a request whose instructions (or system message)
    /// contain `phrase` is answered `reply` instead, the first match winning,
    /// so that a test can tell the product's tasks apart (a suggested reply,
    /// a summary, a translation) by the prompt each sends.
    pub task_replies: Vec<(String, String)>,
    /// `(file_id, filename)` cited when a Responses request searches files.
    pub citations: Vec<(String, String)>,
    /// The pause between two deltas.
    pub delta_delay: Duration,
    /// Whether chat completions refuse `stream_options` (as some proxies do).
    pub reject_stream_options: bool,
    /// Whether chat streams send their usage chunk when asked.
    pub usage: bool,
    /// Whether `POST /embeddings` exists.
    pub embeddings: bool,
    /// When set, the model calls a `handoff_to_human` function tool (if the
    /// request offers one) with this reason, after the reply's text.
    pub handoff: Option<String>,
    /// Source of unique ids (`resp_…`, `msg_…`, `chatcmpl-…`, `file-…`, `vs_…`).
    pub next_id: u64,
    /// How the streams ended; outside the lock because their bodies update it.
    pub streams: Arc<StreamStats>,
}

impl Script {
    /// The vector store `id`, to read or change.
    pub(crate) fn store_mut(&mut self, id: &str) -> Option<&mut Store> {
        self.vector_stores.iter_mut().find(|store| store.id == id)
    }
}

impl Default for Script {
    fn default() -> Self {
        Self {
            faults: Vec::new(),
            models: Vec::new(),
            vector_stores: Vec::new(),
            files: Vec::new(),
            file_processing: FileProcessing::default(),
            file_failures: Vec::new(),
            file_size_limit: MAX_UPLOAD_BYTES,
            requests: Vec::new(),
            reply: DEFAULT_REPLY.to_owned(),
            task_replies: Vec::new(),
            citations: Vec::new(),
            delta_delay: Duration::ZERO,
            reject_stream_options: false,
            usage: true,
            embeddings: true,
            handoff: None,
            next_id: 0,
            streams: Arc::default(),
        }
    }
}

impl Script {
    /// A fresh number for the ids of one answer.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// Counts of streamed bodies by how they ended.
#[derive(Debug, Default)]
pub(crate) struct StreamStats {
    cancelled: AtomicUsize,
    completed: AtomicUsize,
}

impl StreamStats {
    /// Streams the client dropped before their end.
    pub(crate) fn cancelled(&self) -> usize {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Streams whose body was sent to its end.
    pub(crate) fn completed(&self) -> usize {
        self.completed.load(Ordering::SeqCst)
    }
}

/// Lives inside a stream body: counts it as completed when the body ends, or
/// as cancelled when it is dropped first (the client went away).
#[derive(Debug)]
pub(crate) struct StreamGuard {
    stats: Arc<StreamStats>,
    finished: bool,
}

impl StreamGuard {
    /// A guard for one new stream.
    pub(crate) fn new(stats: Arc<StreamStats>) -> Self {
        Self {
            stats,
            finished: false,
        }
    }

    /// The body reached its end: count it as completed, not cancelled.
    pub(crate) fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.stats.completed.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.stats.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}
