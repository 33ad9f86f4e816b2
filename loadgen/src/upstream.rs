//! Calls straight to an OpenAI-style upstream (the fake, or LiteLLM in front
//! of it): the time to the first answer text, the figure every relay's own
//! cost is measured against.

use crate::client::EventStream;
use crate::sse::upstream_text;
use anyhow::{Context, Result, bail};
use reqwest::Client;
use serde_json::json;
use std::time::{Duration, Instant};

/// Which endpoint: aiwidget calls the Responses API by default; LiteLLM's
/// proxy is called through Chat Completions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `POST /responses`.
    Responses,
    /// `POST /chat/completions`.
    Chat,
}

/// One streamed question to `base_url` (ending in `/v1`): the time from the
/// request to the first text; the rest of the answer is read to its end so
/// that the upstream finishes its work as it would for a relay.
///
/// # Errors
/// When the call fails or the answer has no text.
pub(crate) async fn first_text(
    client: &Client,
    base_url: &str,
    key: &str,
    style: Style,
) -> Result<Duration> {
    let (path, body) = match style {
        Style::Responses => (
            "responses",
            json!({"model": "gpt-4o-mini", "input": "Hello", "stream": true, "max_output_tokens": 64}),
        ),
        Style::Chat => (
            "chat/completions",
            json!({"model": "gpt-4o-mini", "stream": true, "max_tokens": 64,
                   "messages": [{"role": "user", "content": "Hello"}]}),
        ),
    };
    let request = client
        .post(format!("{base_url}/{path}"))
        .bearer_auth(key)
        .json(&body);
    let started = Instant::now();
    let mut stream = EventStream::open(request).await?;
    let mut first = None;
    while let Some(event) = stream.next().await? {
        if first.is_none() && upstream_text(&event) {
            first = Some(started.elapsed());
        }
    }
    match first {
        Some(first) => Ok(first),
        None => bail!("{base_url}/{path}: an answer without text"),
    }
}

/// `samples` calls one after the other.
///
/// # Errors
/// When one fails.
pub(crate) async fn sequential(
    client: &Client,
    base_url: &str,
    key: &str,
    style: Style,
    samples: usize,
) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        times.push(first_text(client, base_url, key, style).await?);
    }
    Ok(times)
}

/// `rounds` times, `at_once` calls started together.
///
/// # Errors
/// When one fails.
pub(crate) async fn bursts(
    client: &Client,
    base_url: &str,
    key: &str,
    style: Style,
    at_once: usize,
    rounds: usize,
) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(at_once * rounds);
    for _ in 0..rounds {
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..at_once {
            let (client, base_url, key) = (client.clone(), base_url.to_owned(), key.to_owned());
            calls.spawn(async move { first_text(&client, &base_url, &key, style).await });
        }
        while let Some(time) = calls.join_next().await {
            times.push(time.context("a call's task")??);
        }
    }
    Ok(times)
}
