//! `POST /embeddings`: texts to vectors with the project's embedding model
//! (issue 18), `{"model", "input": [..], "encoding_format": "float"}` →
//! `{"data": [{"index", "embedding"}], "usage": {"prompt_tokens"}}`.
//! Refused 429/5xx answers are tried again (a short pause, at most the
//! policy's retries); a `404` that does not name the model means the
//! provider has no embeddings endpoint ([`LlmErrorKind::NotFound`]).

use super::errors::{ErrorInfo, is_retryable, status_kind};
use crate::llm::{Account, CallPolicy, Embeddings, LlmErrorKind};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// How long one call may take (a batch of up to a few hundred chunks).
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Deserialize)]
struct Answer {
    data: Vec<Item>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Item {
    index: usize,
    embedding: Vec<f32>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: i64,
}

/// The vectors of `inputs`, in their order.
pub(super) async fn embed(
    http: &reqwest::Client,
    policy: CallPolicy,
    account: Account<'_>,
    model: &str,
    inputs: &[String],
) -> Result<Embeddings, LlmErrorKind> {
    let body = json!({ "model": model, "input": inputs, "encoding_format": "float" });
    let mut attempt = 0;
    let response = loop {
        let sent = http
            .post(format!("{}/embeddings", account.base_url))
            .bearer_auth(account.api_key)
            .json(&body)
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(|err| {
                let kind = if err.is_timeout() {
                    LlmErrorKind::Timeout
                } else {
                    LlmErrorKind::Unreachable
                };
                tracing::warn!(error = %err.without_url(), "provider unreachable");
                kind
            })?;
        let status = sent.status().as_u16();
        if is_retryable(status) && attempt < policy.max_retries {
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            continue;
        }
        break sent;
    };
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let body = response.bytes().await.unwrap_or_default();
        let error = ErrorInfo::from_body(&body);
        return Err(match status_kind(status, &error) {
            LlmErrorKind::BadRequest if status == 404 || status == 405 => LlmErrorKind::NotFound,
            kind => kind,
        });
    }
    let answer: Answer = response
        .json()
        .await
        .map_err(|_| LlmErrorKind::BadResponse)?;
    in_order(answer, inputs.len())
}

/// The answer's vectors in the inputs' order: exactly one per input, all of
/// one length, else [`LlmErrorKind::BadResponse`].
fn in_order(answer: Answer, expected: usize) -> Result<Embeddings, LlmErrorKind> {
    let mut vectors: Vec<Option<Vec<f32>>> = vec![None; expected];
    for item in answer.data {
        let slot = vectors
            .get_mut(item.index)
            .ok_or(LlmErrorKind::BadResponse)?;
        *slot = Some(item.embedding);
    }
    let vectors: Vec<Vec<f32>> = vectors
        .into_iter()
        .collect::<Option<_>>()
        .ok_or(LlmErrorKind::BadResponse)?;
    let dimensions = vectors.first().map_or(0, Vec::len);
    if vectors
        .iter()
        .any(|vector| vector.len() != dimensions || vector.is_empty())
    {
        return Err(LlmErrorKind::BadResponse);
    }
    Ok(Embeddings {
        vectors,
        tokens: answer.usage.map(|usage| usage.prompt_tokens),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: &str) -> Answer {
        serde_json::from_str(json).expect("an answer")
    }

    #[test]
    fn vectors_come_back_in_the_inputs_order_or_the_answer_is_bad() {
        let got = in_order(
            answer(r#"{"data":[{"index":1,"embedding":[0.0,1.0]},{"index":0,"embedding":[1.0,0.0]}],"usage":{"prompt_tokens":7}}"#),
            2,
        )
        .expect("in order");
        assert_eq!(got.vectors, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
        assert_eq!(got.tokens, Some(7));
        let missing = answer(r#"{"data":[{"index":0,"embedding":[1.0]}]}"#);
        assert_eq!(
            in_order(missing, 2).expect_err("bad"),
            LlmErrorKind::BadResponse
        );
        let ragged =
            answer(r#"{"data":[{"index":0,"embedding":[1.0]},{"index":1,"embedding":[1.0,2.0]}]}"#);
        assert_eq!(
            in_order(ragged, 2).expect_err("bad"),
            LlmErrorKind::BadResponse
        );
        let beyond = answer(r#"{"data":[{"index":3,"embedding":[1.0]}]}"#);
        assert_eq!(
            in_order(beyond, 1).expect_err("bad"),
            LlmErrorKind::BadResponse
        );
    }
}
