//! The fake's files and vector stores: what was uploaded, what each store
//! holds, and how a store file's processing goes (asynchronous, as at
//! OpenAI: `in_progress` first, then `completed` or `failed`).

use serde_json::{Map, Value, json};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The largest upload OpenAI accepts (512 MB), the default limit.
pub(crate) const MAX_UPLOAD_BYTES: usize = 512 * 1024 * 1024;

/// Unix seconds now, for `created_at`.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// One file received by `POST /v1/files`, as a test reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// `file-…`.
    pub id: String,
    /// The multipart part's file name.
    pub filename: String,
    /// The `purpose` field (`assistants`, `user_data`, …).
    pub purpose: String,
    /// The bytes as uploaded.
    pub bytes: Vec<u8>,
    /// Unix seconds.
    pub created_at: u64,
}

impl UploadedFile {
    /// The bytes as text (lossy UTF-8), for assertions on what was uploaded.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The File object.
    pub(crate) fn object(&self) -> Value {
        json!({
            "id": self.id, "object": "file", "bytes": self.bytes.len(),
            "created_at": self.created_at, "expires_at": null, "filename": self.filename,
            "purpose": self.purpose, "status": "processed", "status_details": null
        })
    }
}

/// How the fake processes a file attached to a vector store. The create
/// answer always says `in_progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProcessing {
    /// The file reads `in_progress` on this many status reads (a `GET` of the
    /// file, or a listing that includes it), `completed` after them. The
    /// default is `Reads(0)`: completed from the first read on.
    Reads(u32),
    /// The file is `completed` once this long has passed since it was attached.
    Delay(Duration),
}

impl Default for FileProcessing {
    fn default() -> Self {
        Self::Reads(0)
    }
}

/// A file in a vector store, as a test reads it back.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachedFile {
    /// The file's id (`file-…`).
    pub file_id: String,
    /// The uploaded file's name.
    pub filename: String,
    /// The `attributes` given when attaching it (an object, maybe empty).
    pub attributes: Value,
    /// `in_progress`, `completed` or `failed`, without counting as a read.
    pub status: String,
    /// `{"code", "message"}` when failed.
    pub last_error: Option<Value>,
}

/// A scripted processing failure: files uploaded under `filename` fail.
#[derive(Debug, Clone)]
pub(crate) struct FileFailure {
    pub filename: String,
    pub code: String,
    pub message: String,
}

/// A file attached to a store.
#[derive(Debug, Clone)]
pub(crate) struct StoreFile {
    pub file_id: String,
    pub filename: String,
    pub size: usize,
    /// The file's text, kept for `file_search` results.
    pub text: String,
    pub attributes: Map<String, Value>,
    pub chunking_strategy: Value,
    pub created_at: u64,
    pub attached: Instant,
    /// Status reads so far.
    pub reads: u32,
    pub processing: FileProcessing,
    /// `(code, message)` when this file is scripted to fail.
    pub failure: Option<(String, String)>,
}

impl StoreFile {
    /// The status now, without counting a read.
    pub(crate) fn status(&self) -> &'static str {
        let done = match self.processing {
            FileProcessing::Reads(n) => self.reads >= n,
            FileProcessing::Delay(delay) => self.attached.elapsed() >= delay,
        };
        match (done, &self.failure) {
            (false, _) => "in_progress",
            (true, None) => "completed",
            (true, Some(_)) => "failed",
        }
    }

    /// The status as a read sees it: a read moves `Reads` processing on.
    pub(crate) fn read(&mut self) -> &'static str {
        let status = self.status();
        self.reads = self.reads.saturating_add(1);
        status
    }

    fn usage_bytes(status: &str, size: usize) -> usize {
        if status == "completed" { size } else { 0 }
    }

    /// The `vector_store.file` object with a given status.
    pub(crate) fn object(&self, store_id: &str, status: &str) -> Value {
        let last_error = match (&self.failure, status) {
            (Some((code, message)), "failed") => json!({"code": code, "message": message}),
            _ => Value::Null,
        };
        json!({
            "id": self.file_id, "object": "vector_store.file",
            "usage_bytes": Self::usage_bytes(status, self.size),
            "created_at": self.created_at, "vector_store_id": store_id, "status": status,
            "last_error": last_error, "chunking_strategy": self.chunking_strategy,
            "attributes": self.attributes
        })
    }

    /// What a test reads back.
    pub(crate) fn snapshot(&self) -> AttachedFile {
        let status = self.status();
        let object = self.object("", status);
        AttachedFile {
            file_id: self.file_id.clone(),
            filename: self.filename.clone(),
            attributes: Value::Object(self.attributes.clone()),
            status: status.to_owned(),
            last_error: Some(object["last_error"].clone()).filter(|error| !error.is_null()),
        }
    }
}

/// A vector store: a seeded one (listed with three files it does not hold)
/// or one created through the API.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    pub id: String,
    pub name: String,
    pub created_at: u64,
    pub metadata: Value,
    pub expires_after: Value,
    pub files: Vec<StoreFile>,
    /// Seeded stores report three completed files and 1024 bytes besides
    /// their real files (the listing's historical shape).
    pub seeded: bool,
}

impl Store {
    /// A seeded store.
    pub(crate) fn seeded(id: &str, name: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            created_at: 1_700_000_000,
            metadata: json!({}),
            expires_after: Value::Null,
            files: Vec::new(),
            seeded: true,
        }
    }

    /// The `vector_store` object, counting its files without reading them.
    pub(crate) fn object(&self) -> Value {
        let (mut in_progress, mut completed, mut failed) = (0, 0, 0);
        let mut usage = 0;
        for file in &self.files {
            match file.status() {
                "in_progress" => in_progress += 1,
                "completed" => {
                    completed += 1;
                    usage += file.size;
                }
                _ => failed += 1,
            }
        }
        if self.seeded {
            completed += 3;
            usage += 1024;
        }
        let status = if in_progress > 0 {
            "in_progress"
        } else {
            "completed"
        };
        json!({
            "id": self.id, "object": "vector_store", "created_at": self.created_at,
            "name": self.name, "usage_bytes": usage, "status": status,
            "file_counts": {
                "in_progress": in_progress, "completed": completed, "failed": failed,
                "cancelled": 0, "total": in_progress + completed + failed
            },
            "metadata": self.metadata, "expires_after": self.expires_after,
            "expires_at": null, "last_active_at": self.created_at
        })
    }
}

/// A file an answer cites: scripted with `set_citations`, or a completed
/// file of a searched store.
#[derive(Debug, Clone)]
pub(crate) struct Citation {
    pub file_id: String,
    pub filename: String,
    pub attributes: Value,
    pub text: String,
}
