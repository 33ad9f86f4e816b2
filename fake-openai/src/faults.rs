//! Injected faults and the middleware that records every request and applies
//! the next queued fault before the routes see it.

use crate::Recorded;
use crate::VALID_KEY;
use crate::errors::{error, invalid_key, server_error};
use crate::script::{Shared, lock};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use std::time::Duration;

/// What the fake answers instead of success. Faults queue up with
/// `FakeOpenAi::fail_next` and each one is used by the next request, whatever
/// its route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `401 invalid_api_key`, whatever the key.
    InvalidKey,
    /// `403 unsupported_country_region_territory`, as OpenAI answers some regions.
    RegionRefused,
    /// `429 rate_limit_exceeded` with `retry-after: <seconds>`.
    RateLimited {
        /// The seconds in `retry-after`.
        retry_after_secs: u64,
    },
    /// `500 server_error`.
    ServerError,
    /// No answer for this long (a time-out on the client's side).
    Hang(Duration),
    /// A stream sends this many deltas (or all of them, if fewer) and then
    /// its body ends without completion or `[DONE]`: a dropped connection.
    /// Without streaming, the JSON body stops halfway.
    StreamCut {
        /// The deltas sent before the fault.
        after_deltas: usize,
    },
    /// A stream sends this many deltas, then an error event, then ends.
    /// Without streaming: `500 server_error`.
    StreamError {
        /// The deltas sent before the fault.
        after_deltas: usize,
    },
    /// A Responses stream sends this many deltas, then `response.failed`;
    /// a chat stream behaves as with [`Fault::StreamError`].
    /// Without streaming: `500 server_error`.
    ResponseFailed {
        /// The deltas sent before the fault.
        after_deltas: usize,
    },
    /// A stream pauses this long after this many deltas, then goes on
    /// normally. Without streaming, the answer comes that much later.
    Stall {
        /// The deltas sent before the pause.
        after_deltas: usize,
        /// How long it pauses.
        duration: Duration,
    },
}

impl Fault {
    /// Whether the fault acts inside the answer rather than replacing it.
    fn is_mid_answer(&self) -> bool {
        matches!(
            self,
            Self::StreamCut { .. }
                | Self::StreamError { .. }
                | Self::ResponseFailed { .. }
                | Self::Stall { .. }
        )
    }

    /// After how many deltas a mid-answer fault acts.
    pub(crate) fn after_deltas(&self) -> Option<usize> {
        match self {
            Self::StreamCut { after_deltas }
            | Self::StreamError { after_deltas }
            | Self::ResponseFailed { after_deltas }
            | Self::Stall { after_deltas, .. } => Some(*after_deltas),
            _ => None,
        }
    }
}

/// The mid-answer fault handed to the routes as a request extension.
#[derive(Debug, Clone, Default)]
pub(crate) struct PendingFault(pub Option<Fault>);

/// Records the request (with its JSON body), applies the next fault and then
/// checks the API key.
pub(crate) async fn record_and_fault(
    State(script): State<Shared>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return error(StatusCode::BAD_REQUEST, "invalid_body", "Unreadable body");
    };
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let fault = {
        let mut script = lock(&script);
        script.requests.push(Recorded {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            authorization: authorization.clone(),
            body: (parts.method == Method::POST)
                .then(|| serde_json::from_slice::<Value>(&bytes).ok())
                .flatten(),
        });
        (!script.faults.is_empty()).then(|| script.faults.remove(0))
    };
    let mut pending = PendingFault::default();
    match fault {
        Some(fault) if fault.is_mid_answer() => pending.0 = Some(fault),
        Some(fault) => {
            if let Some(response) = answer_instead(fault).await {
                return response;
            }
        }
        None => {}
    }
    if authorization.as_deref() != Some(&format!("Bearer {VALID_KEY}")) {
        return invalid_key();
    }
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(pending);
    next.run(request).await
}

/// The answer a before-answer fault gives, or `None` to go on (after a hang).
async fn answer_instead(fault: Fault) -> Option<Response> {
    match fault {
        Fault::InvalidKey => Some(invalid_key()),
        Fault::RegionRefused => Some(error(
            StatusCode::FORBIDDEN,
            "unsupported_country_region_territory",
            "Country, region, or territory not supported",
        )),
        Fault::RateLimited { retry_after_secs } => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "Rate limit reached",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_secs.into());
            Some(response)
        }
        Fault::ServerError => Some(server_error()),
        Fault::Hang(duration) => {
            tokio::time::sleep(duration).await;
            None
        }
        _ => None,
    }
}
