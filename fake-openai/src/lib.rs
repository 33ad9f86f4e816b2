//! A fake OpenAI server for tests: it listens on a random local port and
//! answers like `https://api.openai.com/v1`, so a project pointed at it with
//! `openai_base_url` exercises the real client code.
//!
//! # Layout
//! - [`FakeOpenAi`]: start it, read its `base_url`, script its behaviour.
//! - [`Fault`]: what to answer instead of success (bad key, region refusal,
//!   rate limit, server error, a hang).
//! - Routes: `GET /v1/models`, `GET /v1/vector_stores` (the Responses and Chat
//!   Completions streams come with the AI relay).
//!
//! Every request is recorded (method, path, Authorization) for assertions.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The API key the fake accepts unless told otherwise.
pub const VALID_KEY: &str = "sk-test-valid-key-0000";

/// What the fake answers instead of success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `401 invalid_api_key`, whatever the key.
    InvalidKey,
    /// `403 unsupported_country_region_territory`, as OpenAI answers some regions.
    RegionRefused,
    /// `429 rate_limit_exceeded` with `retry-after: <seconds>`.
    RateLimited { retry_after_secs: u64 },
    /// `500 server_error`.
    ServerError,
    /// No answer for this long (a time-out on the client's side).
    Hang(Duration),
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
}

#[derive(Debug, Default)]
struct Script {
    faults: Vec<Fault>,
    models: Vec<String>,
    vector_stores: Vec<(String, String)>,
    requests: Vec<Recorded>,
}

/// A running fake; dropped with the test's runtime.
#[derive(Clone)]
pub struct FakeOpenAi {
    /// `http://127.0.0.1:<port>/v1`: what a project's `openai_base_url` is set to.
    pub base_url: String,
    script: Arc<Mutex<Script>>,
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
            .route("/v1/models", get(models))
            .route("/v1/vector_stores", get(vector_stores))
            .layer(axum::middleware::from_fn_with_state(
                script.clone(),
                record_and_fault,
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
        self.script
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers the next request with `fault` (faults queue up, one per request).
    pub fn fail_next(&self, fault: Fault) {
        self.script().faults.push(fault);
    }

    /// Replaces the model ids `GET /models` lists.
    pub fn set_models(&self, ids: &[&str]) {
        self.script().models = ids.iter().map(|id| (*id).to_owned()).collect();
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.script().requests.clone()
    }
}

type Shared = Arc<Mutex<Script>>;

fn lock(script: &Shared) -> MutexGuard<'_, Script> {
    script
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The shape of an OpenAI error body.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}});
    (status, axum::Json(body)).into_response()
}

async fn record_and_fault(
    State(script): State<Shared>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let fault = {
        let mut script = lock(&script);
        script.requests.push(Recorded {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            authorization: authorization.clone(),
        });
        (!script.faults.is_empty()).then(|| script.faults.remove(0))
    };
    match fault {
        Some(Fault::InvalidKey) => return invalid_key(),
        Some(Fault::RegionRefused) => {
            return error(
                StatusCode::FORBIDDEN,
                "unsupported_country_region_territory",
                "Country, region, or territory not supported",
            );
        }
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "Rate limit reached",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_secs.into());
            return response;
        }
        Some(Fault::ServerError) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "The server had an error while processing your request.",
            );
        }
        Some(Fault::Hang(duration)) => tokio::time::sleep(duration).await,
        None => {}
    }
    if authorization.as_deref() != Some(&format!("Bearer {VALID_KEY}")) {
        return invalid_key();
    }
    next.run(request).await
}

fn invalid_key() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "Incorrect API key provided: sk-***. You can find your API key at https://platform.openai.com/account/api-keys.",
    )
}

async fn models(State(script): State<Shared>, _: HeaderMap) -> axum::Json<Value> {
    let data: Vec<Value> = lock(&script)
        .models
        .iter()
        .map(|id| json!({"id": id, "object": "model", "created": 1_700_000_000, "owned_by": "system"}))
        .collect();
    axum::Json(json!({"object": "list", "data": data}))
}

async fn vector_stores(State(script): State<Shared>) -> axum::Json<Value> {
    let data: Vec<Value> = lock(&script)
        .vector_stores
        .iter()
        .map(|(id, name)| {
            json!({
                "id": id, "object": "vector_store", "created_at": 1_700_000_000, "name": name,
                "usage_bytes": 1024, "status": "completed",
                "file_counts": {"in_progress": 0, "completed": 3, "failed": 0, "cancelled": 0, "total": 3}
            })
        })
        .collect();
    let first = data
        .first()
        .and_then(|v| v["id"].as_str().map(str::to_owned));
    let last = data
        .last()
        .and_then(|v| v["id"].as_str().map(str::to_owned));
    axum::Json(
        json!({"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": false}),
    )
}
