//! The alert channels' variables: `TELEGRAM_BOT_TOKEN`, `TELEGRAM_API_URL`,
//! `TELEGRAM_WEBHOOK` and `SMTP_URL`, `SMTP_FROM` (`docs/alerts.md`). Both
//! channels are off when unset.

use super::{Env, flag, non_empty};
use engine::mail::MailSettings;
use engine::services::telegram::TelegramSettings;
use secrecy::SecretString;

/// Telegram's Bot API unless `TELEGRAM_API_URL` says otherwise.
const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";

/// The bot, when `TELEGRAM_BOT_TOKEN` is set. `TELEGRAM_API_URL` is trusted
/// configuration (a proxy or a test server: http and loopback allowed);
/// `TELEGRAM_WEBHOOK=true` needs an https `PUBLIC_URL`, since Telegram calls
/// webhooks over https only.
pub(super) fn telegram(
    env: &Env,
    public_url: &str,
    problems: &mut Vec<String>,
) -> Option<TelegramSettings> {
    let webhook = flag(env, "TELEGRAM_WEBHOOK", problems);
    let api_url = non_empty(env, "TELEGRAM_API_URL")
        .unwrap_or_else(|| DEFAULT_TELEGRAM_API_URL.to_owned())
        .trim_end_matches('/')
        .to_owned();
    let Some(token) = non_empty(env, "TELEGRAM_BOT_TOKEN") else {
        if webhook {
            problems.push("TELEGRAM_WEBHOOK: set TELEGRAM_BOT_TOKEN too".into());
        }
        return None;
    };
    // `123456789:AA…`: digits, a colon, then URL-safe characters.
    let well_formed = token.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && !secret.is_empty()
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if !well_formed {
        problems.push(
            "TELEGRAM_BOT_TOKEN: not a bot token (digits, a colon, then letters, digits, _ or -)"
                .into(),
        );
    }
    if !matches!(url::Url::parse(&api_url), Ok(url) if matches!(url.scheme(), "http" | "https")) {
        problems.push(format!(
            "TELEGRAM_API_URL: `{api_url}` is not an http(s) URL"
        ));
    }
    if webhook && !public_url.starts_with("https://") {
        problems.push(
            "TELEGRAM_WEBHOOK: Telegram calls webhooks over https only: set an https PUBLIC_URL, or leave it unset to use the long poll"
                .into(),
        );
    }
    Some(TelegramSettings {
        token: SecretString::from(token),
        api_url,
        webhook,
    })
}

/// Email alerts, when `SMTP_URL` and `SMTP_FROM` are both set.
pub(super) fn mail(env: &Env, problems: &mut Vec<String>) -> Option<MailSettings> {
    MailSettings::from_env_values(
        env.get("SMTP_URL").map(String::as_str),
        env.get("SMTP_FROM").map(String::as_str),
    )
    .unwrap_or_else(|problem| {
        problems.push(problem);
        None
    })
}
