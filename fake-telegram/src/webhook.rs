//! The webhook sender: while a webhook is set, POSTs each pending update to
//! it as JSON, in order and one at a time, with the secret header; retries a
//! failed delivery a few times with short pauses, then drops the update as
//! Telegram eventually does. Every attempt is recorded.

use crate::records::Delivery;
use crate::script::{Shared, now};
use serde_json::Value;
use std::time::Duration;

/// The header carrying the webhook's secret token.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Attempts per update before the fake gives up on it.
const ATTEMPTS: u32 = 4;

/// The pause before the second attempt; it doubles after each failure.
const FIRST_RETRY: Duration = Duration::from_millis(100);

/// Runs for the life of the fake.
pub(crate) async fn run(state: Shared) {
    let client = reqwest::Client::new();
    let mut changes = state.subscribe();
    loop {
        changes.borrow_and_update();
        let job = {
            let script = state.lock();
            match (&script.webhook, script.updates.front()) {
                (Some(webhook), Some(update)) if !script.down => {
                    Some((webhook.url.clone(), webhook.secret.clone(), update.clone()))
                }
                _ => None,
            }
        };
        match job {
            Some((url, secret, update)) => {
                deliver(&state, &client, &url, secret.as_deref(), &update).await;
            }
            None => {
                if changes.changed().await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Delivers one update (with retries), then takes it off the queue.
async fn deliver(
    state: &Shared,
    client: &reqwest::Client,
    url: &str,
    secret: Option<&str>,
    update: &Value,
) {
    let update_id = update["update_id"].as_i64().unwrap_or_default();
    let mut pause = FIRST_RETRY;
    let mut last_error = None;
    for attempt in 1..=ATTEMPTS {
        let mut request = client
            .post(url)
            .json(update)
            .timeout(Duration::from_secs(10));
        if let Some(secret) = secret {
            request = request.header(SECRET_HEADER, secret);
        }
        let status = request
            .send()
            .await
            .ok()
            .map(|response| response.status().as_u16());
        state.lock().deliveries.push(Delivery {
            url: url.to_owned(),
            update_id,
            secret_token: secret.map(str::to_owned),
            status,
            attempt,
        });
        match status {
            Some(code) if (200..300).contains(&code) => {
                last_error = None;
                break;
            }
            Some(code) => last_error = Some(format!("Wrong response from the webhook: {code}")),
            None => last_error = Some("Connection refused".to_owned()),
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    let mut script = state.lock();
    script
        .updates
        .retain(|pending| pending["update_id"].as_i64() != Some(update_id));
    if let (Some(webhook), Some(error)) = (script.webhook.as_mut(), last_error) {
        webhook.last_error = Some((now(), error));
    }
}
