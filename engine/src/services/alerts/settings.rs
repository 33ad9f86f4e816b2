//! An operator's choices: which alerts go to Telegram and by email, where
//! email goes, quiet hours and the alerts' language (`users.notifications`,
//! `users.email`, `users.locale`; null columns mean the defaults).

use crate::db;
use crate::db::entities::users;
use crate::services::auth::CurrentUser;
use crate::state::AppState;
use chrono::{DateTime, NaiveTime, Utc};
use contract::AppError;
use contract::alerts::{AlertChoices, Notifications, NotificationsInput, QuietHours};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What `users.notifications` holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choices {
    /// The Telegram alerts.
    #[serde(default)]
    pub telegram: AlertChoices,
    /// The email alerts.
    #[serde(default)]
    pub email: AlertChoices,
    /// Hours without ringing alerts.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
}

impl Choices {
    /// The stored choices of `user` (the defaults when none or unreadable).
    #[must_use]
    pub fn of(user: &users::Model) -> Self {
        user.notifications
            .clone()
            .and_then(|json| serde_json::from_value(json).ok())
            .unwrap_or_default()
    }

    /// True when `at` falls in the quiet hours.
    #[must_use]
    pub fn is_quiet(&self, at: DateTime<Utc>) -> bool {
        let Some(quiet) = &self.quiet_hours else {
            return false;
        };
        let (Some(from), Some(to), Ok(zone)) = (
            clock(&quiet.from),
            clock(&quiet.to),
            quiet.time_zone.parse::<chrono_tz::Tz>(),
        ) else {
            return false;
        };
        let now = at.with_timezone(&zone).time();
        if from < to {
            from <= now && now < to
        } else {
            now >= from || now < to
        }
    }
}

/// The user's alerts language: `ru` or `en`.
#[must_use]
pub fn locale_of(user: &users::Model) -> &'static str {
    match user.locale.as_deref() {
        Some(tag) if tag.starts_with("ru") => "ru",
        _ => "en",
    }
}

/// The user's choices as the API shows them.
///
/// # Errors
/// `404 user_not_found` (removed meanwhile); a database failure.
pub async fn notifications(state: &AppState, me: &CurrentUser) -> Result<Notifications, AppError> {
    let row = users::Entity::find_by_id(me.id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("user_not_found", "no such user"))?;
    Ok(view(state, &row))
}

/// Changes the user's own choices; absent fields keep theirs.
///
/// # Errors
/// `400 validation_failed` naming each bad field; `404 user_not_found`.
#[tracing::instrument(name = "alerts::update_notifications", skip_all, fields(user_id = %me.id))]
pub async fn update(
    state: &AppState,
    me: &CurrentUser,
    input: &NotificationsInput,
) -> Result<Notifications, AppError> {
    let mut errors = BTreeMap::new();
    let email = input
        .email
        .as_ref()
        .map(|email| checked_email(email.as_deref(), &mut errors));
    if let Some(Some(quiet)) = &input.quiet_hours {
        check_quiet_hours(quiet, &mut errors);
    }
    let locale = input
        .locale
        .as_deref()
        .map(|locale| checked_locale(locale, &mut errors));
    if !errors.is_empty() {
        return Err(AppError::Validation {
            message: "some fields are not valid: see `fields`".into(),
            fields: errors,
        });
    }
    let txn = db::begin_write(&state.db).await?;
    let row = users::Entity::find_by_id(me.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user_not_found", "no such user"))?;
    let mut choices = Choices::of(&row);
    if let Some(telegram) = &input.telegram {
        choices.telegram = deduplicated(telegram);
    }
    if let Some(email_alerts) = &input.email_alerts {
        choices.email = deduplicated(email_alerts);
    }
    if let Some(quiet) = &input.quiet_hours {
        choices.quiet_hours = quiet.clone();
    }
    let mut active = row.into_active_model();
    active.notifications = Set(Some(serde_json::to_value(&choices).map_err(|err| {
        tracing::error!(error = %err, "the alert choices could not be stored");
        AppError::Internal
    })?));
    if let Some(email) = email {
        active.email = Set(email);
    }
    if let Some(locale) = locale {
        active.locale = Set(Some(locale));
    }
    if let Some(translate) = input.translate {
        active.translate = Set(translate);
    }
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await?;
    txn.commit().await?;
    Ok(view(state, &row))
}

/// The API's view of `row`'s choices.
#[must_use]
pub fn view(state: &AppState, row: &users::Model) -> Notifications {
    let choices = Choices::of(row);
    Notifications {
        email: row.email.clone(),
        telegram: choices.telegram,
        email_alerts: choices.email,
        quiet_hours: choices.quiet_hours,
        locale: locale_of(row).into(),
        translate: row.translate,
        telegram_linked: row.telegram_chat_id.is_some(),
        telegram_username: row.telegram_username.clone(),
        telegram_enabled: state.settings.telegram.is_some(),
        email_enabled: state.settings.mail.is_some(),
    }
}

/// An email address as stored: trimmed, at most 254 characters, one `@`
/// with text on both sides and no spaces; `None` removes it.
pub fn checked_email(email: Option<&str>, errors: &mut BTreeMap<String, String>) -> Option<String> {
    let email = email.map(str::trim).filter(|email| !email.is_empty())?;
    let valid = email.chars().count() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if !valid {
        errors.insert(
            "email".into(),
            "an email address such as name@example.com".into(),
        );
    }
    Some(email.to_owned())
}

/// `en` or `ru`.
pub fn checked_locale(locale: &str, errors: &mut BTreeMap<String, String>) -> String {
    let locale = locale.trim().to_ascii_lowercase();
    if locale != "en" && locale != "ru" {
        errors.insert("locale".into(), "`en` or `ru`".into());
    }
    locale
}

fn check_quiet_hours(quiet: &QuietHours, errors: &mut BTreeMap<String, String>) {
    let from = clock(&quiet.from);
    let to = clock(&quiet.to);
    if from.is_none() {
        errors.insert("quiet_hours.from".into(), "HH:MM, e.g. 22:00".into());
    }
    if to.is_none() {
        errors.insert("quiet_hours.to".into(), "HH:MM, e.g. 08:00".into());
    }
    if from.is_some() && from == to {
        errors.insert("quiet_hours.to".into(), "must differ from `from`".into());
    }
    if quiet.time_zone.parse::<chrono_tz::Tz>().is_err() {
        errors.insert(
            "quiet_hours.time_zone".into(),
            "an IANA time zone such as Europe/Moscow".into(),
        );
    }
}

fn clock(value: &str) -> Option<NaiveTime> {
    (value.len() == 5)
        .then(|| NaiveTime::parse_from_str(value, "%H:%M").ok())
        .flatten()
}

fn deduplicated(choices: &AlertChoices) -> AlertChoices {
    let mut choices = choices.clone();
    choices.new_conversation.sort();
    choices.new_conversation.dedup();
    choices.new_conversation.truncate(1000);
    choices
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(from: &str, to: &str) -> Choices {
        Choices {
            quiet_hours: Some(QuietHours {
                from: from.into(),
                to: to.into(),
                time_zone: "Europe/Moscow".into(),
            }),
            ..Choices::default()
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("time")
    }

    #[test]
    fn quiet_hours_across_midnight_are_read_in_the_users_zone() {
        let night = quiet("22:00", "08:00");
        // Moscow is UTC+3.
        assert!(night.is_quiet(utc("2026-11-30T19:30:00Z")));
        assert!(night.is_quiet(utc("2026-11-30T04:59:00Z")));
        assert!(!night.is_quiet(utc("2026-11-30T05:00:00Z")));
        assert!(!night.is_quiet(utc("2026-11-30T18:59:00Z")));
    }

    #[test]
    fn quiet_hours_within_a_day() {
        let lunch = quiet("13:00", "14:00");
        assert!(lunch.is_quiet(utc("2026-11-30T10:30:00Z")));
        assert!(!lunch.is_quiet(utc("2026-11-30T11:00:00Z")));
        assert!(!Choices::default().is_quiet(utc("2026-11-30T10:30:00Z")));
    }

    #[test]
    fn bad_fields_are_named() {
        let mut errors = BTreeMap::new();
        check_quiet_hours(
            &QuietHours {
                from: "25:00".into(),
                to: "8:00".into(),
                time_zone: "Mars/Olympus".into(),
            },
            &mut errors,
        );
        checked_email(Some("not an email"), &mut errors);
        checked_locale("de", &mut errors);
        let names: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "email",
                "locale",
                "quiet_hours.from",
                "quiet_hours.time_zone",
                "quiet_hours.to"
            ]
        );
        let mut fine = BTreeMap::new();
        assert_eq!(
            checked_email(Some(" ops@example.com "), &mut fine).as_deref(),
            Some("ops@example.com")
        );
        assert_eq!(checked_email(Some("  "), &mut fine), None);
        assert!(fine.is_empty());
    }
}
