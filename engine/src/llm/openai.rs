//! [`OpenAiProvider`]: one streaming call to an OpenAI (or compatible) API,
//! in the `responses` or `chat_completions` style.
//!
//! # Layout
//! - this file: the provider and the stream that reads the answer (first-byte
//!   and idle time-outs, one `Completed` or one error at the end).
//! - `send`: sending the request, with bounded retries on 429/5xx and the
//!   `stream_options` fallback.
//! - `errors`: statuses and error codes mapped to [`LlmErrorKind`]s.
//! - `listing`: the models and the vector stores of a key.
//! - `store`: files and the project's own vector store (upload, attach,
//!   status, delete), and whether a key can read a vector store.
//! - `embeddings`: texts to vectors (`POST /embeddings`), retried on 429/5xx.
//! - `call`: one non-streaming call with its answer read and its refusal mapped.
//! - `sse`: the server-sent-events parser.
//! - `responses`, `chat`: each style's request body and event parser.

mod call;
mod chat;
mod embeddings;
mod errors;
mod listing;
mod responses;
mod send;
mod sse;
mod store;
#[cfg(test)]
mod tests;

use super::{
    Account, CallPolicy, Embeddings, LlmError, LlmErrorKind, LlmEvent, LlmProvider, LlmRequest,
    StoreFileStatus, Stored,
};
use contract::chat::Source;
use contract::projects::{ApiStyle, VectorStoreInfo};
use futures_util::future::{BoxFuture, FutureExt as _};
use futures_util::stream::{BoxStream, Stream, StreamExt};
use sse::{SseEvent, SseParser};
use tokio::time::{timeout, timeout_at};

/// Calls OpenAI-style APIs over a shared HTTP client (connect time-out only:
/// the first-byte and idle time-outs of [`CallPolicy`] are kept here).
#[derive(Debug, Clone)]
pub struct OpenAiProvider {
    http: reqwest::Client,
    policy: CallPolicy,
}

impl OpenAiProvider {
    /// A provider over `http`, which must have no total `.timeout()` (it would cut long answers).
    #[must_use]
    pub fn new(http: reqwest::Client, policy: CallPolicy) -> Self {
        Self { http, policy }
    }

    /// `Unreachable` for a base URL on a private IP literal where private
    /// addresses are refused (names are refused by the client's resolver).
    fn check_reach(&self, base_url: &str) -> Result<(), LlmErrorKind> {
        if !self.policy.allow_private && super::addresses::names_private_literal(base_url) {
            tracing::warn!(
                host = host_of(base_url),
                "a private provider address was refused"
            );
            return Err(LlmErrorKind::Unreachable);
        }
        Ok(())
    }
}

impl LlmProvider for OpenAiProvider {
    fn stream(&self, request: LlmRequest) -> BoxStream<'static, Result<LlmEvent, LlmError>> {
        if let Err(kind) = self.check_reach(&request.base_url) {
            return futures_util::stream::once(async move { Err(kind.into()) }).boxed();
        }
        answer(self.http.clone(), self.policy, request).boxed()
    }

    fn list_models<'a>(
        &'a self,
        base_url: &'a str,
        api_key: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, LlmError>> {
        async move {
            self.check_reach(base_url)?;
            listing::models(&self.http, base_url, api_key)
                .await
                .map_err(LlmError::from)
        }
        .boxed()
    }

    fn list_vector_stores<'a>(
        &'a self,
        base_url: &'a str,
        api_key: &'a str,
    ) -> BoxFuture<'a, Result<Vec<VectorStoreInfo>, LlmError>> {
        async move {
            self.check_reach(base_url)?;
            listing::vector_stores(&self.http, base_url, api_key)
                .await
                .map_err(LlmError::from)
        }
        .boxed()
    }

    fn upload_file<'a>(
        &'a self,
        account: Account<'a>,
        filename: &'a str,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<String, LlmError>> {
        async move {
            self.check_reach(account.base_url)?;
            Ok(store::upload_file(&self.http, account, filename, bytes).await?)
        }
        .boxed()
    }

    fn create_vector_store<'a>(
        &'a self,
        account: Account<'a>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<String, LlmError>> {
        async move {
            self.check_reach(account.base_url)?;
            Ok(store::create_vector_store(&self.http, account, name).await?)
        }
        .boxed()
    }

    fn attach_file<'a>(
        &'a self,
        account: Account<'a>,
        store_id: &'a str,
        file_id: &'a str,
        attributes: &'a serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'a, Result<StoreFileStatus, LlmError>> {
        async move {
            self.check_reach(account.base_url)?;
            Ok(store::attach_file(&self.http, account, store_id, file_id, attributes).await?)
        }
        .boxed()
    }

    fn store_file_status<'a>(
        &'a self,
        account: Account<'a>,
        store_id: &'a str,
        file_id: &'a str,
    ) -> BoxFuture<'a, Result<StoreFileStatus, LlmError>> {
        async move {
            self.check_reach(account.base_url)?;
            Ok(store::store_file_status(&self.http, account, store_id, file_id).await?)
        }
        .boxed()
    }

    fn read_vector_store<'a>(
        &'a self,
        account: Account<'a>,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), LlmError>> {
        async move {
            self.check_reach(account.base_url)?;
            Ok(store::read_vector_store(&self.http, account, id).await?)
        }
        .boxed()
    }

    fn delete<'a>(
        &'a self,
        account: Account<'a>,
        what: Stored<'a>,
    ) -> BoxFuture<'a, Result<(), LlmError>> {
        async move {
            self.check_reach(account.base_url)?;
            Ok(store::delete(&self.http, account, &what.path()).await?)
        }
        .boxed()
    }

    fn embed<'a>(
        &'a self,
        account: Account<'a>,
        model: &'a str,
        inputs: &'a [String],
    ) -> BoxFuture<'a, Result<Embeddings, LlmError>> {
        async move {
            self.check_reach(account.base_url)?;
            Ok(embeddings::embed(&self.http, self.policy, account, model, inputs).await?)
        }
        .boxed()
    }
}

/// What one event means for the call.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// Nothing to tell (an ignored event, a citation kept for the end).
    Continue,
    /// Text to pass on.
    Delta(String),
    /// The answer is complete: this is the `Completed` event.
    Done(LlmEvent),
    /// The provider reported a failure inside the stream.
    Failed(LlmErrorKind),
}

/// The parser of the request's style.
enum Parser {
    Responses(responses::Parser),
    Chat(chat::Parser),
}

impl Parser {
    fn new(request: &LlmRequest) -> Self {
        let input_chars = request.instructions.chars().count()
            + request
                .turns
                .iter()
                .map(|turn| turn.text.chars().count())
                .sum::<usize>();
        match request.style {
            ApiStyle::Responses => Self::Responses(responses::Parser::new(input_chars)),
            ApiStyle::ChatCompletions => Self::Chat(chat::Parser::new(input_chars)),
        }
    }

    fn on_event(&mut self, event: &SseEvent) -> Step {
        match self {
            Self::Responses(parser) => parser.on_data(&event.data),
            Self::Chat(parser) => parser.on_data(&event.data),
        }
    }

    /// The body ended before a completion event.
    fn on_end(&mut self) -> Result<LlmEvent, LlmErrorKind> {
        match self {
            Self::Responses(_) => Err(LlmErrorKind::StreamCut),
            Self::Chat(parser) => parser.on_end(),
        }
    }
}

/// The call as a stream. It owns the response: dropping it closes the upstream connection.
fn answer(
    http: reqwest::Client,
    policy: CallPolicy,
    request: LlmRequest,
) -> impl Stream<Item = Result<LlmEvent, LlmError>> + Send + 'static {
    async_stream::stream! {
        let host = host_of(&request.base_url);
        let (mut response, first_byte_deadline) =
            match send::open(&http, &policy, &request, &host).await {
                Ok(opened) => opened,
                Err(kind) => {
                    yield Err(kind.into());
                    return;
                }
            };
        let mut parser = Parser::new(&request);
        let mut sse = SseParser::default();
        let mut started = false;
        loop {
            // Until the first text, the deadline set when the request was sent (a
            // Responses stream says `response.created` at once, then may think for
            // a long while); after it, idle gaps between chunks.
            let read = if started {
                timeout(policy.idle, response.chunk()).await
            } else {
                timeout_at(first_byte_deadline, response.chunk()).await
            };
            let (events, ended) = match read {
                Err(_elapsed) => {
                    yield Err(failure(LlmErrorKind::Timeout, &host));
                    return;
                }
                Ok(Err(_cut)) => {
                    yield Err(failure(LlmErrorKind::StreamCut, &host));
                    return;
                }
                Ok(Ok(None)) => (sse.finish().into_iter().collect(), true),
                Ok(Ok(Some(bytes))) => if let Ok(events) = sse.push(&bytes) { (events, false) } else {
                    yield Err(failure(LlmErrorKind::UpstreamError, &host));
                    return;
                },
            };
            for event in &events {
                match parser.on_event(event) {
                    Step::Continue => {}
                    Step::Delta(text) => {
                        started = true;
                        yield Ok(LlmEvent::Delta(text));
                    }
                    Step::Done(completed) => {
                        yield Ok(completed);
                        return;
                    }
                    Step::Failed(kind) => {
                        yield Err(failure(kind, &host));
                        return;
                    }
                }
            }
            if ended {
                yield parser.on_end().map_err(|kind| failure(kind, &host));
                return;
            }
        }
    }
}

/// Logs a failure inside the stream (kind and host only) and makes it the stream's error.
fn failure(kind: LlmErrorKind, host: &str) -> LlmError {
    tracing::warn!(kind = kind.code(), host, "the AI stream failed");
    kind.into()
}

/// The host of the base URL, the only part of it that is logged.
fn host_of(base_url: &str) -> String {
    reqwest::Url::parse(base_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Adds a citation unless its file is already cited (order kept; a missing
/// filename is filled in by a later citation of the same file).
fn add_source(sources: &mut Vec<Source>, file_id: &str, filename: Option<String>) {
    match sources.iter_mut().find(|source| source.file_id == file_id) {
        Some(known) => {
            if known.filename.is_none() {
                known.filename = filename;
            }
        }
        None => sources.push(Source {
            file_id: file_id.to_owned(),
            filename,
            url: None,
            title: None,
        }),
    }
}

/// Tokens estimated from characters when the provider sends no usage: 4 per token, rounded up.
fn estimate_tokens(chars: usize) -> i64 {
    i64::try_from(chars.div_ceil(4)).unwrap_or(i64::MAX)
}
