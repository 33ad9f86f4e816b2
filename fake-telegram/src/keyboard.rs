//! Telegram's checks of an inline keyboard (`reply_markup.inline_keyboard`).

use crate::faults::ApiError;
use serde_json::Value;

/// Checks the buttons of a `reply_markup`; other kinds of markup (a reply
/// keyboard, `remove_keyboard`) pass unchecked.
pub(crate) fn check(markup: &Value) -> Result<(), ApiError> {
    let Some(rows) = markup.get("inline_keyboard") else {
        return if markup.is_object() {
            Ok(())
        } else {
            Err(ApiError::bad_request(
                "can't parse reply keyboard markup JSON object",
            ))
        };
    };
    let rows = rows.as_array().ok_or_else(|| {
        ApiError::bad_request(
            "field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array",
        )
    })?;
    for row in rows {
        let buttons = row.as_array().ok_or_else(|| {
            ApiError::bad_request(
                "field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays",
            )
        })?;
        for button in buttons {
            check_button(button)?;
        }
    }
    Ok(())
}

fn check_button(button: &Value) -> Result<(), ApiError> {
    if button.get("text").and_then(Value::as_str).is_none() {
        return Err(ApiError::bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ));
    }
    if let Some(data) = button.get("callback_data") {
        let length = data.as_str().map_or(0, str::len);
        if !(1..=64).contains(&length) {
            return Err(ApiError::bad_request("BUTTON_DATA_INVALID"));
        }
        return Ok(());
    }
    if let Some(link) = button.get("url") {
        let link = link.as_str().unwrap_or_default();
        if !valid_url(link) {
            return Err(ApiError::bad_request(&format!(
                "inline keyboard button URL '{link}' is invalid: Wrong HTTP URL"
            )));
        }
        return Ok(());
    }
    let other_actions = [
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    ];
    if other_actions
        .iter()
        .any(|action| button.get(action).is_some())
    {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ))
    }
}

/// An `http(s)` URL with a real host name (not `localhost`).
fn valid_url(link: &str) -> bool {
    let Ok(parsed) = url::Url::parse(link) else {
        return false;
    };
    matches!(parsed.scheme(), "http" | "https")
        && parsed
            .host_str()
            .is_some_and(|host| !host.is_empty() && !host.eq_ignore_ascii_case("localhost"))
}
