//! The v1 widget API, typed with the shared DTOs of `contract`, except where the
//! widget reads only part of an answer: there it has its own smaller shapes
//! (the parts it shows, with ids kept as the text the server sent), so that
//! its wasm carries no date or UUID parser and no deserialiser of fields it
//! never reads. What goes over the wire is the same.

use contract::chat::{ConversationStatus, MessageRole, MessageStatus, Source};
use contract::widget::{ContactRequest, RatingRequest, SendMessageRequest};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

/// The part of `WidgetConfig` the panel uses (the loader reads the rest).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Config {
    pub project_id: String,
    pub greeting: String,
    /// Shown before the first message when set.
    pub privacy_notice: Option<String>,
    /// Its version, sent as `consent_version` once accepted.
    pub privacy_notice_version: Option<String>,
    /// The longest message the visitor may send, in characters.
    pub max_message_chars: i32,
    /// After which closed conversations the panel asks for a rating (a
    /// `RatingAfter` by name: a string costs the wasm less than the enum's
    /// own deserialiser).
    #[serde(default)]
    pub rating_after: String,
}

/// The part of a `MessageView` the panel shows.
#[derive(Clone, serde::Deserialize)]
pub(crate) struct Message {
    pub id: String,
    pub role: MessageRole,
    pub text: String,
    pub status: MessageStatus,
    pub author_name: Option<String>,
    pub sources: Vec<Source>,
    pub error_kind: Option<String>,
}

/// `SessionRequest`, with the project id as the config gave it (the same JSON).
#[derive(serde::Serialize)]
pub(crate) struct SessionRequest<'a> {
    pub project_id: &'a str,
    pub visitor_token: Option<String>,
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub locale: Option<String>,
    pub consent_version: Option<String>,
}

/// The part of `SessionResponse` the panel uses.
#[derive(serde::Deserialize)]
pub(crate) struct Session {
    pub visitor_token: String,
    pub status: ConversationStatus,
    pub messages: Vec<Message>,
    pub last_event_id: i64,
}

/// The part of `SendMessageResponse` the panel uses.
#[derive(serde::Deserialize)]
pub(crate) struct Sent {
    pub message: Message,
}

/// Why a call failed: the API's error code (`rate_limited`, …), or `network`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub code: String,
}

impl From<gloo_net::Error> for ApiError {
    fn from(_: gloo_net::Error) -> Self {
        Self {
            code: "network".into(),
        }
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return Ok(response.json().await?);
    }
    /// The part of `{"error","message"}` the widget reads (a smaller
    /// deserialiser than the whole `ErrorBody`, whose field map it never shows).
    #[derive(serde::Deserialize)]
    struct Code {
        error: String,
    }
    let code = response
        .json::<Code>()
        .await
        .map(|body| body.error)
        .unwrap_or_else(|_| "network".into());
    Err(ApiError { code })
}

/// `GET /api/v1/widget/config` (again: the privacy notice changed).
pub(crate) async fn config(server: &str, project_id: &str) -> Result<Config, ApiError> {
    let url = format!("{server}/api/v1/widget/config?project_id={project_id}");
    let text = Request::get(&url).send().await?.text().await?;
    serde_json::from_str(&text).map_err(|_| ApiError {
        code: "network".into(),
    })
}

/// `POST /api/v1/widget/{name}` with `body` as JSON (or none), as the
/// visitor when `token` is given. One request path for every call keeps the
/// wasm small (the widget's size budget, `tests/sizes.mjs`).
async fn post(
    server: &str,
    name: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Result<Response, ApiError> {
    let mut request = Request::post(&format!("{server}/api/v1/widget/{name}"));
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    Ok(match body {
        Some(body) => {
            request
                .header("Content-Type", "application/json")
                .body(body)?
                .send()
                .await?
        }
        None => request.send().await?,
    })
}

/// `value` as a JSON body.
fn json(value: &impl serde::Serialize) -> Option<String> {
    serde_json::to_string(value).ok()
}

/// A call whose answer the widget does not read.
async fn done(response: Response) -> Result<(), ApiError> {
    read::<serde::de::IgnoredAny>(response).await.map(|_| ())
}

/// `POST /api/v1/widget/session`.
pub(crate) async fn session(
    server: &str,
    request: &SessionRequest<'_>,
) -> Result<Session, ApiError> {
    read(post(server, "session", None, json(request)).await?).await
}

/// `POST /api/v1/widget/messages`.
pub(crate) async fn send(
    server: &str,
    token: &str,
    request: &SendMessageRequest,
) -> Result<Sent, ApiError> {
    read(post(server, "messages", Some(token), json(request)).await?).await
}

/// `POST /api/v1/widget/contact`: the visitor's contact when nobody came.
pub(crate) async fn contact(
    server: &str,
    token: &str,
    request: &ContactRequest,
) -> Result<(), ApiError> {
    done(post(server, "contact", Some(token), json(request)).await?).await
}

/// `POST /api/v1/widget/rating`: the visitor rates the conversation just closed.
pub(crate) async fn rate(
    server: &str,
    token: &str,
    request: &RatingRequest,
) -> Result<(), ApiError> {
    done(post(server, "rating", Some(token), json(request)).await?).await
}

/// `POST /api/v1/widget/handoff` (or `typing`, `close`): an action without a body.
pub(crate) async fn action(server: &str, token: &str, name: &str) -> Result<(), ApiError> {
    done(post(server, name, Some(token), None).await?).await
}
