//! The one HTTP client helper: JSON calls of aiwidget's API as an admin or
//! operator and as visitors (each from its own address, as nginx on the same
//! host reports it in `X-Forwarded-For`), and event streams read as they come.

use crate::sse::{Event, Parser};
use anyhow::{Context, Result, bail};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The origin the projects here allow the widget on.
pub(crate) const ORIGIN: &str = "https://loadgen.example";

/// How many loopback source addresses the connections are spread over, so
/// that tens of thousands of connections (and their `TIME_WAIT`s) never run
/// out of local ports.
const SOURCES: u8 = 32;

/// The clients of one server, one per loopback source address.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    /// `http://127.0.0.1:<port>`.
    pub(crate) base: String,
    clients: Vec<Client>,
}

impl Http {
    /// Clients for the server at `base`.
    ///
    /// # Errors
    /// When a client cannot be built.
    pub(crate) fn new(base: &str) -> Result<Self> {
        let clients = (0..SOURCES)
            .map(|n| {
                Client::builder()
                    .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 1, n + 1)))
                    .connect_timeout(Duration::from_secs(10))
                    .pool_max_idle_per_host(1024)
                    .build()
                    .context("building an HTTP client")
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            base: base.to_owned(),
            clients,
        })
    }

    /// A client for connection `n` (spread over the source addresses).
    pub(crate) fn client(&self, n: usize) -> &Client {
        &self.clients[n % self.clients.len()]
    }

    /// The same clients for another server (a second instance).
    pub(crate) fn with_base(&self, base: &str) -> Self {
        Self {
            base: base.to_owned(),
            clients: self.clients.clone(),
        }
    }
}

/// Source addresses for visitors: 198.18.0.0/15 (reserved for benchmarks,
/// RFC 2544), one per visitor, so each meets the per-address limits alone.
static NEXT_ADDRESS: AtomicU32 = AtomicU32::new(0);

fn next_address() -> Ipv4Addr {
    let n = NEXT_ADDRESS.fetch_add(1, Ordering::Relaxed) % (1 << 17);
    Ipv4Addr::from(u32::from(Ipv4Addr::new(198, 18, 0, 0)) + n)
}

/// Sends a request and reads its JSON answer, failing on another status.
async fn json_call(request: RequestBuilder, expected: StatusCode, what: &str) -> Result<Value> {
    let answer = request
        .send()
        .await
        .with_context(|| format!("{what}: no answer"))?;
    let status = answer.status();
    let body = answer
        .text()
        .await
        .with_context(|| format!("{what}: reading the answer"))?;
    if status != expected {
        bail!("{what}: {status}: {body}");
    }
    serde_json::from_str(&body).with_context(|| format!("{what}: not JSON: {body}"))
}

fn text_field(value: &Value, pointer: &str, what: &str) -> Result<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("{what}: no {pointer} in {value}"))
}

/// A signed-in admin (who is also an operator of every project).
#[derive(Debug, Clone)]
pub(crate) struct Admin {
    http: Http,
    token: String,
}

impl Admin {
    /// `POST /api/v1/admin/login` as `admin`.
    ///
    /// # Errors
    /// When the login is refused.
    pub(crate) async fn login(http: &Http, password: &str) -> Result<Self> {
        let request = http
            .client(0)
            .post(format!("{}/api/v1/admin/login", http.base))
            .json(&json!({"username": "admin", "password": password}));
        let answer = json_call(request, StatusCode::OK, "login").await?;
        Ok(Self {
            http: http.clone(),
            token: text_field(&answer, "/token", "login")?,
        })
    }

    /// `POST /api/v1/admin/projects` with room in every limit; answered by
    /// `upstream` (the fake's base URL) or, without one, by humans only.
    ///
    /// # Errors
    /// When the project is refused.
    pub(crate) async fn create_project(
        &self,
        name: &str,
        upstream: Option<&str>,
    ) -> Result<String> {
        let mut project = json!({
            "name": name,
            "allowed_origins": [ORIGIN],
            "limits": {
                "messages_per_minute": 600,
                "conversations_per_hour": 10000,
                "daily_ai_messages": 1_000_000,
                "daily_ai_tokens": 1_000_000_000,
                "messages_per_ip_per_minute": 6000,
                "max_output_tokens": 64,
            },
        });
        if let Some(upstream) = upstream {
            project["openai_api_key"] = json!(crate::processes::FAKE_KEY);
            project["openai_base_url"] = json!(upstream);
            project["model"] = json!("gpt-4o-mini");
            project["instructions"] = json!("Answer briefly.");
        }
        let request = self
            .http
            .client(0)
            .post(format!("{}/api/v1/admin/projects", self.http.base))
            .bearer_auth(&self.token)
            .json(&project);
        let answer = json_call(request, StatusCode::CREATED, "create project").await?;
        text_field(&answer, "/id", "create project")
    }

    /// `GET {path}` of the admin API, read to the end: its size in bytes.
    ///
    /// # Errors
    /// When the request fails or does not answer `200`.
    pub(crate) async fn read(&self, path: &str) -> Result<usize> {
        let response = self
            .http
            .client(0)
            .get(format!("{}{path}", self.http.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .with_context(|| format!("GET {path}"))?;
        anyhow::ensure!(status == StatusCode::OK, "GET {path}: {status}");
        Ok(body.len())
    }

    /// `POST …/conversations/{id}/takeover`.
    ///
    /// # Errors
    /// When it is refused.
    pub(crate) async fn take_over(&self, conversation: &str) -> Result<()> {
        let request = self
            .http
            .client(0)
            .post(format!(
                "{}/api/v1/admin/conversations/{conversation}/takeover",
                self.http.base
            ))
            .bearer_auth(&self.token);
        json_call(request, StatusCode::OK, "takeover")
            .await
            .map(drop)
    }

    /// `POST …/conversations/{id}/messages`; returns the status (`201`).
    ///
    /// # Errors
    /// When no answer comes.
    pub(crate) async fn send(
        &self,
        n: usize,
        conversation: &str,
        text: &str,
    ) -> Result<StatusCode> {
        let answer = self
            .http
            .client(n)
            .post(format!(
                "{}/api/v1/admin/conversations/{conversation}/messages",
                self.http.base
            ))
            .bearer_auth(&self.token)
            .json(&json!({"text": text}))
            .send()
            .await
            .context("operator message: no answer")?;
        Ok(answer.status())
    }
}

/// A visitor with a session: their token, conversation and address.
#[derive(Debug, Clone)]
pub(crate) struct Visitor {
    /// Which client (source address) their connections use.
    n: usize,
    /// Their address in `X-Forwarded-For`.
    ip: Ipv4Addr,
    token: String,
    /// The conversation `session` opened.
    pub(crate) conversation: String,
}

impl Visitor {
    /// `POST /api/v1/widget/session` from a new address.
    ///
    /// # Errors
    /// When the session is refused.
    pub(crate) async fn start(http: &Http, project: &str, n: usize) -> Result<Self> {
        let ip = next_address();
        let request = http
            .client(n)
            .post(format!("{}/api/v1/widget/session", http.base))
            .header("origin", ORIGIN)
            .header("x-forwarded-for", ip.to_string())
            .json(&json!({"project_id": project}));
        let answer = json_call(request, StatusCode::OK, "session").await?;
        Ok(Self {
            n,
            ip,
            token: text_field(&answer, "/visitor_token", "session")?,
            conversation: text_field(&answer, "/conversation_id", "session")?,
        })
    }

    /// `POST /api/v1/widget/messages`; returns the status (`202` stored).
    ///
    /// # Errors
    /// When no answer comes.
    pub(crate) async fn send(&self, http: &Http, text: &str) -> Result<StatusCode> {
        let answer = http
            .client(self.n)
            .post(format!("{}/api/v1/widget/messages", http.base))
            .header("origin", ORIGIN)
            .header("x-forwarded-for", self.ip.to_string())
            .bearer_auth(&self.token)
            .json(&json!({"text": text}))
            .send()
            .await
            .context("visitor message: no answer")?;
        let status = answer.status();
        // Read the body so that the connection goes back to the pool.
        answer
            .bytes()
            .await
            .context("visitor message: reading the answer")?;
        Ok(status)
    }

    /// Opens `GET /api/v1/widget/events` (live only, no replay).
    ///
    /// # Errors
    /// When the stream is refused.
    pub(crate) async fn events(&self, http: &Http) -> Result<EventStream> {
        let token: String = url::form_urlencoded::byte_serialize(self.token.as_bytes()).collect();
        let request = http
            .client(self.n)
            .get(format!("{}/api/v1/widget/events?token={token}", http.base))
            .header("origin", ORIGIN)
            .header("x-forwarded-for", self.ip.to_string());
        EventStream::open(request).await
    }
}

/// A `text/event-stream` answer, read event by event.
#[derive(Debug)]
pub(crate) struct EventStream {
    answer: reqwest::Response,
    parser: Parser,
    ready: VecDeque<Event>,
}

impl EventStream {
    /// Sends the request and checks for a `200`.
    ///
    /// # Errors
    /// When no answer or another status comes.
    pub(crate) async fn open(request: RequestBuilder) -> Result<Self> {
        let answer = request.send().await.context("event stream: no answer")?;
        if answer.status() != StatusCode::OK {
            let status = answer.status();
            let body = answer.text().await.unwrap_or_default();
            bail!("event stream: {status}: {body}");
        }
        Ok(Self {
            answer,
            parser: Parser::default(),
            ready: VecDeque::new(),
        })
    }

    /// The next event; `None` when the stream ends.
    ///
    /// # Errors
    /// When the connection fails.
    pub(crate) async fn next(&mut self) -> Result<Option<Event>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(Some(event));
            }
            let Some(chunk) = self.answer.chunk().await.context("event stream: reading")? else {
                return Ok(None);
            };
            self.ready.extend(self.parser.push(&chunk));
        }
    }

    /// Waits for the stream's first bytes (aiwidget opens with `retry:`), so
    /// that the server surely holds it.
    ///
    /// # Errors
    /// When the stream fails or ends first.
    pub(crate) async fn first_bytes(&mut self) -> Result<()> {
        let chunk = self.answer.chunk().await.context("event stream: reading")?;
        let chunk = chunk.context("event stream: ended at once")?;
        self.ready.extend(self.parser.push(&chunk));
        Ok(())
    }
}
