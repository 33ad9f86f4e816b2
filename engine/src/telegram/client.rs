//! [`Bot`]: the calls, and how Telegram's answers become results or errors.

use super::error::Error;
use super::types::{EditMessageText, Message, Polled, SendMessage, User};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::fmt;
use std::time::Duration;

/// The longest an ordinary call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How much longer than its poll a `getUpdates` request may take.
const POLL_MARGIN: Duration = Duration::from_secs(10);

/// The update kinds aiwidget asks for.
const ALLOWED_UPDATES: [&str; 2] = ["message", "callback_query"];

/// A wait used when a 429 comes without `retry_after`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// One bot. Its `Debug` shows the API root, never the token.
#[derive(Clone)]
pub struct Bot {
    client: reqwest::Client,
    /// `https://api.telegram.org` or a fake's root, for `Debug`.
    api_url: String,
    /// `<api_url>/bot<token>/`: secret, because it holds the token.
    methods: SecretString,
}

impl fmt::Debug for Bot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bot")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// Telegram's envelope: `{"ok", "result"}` or `{"ok", "error_code",
/// "description", "parameters"}`.
#[derive(serde::Deserialize)]
struct Answer<T> {
    ok: bool,
    result: Option<T>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

/// `ResponseParameters`.
#[derive(serde::Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

impl Bot {
    /// A bot reached at `api_url` (`https://api.telegram.org`, or a fake's
    /// root in tests), with a shared HTTP client.
    #[must_use]
    pub fn new(api_url: &str, token: &SecretString, client: reqwest::Client) -> Self {
        let api_url = api_url.trim_end_matches('/').to_owned();
        let methods = format!("{api_url}/bot{}/", token.expose_secret());
        Self {
            client,
            api_url,
            methods: SecretString::from(methods),
        }
    }

    /// `getMe`: the bot itself (checks the token).
    ///
    /// # Errors
    /// [`Error::Refused`] with 401 for a wrong token; see [`Error`].
    pub async fn get_me(&self) -> Result<User, Error> {
        self.call("getMe", &json!({}), CALL_TIMEOUT).await
    }

    /// `getUpdates`: confirms the updates before `offset` and waits up to
    /// `timeout` for new messages and button presses.
    ///
    /// # Errors
    /// [`Error::Refused`] with 409 while a webhook is set; see [`Error`].
    pub async fn get_updates(&self, offset: i64, timeout: Duration) -> Result<Vec<Polled>, Error> {
        let body = json!({
            "offset": offset,
            "timeout": timeout.as_secs(),
            "allowed_updates": ALLOWED_UPDATES,
        });
        // Read one by one: an update this client cannot read must not
        // hide the others (nor be asked for again forever).
        let raw: Vec<serde_json::Value> = self
            .call("getUpdates", &body, timeout + POLL_MARGIN)
            .await?;
        Ok(raw
            .into_iter()
            .filter_map(|value| {
                let update_id = value.get("update_id")?.as_i64()?;
                Some(Polled {
                    update_id,
                    update: serde_json::from_value(value).ok(),
                })
            })
            .collect())
    }

    /// `sendMessage`: returns the message as sent (with its id).
    ///
    /// # Errors
    /// [`Error::Refused`] for bad markup or a blocked bot; see [`Error`].
    pub async fn send_message(&self, message: &SendMessage) -> Result<Message, Error> {
        self.call("sendMessage", message, CALL_TIMEOUT).await
    }

    /// `editMessageText`; an edit that changes nothing counts as done.
    ///
    /// # Errors
    /// See [`Error`].
    pub async fn edit_message_text(&self, edit: &EditMessageText) -> Result<(), Error> {
        match self
            .call::<serde_json::Value>("editMessageText", edit, CALL_TIMEOUT)
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if error.is_refused_with("message is not modified") => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// `answerCallbackQuery`: stops the button's spinner, with an optional
    /// notice.
    ///
    /// # Errors
    /// [`Error::Refused`] when the query is too old; see [`Error`].
    pub async fn answer_callback_query(&self, id: &str, text: Option<&str>) -> Result<(), Error> {
        let mut body = json!({ "callback_query_id": id });
        if let Some(text) = text {
            body["text"] = json!(text);
        }
        self.call::<bool>("answerCallbackQuery", &body, CALL_TIMEOUT)
            .await
            .map(drop)
    }

    /// `setWebhook`: updates go to `url` with `secret_token` in the
    /// `X-Telegram-Bot-Api-Secret-Token` header (1-256 of `A-Z a-z 0-9 _ -`).
    ///
    /// # Errors
    /// See [`Error`].
    pub async fn set_webhook(&self, url: &str, secret_token: &str) -> Result<(), Error> {
        let body = json!({
            "url": url,
            "secret_token": secret_token,
            "allowed_updates": ALLOWED_UPDATES,
        });
        self.call::<bool>("setWebhook", &body, CALL_TIMEOUT)
            .await
            .map(drop)
    }

    /// `deleteWebhook`: back to `getUpdates` (pending updates are kept).
    ///
    /// # Errors
    /// See [`Error`].
    pub async fn delete_webhook(&self) -> Result<(), Error> {
        self.call::<bool>("deleteWebhook", &json!({}), CALL_TIMEOUT)
            .await
            .map(drop)
    }

    /// POSTs `body` as JSON to `method` and reads Telegram's envelope.
    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        body: &(impl Serialize + Sync),
        timeout: Duration,
    ) -> Result<T, Error> {
        let url = format!("{}{method}", self.methods.expose_secret());
        let response = self
            .client
            .post(url)
            .json(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(Error::transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(Error::transport)?;
        match serde_json::from_slice::<Answer<T>>(&bytes) {
            Ok(Answer {
                ok: true,
                result: Some(result),
                ..
            }) => Ok(result),
            Ok(answer) if !answer.ok => Err(refusal(status, answer)),
            _ => Err(by_status(status, method)),
        }
    }
}

/// The error an `{"ok": false}` answer stands for.
fn refusal<T>(status: StatusCode, answer: Answer<T>) -> Error {
    let code = answer.error_code.unwrap_or(status.as_u16());
    let description = answer.description.unwrap_or_default();
    match code {
        429 => Error::RetryAfter(
            answer
                .parameters
                .and_then(|parameters| parameters.retry_after)
                .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs),
        ),
        500.. => Error::Unavailable(format!("{code} {description}")),
        _ => Error::Refused { code, description },
    }
}

/// The error an answer that is not Telegram's JSON stands for (a proxy's
/// error page, a cut body).
fn by_status(status: StatusCode, method: &str) -> Error {
    if status == StatusCode::TOO_MANY_REQUESTS {
        Error::RetryAfter(DEFAULT_RETRY_AFTER)
    } else if status.is_client_error() {
        Error::Refused {
            code: status.as_u16(),
            description: status.canonical_reason().unwrap_or("error").to_owned(),
        }
    } else {
        Error::Unavailable(format!("HTTP {status} with an unreadable {method} answer"))
    }
}
