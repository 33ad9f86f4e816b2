//! The scripted upstream of the end-to-end tests: an axum server on
//! 127.0.0.1:0 that records each request and answers as its script says.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// What the upstream answers to one request.
pub(super) enum Reply {
    /// 200 with this whole SSE body.
    Sse(String),
    /// This status, headers and body.
    Status(u16, Vec<(&'static str, &'static str)>, &'static str),
    /// Headers only after this long.
    LateHeaders(Duration),
    /// 200 headers at once, then this text, then nothing ever.
    Stall(String),
    /// This text, then `: ping` comments every 50 ms; `dropped` is notified
    /// when the server drops the body (the client went away).
    Pinging { first: String, dropped: Arc<Notify> },
}

/// A request as the upstream received it.
#[derive(Debug, Clone)]
pub(super) struct Recorded {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

type Script = dyn Fn(usize) -> Reply + Send + Sync;

#[derive(Clone)]
pub(super) struct Upstream {
    script: Arc<Script>,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Upstream {
    /// Starts the upstream; `script` answers the n-th request (from 0).
    pub(super) async fn start(
        script: impl Fn(usize) -> Reply + Send + Sync + 'static,
    ) -> (Self, String) {
        let upstream = Self {
            script: Arc::new(script),
            requests: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port");
        let address = listener.local_addr().expect("a local address");
        let app = Router::new().fallback(handle).with_state(upstream.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        (upstream, format!("http://{address}/v1"))
    }

    pub(super) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("requests lock").clone()
    }
}

async fn handle(
    State(upstream): State<Upstream>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let index = {
        let mut requests = upstream.requests.lock().expect("requests lock");
        requests.push(Recorded {
            path: uri.path().to_owned(),
            authorization: headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
        requests.len() - 1
    };
    let sse = [(header::CONTENT_TYPE, "text/event-stream")];
    match (upstream.script)(index) {
        Reply::Sse(text) => (sse, text).into_response(),
        Reply::Status(status, extra, text) => {
            let mut response =
                (StatusCode::from_u16(status).expect("a status"), text).into_response();
            for (name, value) in extra {
                response
                    .headers_mut()
                    .insert(name, value.parse().expect("a header value"));
            }
            response
        }
        Reply::LateHeaders(delay) => {
            tokio::time::sleep(delay).await;
            (sse, "").into_response()
        }
        Reply::Stall(first) => {
            let body = futures_util::stream::once(async move { Ok::<_, Infallible>(first) })
                .chain(futures_util::stream::pending());
            (sse, Body::from_stream(body)).into_response()
        }
        Reply::Pinging { first, dropped } => {
            let guard = NotifyOnDrop(dropped);
            let body =
                futures_util::stream::unfold((guard, Some(first)), |(guard, first)| async move {
                    let text = if let Some(first) = first {
                        first
                    } else {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        ": ping\n\n".to_owned()
                    };
                    Some((Ok::<_, Infallible>(text), (guard, None)))
                });
            (sse, Body::from_stream(body)).into_response()
        }
    }
}

struct NotifyOnDrop(Arc<Notify>);

impl Drop for NotifyOnDrop {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}
