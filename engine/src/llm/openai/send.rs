//! Sending the request until the provider accepts it: bounded retries on
//! 429/5xx (honouring `retry-after`), the `stream_options` fallback of the
//! `chat_completions` style, and refusals mapped to kinds. Nothing here runs
//! after the first token: a stream that fails later is not retried.

use super::errors::{ErrorInfo, is_retryable, status_kind};
use super::{chat, responses};
use crate::llm::{CallPolicy, LlmErrorKind, LlmRequest};
use contract::projects::ApiStyle;
use reqwest::header::HeaderMap;
use std::time::Duration;
use tokio::time::{Instant, sleep, timeout_at};

/// The most of an error answer read to classify it.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The first wait between tries when the provider names none; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// Sends the request, retrying as the policy allows. Returns the accepted
/// response and the first-byte deadline of its request, which still runs
/// until the first event of the body.
///
/// # Errors
/// The mapped kind of the last refusal, [`LlmErrorKind::Unreachable`] if no
/// connection could be made, [`LlmErrorKind::Timeout`] if no headers came in time.
pub(super) async fn open(
    http: &reqwest::Client,
    policy: &CallPolicy,
    request: &LlmRequest,
    host: &str,
) -> Result<(reqwest::Response, Instant), LlmErrorKind> {
    let base = request.base_url.trim_end_matches('/');
    let url = match request.style {
        ApiStyle::Responses => format!("{base}/responses"),
        ApiStyle::ChatCompletions => format!("{base}/chat/completions"),
    };
    let mut include_usage = true;
    let mut retries = 0;
    loop {
        let body = match request.style {
            ApiStyle::Responses => responses::body(request),
            ApiStyle::ChatCompletions => chat::body(request, include_usage),
        };
        let deadline = Instant::now() + policy.first_byte;
        let sent = http
            .post(&url)
            .bearer_auth(&request.api_key)
            .json(&body)
            .send();
        let mut response = match timeout_at(deadline, sent).await {
            Ok(Ok(response)) => response,
            Ok(Err(_unreachable)) => return Err(logged(LlmErrorKind::Unreachable, None, host)),
            Err(_elapsed) => return Err(logged(LlmErrorKind::Timeout, None, host)),
        };
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok((response, deadline));
        }
        let wait = retry_after(response.headers());
        let error = ErrorInfo::from_body(&read_capped(&mut response, deadline).await);
        drop(response);
        let kind = logged(status_kind(status, &error), Some(status), host);
        if request.style == ApiStyle::ChatCompletions
            && include_usage
            && status == 400
            && error.mentions("stream_options")
        {
            // Some compatible providers refuse `stream_options`: once more without it.
            include_usage = false;
            continue;
        }
        if !is_retryable(status)
            || kind == LlmErrorKind::QuotaExceeded
            || retries >= policy.max_retries
        {
            return Err(kind);
        }
        let wait = match wait {
            Some(wait) if wait > policy.max_retry_wait => return Err(kind),
            Some(wait) => wait,
            None => backoff(retries).min(policy.max_retry_wait),
        };
        sleep(wait).await;
        retries += 1;
    }
}

/// Logs a refusal or a failed send: the status, the kind and the host, never the body.
fn logged(kind: LlmErrorKind, status: Option<u16>, host: &str) -> LlmErrorKind {
    tracing::warn!(status, kind = kind.code(), host, "the AI call was refused");
    kind
}

/// Reads at most [`MAX_ERROR_BODY`] bytes of an error answer before `deadline`.
async fn read_capped(response: &mut reqwest::Response, deadline: Instant) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body
}

/// The wait the provider asks for: `retry-after-ms` (OpenAI's), else
/// `retry-after` in seconds. An HTTP date is not read (the backoff applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok();
    let seconds = number("retry-after-ms")
        .map(|millis| millis / 1000.0)
        .or_else(|| number("retry-after"))?;
    Duration::try_from_secs_f64(seconds).ok()
}

/// 250 ms × 2^`retries`.
fn backoff(retries: u32) -> Duration {
    FIRST_BACKOFF.saturating_mul(1_u32.checked_shl(retries).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    type Pairs = &'static [(&'static str, &'static str)];

    fn headers(pairs: Pairs) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    /// Seconds, fractions and milliseconds are read; dates and junk are not.
    #[test]
    fn reads_retry_after() {
        let cases: [(Pairs, Option<Duration>); 6] = [
            (&[("retry-after", "2")], Some(Duration::from_secs(2))),
            (
                &[("retry-after", " 0.5 ")],
                Some(Duration::from_millis(500)),
            ),
            (
                &[("retry-after", "20"), ("retry-after-ms", "1500")],
                Some(Duration::from_millis(1500)),
            ),
            (&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")], None),
            (&[("retry-after", "-1")], None),
            (&[], None),
        ];
        for (pairs, expected) in cases {
            assert_eq!(retry_after(&headers(pairs)), expected, "{pairs:?}");
        }
    }

    /// The backoff doubles from 250 ms and never overflows.
    #[test]
    fn backoff_doubles() {
        assert_eq!(backoff(0), Duration::from_millis(250));
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(3), Duration::from_secs(2));
        assert!(backoff(40) >= Duration::from_secs(3600));
    }
}
