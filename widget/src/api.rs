//! The v1 widget API, typed with the shared DTOs of `contract`.

use contract::widget::{
    ContactRequest, SendMessageRequest, SendMessageResponse, SessionRequest, SessionResponse,
};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

/// Why a call failed: the API's error code (`rate_limited`, …), or `network`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
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

/// `POST /api/v1/widget/session`.
pub async fn session(server: &str, request: &SessionRequest) -> Result<SessionResponse, ApiError> {
    let response = Request::post(&format!("{server}/api/v1/widget/session"))
        .json(request)?
        .send()
        .await?;
    read(response).await
}

/// `POST /api/v1/widget/messages`.
pub async fn send(
    server: &str,
    token: &str,
    request: &SendMessageRequest,
) -> Result<SendMessageResponse, ApiError> {
    let response = Request::post(&format!("{server}/api/v1/widget/messages"))
        .header("Authorization", &format!("Bearer {token}"))
        .json(request)?
        .send()
        .await?;
    read(response).await
}

/// `POST /api/v1/widget/contact`: the visitor's contact when nobody came.
pub async fn contact(server: &str, token: &str, request: &ContactRequest) -> Result<(), ApiError> {
    let response = Request::post(&format!("{server}/api/v1/widget/contact"))
        .header("Authorization", &format!("Bearer {token}"))
        .json(request)?
        .send()
        .await?;
    read::<serde::de::IgnoredAny>(response).await.map(|_| ())
}

/// `POST /api/v1/widget/handoff` (or `typing`): an action without a body.
pub async fn action(server: &str, token: &str, name: &str) -> Result<(), ApiError> {
    let response = Request::post(&format!("{server}/api/v1/widget/{name}"))
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await?;
    read::<serde::de::IgnoredAny>(response).await.map(|_| ())
}
