//! Receiving updates: `getUpdates` (a real long poll) and the webhook
//! methods `setWebhook`, `deleteWebhook`, `getWebhookInfo`.

use crate::faults::{ApiError, ok, ok_described, proxy_error};
use crate::params::{self, Params};
use crate::script::{Script, Shared, Webhook};
use axum::response::Response;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

/// `getUpdates`: confirms the updates before `offset`, then answers the
/// pending ones (at most `limit`), waiting up to `timeout` seconds for one.
pub(crate) async fn get_updates(state: &Shared, params: &Params) -> Result<Response, ApiError> {
    let offset = params::int(params, "offset")?;
    let limit = params::int(params, "limit")?.unwrap_or(100).clamp(1, 100);
    let timeout = params::int(params, "timeout")?.unwrap_or(0).max(0);
    let deadline = Instant::now() + Duration::from_secs(timeout.unsigned_abs());
    let mut changes = state.subscribe();
    {
        let mut script = state.lock();
        if let Some(offset) = offset {
            confirm(&mut script, offset);
        }
    }
    loop {
        changes.borrow_and_update();
        {
            let script = state.lock();
            if script.webhook.is_some() {
                return Err(ApiError::new(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                ));
            }
            if script.down {
                return Ok(proxy_error(502));
            }
            let batch: Vec<Value> = script
                .updates
                .iter()
                .take(usize::try_from(limit).unwrap_or(100))
                .cloned()
                .collect();
            if !batch.is_empty() || Instant::now() >= deadline {
                return Ok(ok(Value::Array(batch)));
            }
        }
        // Woken by a change, or by the deadline (then the loop answers).
        let _ = tokio::time::timeout_at(deadline, changes.changed()).await;
    }
}

/// Forgets the updates `offset` confirms: those before it, or with a
/// negative offset all but the last `-offset`.
fn confirm(script: &mut Script, offset: i64) {
    if offset < 0 {
        let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
        while script.updates.len() > keep {
            script.updates.pop_front();
        }
    } else {
        script
            .updates
            .retain(|update| update["update_id"].as_i64().unwrap_or(0) >= offset);
    }
}

/// `setWebhook`: from now on updates are POSTed to `url` (http is accepted
/// too, for local tests), with the secret header when a `secret_token` is set.
pub(crate) fn set_webhook(state: &Shared, params: &Params) -> Result<Response, ApiError> {
    let url = params::text(params, "url").unwrap_or_default();
    if url.is_empty() {
        return Ok(delete_webhook(state, params));
    }
    let valid = url::Url::parse(&url)
        .ok()
        .is_some_and(|parsed| matches!(parsed.scheme(), "http" | "https") && parsed.has_host());
    if !valid {
        return Err(ApiError::bad_request(
            "bad webhook: An HTTPS URL must be provided for webhook",
        ));
    }
    let secret = params::text(params, "secret_token");
    if let Some(secret) = &secret {
        let allowed = secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if secret.is_empty() || secret.len() > 256 || !allowed {
            return Err(ApiError::bad_request(
                "bad webhook: Secret token contains unallowed characters",
            ));
        }
    }
    let allowed_updates = params::object(params, "allowed_updates")?;
    {
        let mut script = state.lock();
        if params::flag(params, "drop_pending_updates") {
            script.updates.clear();
        }
        script.webhook = Some(Webhook {
            url,
            secret,
            allowed_updates,
            last_error: None,
        });
    }
    state.touch();
    Ok(ok_described("Webhook was set"))
}

/// `deleteWebhook`: back to `getUpdates`.
pub(crate) fn delete_webhook(state: &Shared, params: &Params) -> Response {
    let was_set = {
        let mut script = state.lock();
        if params::flag(params, "drop_pending_updates") {
            script.updates.clear();
        }
        script.webhook.take().is_some()
    };
    state.touch();
    ok_described(if was_set {
        "Webhook was deleted"
    } else {
        "Webhook is already deleted"
    })
}

/// `getWebhookInfo`: the URL (empty without a webhook), the pending count
/// and the last delivery error.
pub(crate) fn get_webhook_info(state: &Shared) -> Response {
    let script = state.lock();
    let mut info = json!({
        "url": "",
        "has_custom_certificate": false,
        "pending_update_count": script.updates.len(),
    });
    if let Some(webhook) = &script.webhook {
        info["url"] = json!(webhook.url);
        info["max_connections"] = json!(40);
        if let Some(allowed) = &webhook.allowed_updates {
            info["allowed_updates"] = allowed.clone();
        }
        if let Some((date, message)) = &webhook.last_error {
            info["last_error_date"] = json!(date);
            info["last_error_message"] = json!(message);
        }
    }
    ok(info)
}
