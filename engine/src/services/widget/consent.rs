//! The privacy notice as a visitor reads it, its version, and the consent
//! that must come before anything about the visitor is stored.
//!
//! The site owner writes the notice; `{retention}` in it becomes how long
//! conversations are kept (`30 days` / `30 дней`, or `until deleted on
//! request` / `до удаления по запросу` when the project keeps them until
//! deleted), in the notice's own language (Russian when it has Cyrillic
//! letters). The version is a short hash of that shown text, so that any
//! change of what the visitor read asks them again.

use crate::db::entities::{projects, visitors};
use contract::AppError;
use sha2::{Digest, Sha256};

/// The placeholder the site owner may put in the notice.
const RETENTION_PLACEHOLDER: &str = "{retention}";

/// The privacy notice of a project, as shown to its visitors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Notice {
    /// The text, with the placeholder replaced.
    pub(super) text: String,
    /// `privacy_notice_version`: 16 hex digits of the text's SHA-256.
    pub(super) version: String,
}

impl Notice {
    /// The notice of `project`, or `None` when it has none.
    #[must_use]
    pub(super) fn of(project: &projects::Model) -> Option<Self> {
        let template = project.privacy_notice.as_deref()?;
        let text = template.replace(
            RETENTION_PLACEHOLDER,
            &retention_words(project.retention_days, is_russian(template)),
        );
        let digest = Sha256::new()
            .chain_update(b"aiwidget:notice:")
            .chain_update(text.as_bytes())
            .finalize();
        Some(Self {
            version: hex::encode(&digest[..8]),
            text,
        })
    }
}

/// Whether a session may go on, and what consent it records.
///
/// Without a notice, always (and nothing is recorded). With one, the
/// request's `consent_version` must be the current version (recorded with
/// the visitor: `Some(version)`), or the known visitor must have accepted
/// it before (`None`: nothing new to record).
///
/// # Errors
/// `409 consent_required`: no consent to the current version, given now or
/// before (a consent to an older text does not count).
pub(super) fn check<'a>(
    notice: Option<&'a Notice>,
    requested: Option<&str>,
    known: Option<&visitors::Model>,
) -> Result<Option<&'a str>, AppError> {
    let Some(notice) = notice else {
        return Ok(None);
    };
    let current = notice.version.as_str();
    if requested == Some(current) {
        return Ok(Some(current));
    }
    if known.is_some_and(|visitor| visitor.consent_version.as_deref() == Some(current)) {
        return Ok(None);
    }
    Err(AppError::Conflict {
        code: "consent_required".into(),
        message: "the visitor has not accepted the current privacy notice: show it \
                  and send its privacy_notice_version as consent_version"
            .into(),
    })
}

fn is_russian(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
}

/// `30 days`, `21 день`, …; or the words for "until deleted".
fn retention_words(days: Option<i32>, russian: bool) -> String {
    match (days, russian) {
        (None, false) => "until deleted on request".into(),
        (None, true) => "до удаления по запросу".into(),
        (Some(1), false) => "1 day".into(),
        (Some(days), false) => format!("{days} days"),
        (Some(days), true) => {
            let unit = match (days % 10, days % 100) {
                (1, tens) if tens != 11 => "день",
                (2..=4, tens) if !(12..=14).contains(&tens) => "дня",
                _ => "дней",
            };
            format!("{days} {unit}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_reads_well_in_both_languages() {
        let cases = [
            (Some(1), false, "1 day"),
            (Some(30), false, "30 days"),
            (None, false, "until deleted on request"),
            (Some(1), true, "1 день"),
            (Some(3), true, "3 дня"),
            (Some(11), true, "11 дней"),
            (Some(14), true, "14 дней"),
            (Some(21), true, "21 день"),
            (Some(30), true, "30 дней"),
            (Some(92), true, "92 дня"),
            (None, true, "до удаления по запросу"),
        ];
        for (days, russian, expected) in cases {
            assert_eq!(
                retention_words(days, russian),
                expected,
                "{days:?} {russian}"
            );
        }
    }

    #[test]
    fn the_notice_language_is_told_by_its_letters() {
        assert!(is_russian("Мы храним переписку {retention}."));
        assert!(!is_russian("Conversations are kept {retention}."));
    }
}
