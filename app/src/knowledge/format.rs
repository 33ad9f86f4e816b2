//! How the knowledge page writes sizes, times and statuses.

use crate::i18n::KnowledgeTexts;
use chrono::{DateTime, Utc};
use contract::knowledge::{KnowledgeStatus, SiteStatus};

/// A size in bytes as `512 B`, `12.5 KB` or `20 MB` (`units` in the page's language).
pub(super) fn bytes(size: u64, units: [&str; 3]) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    let tenths = |unit: u64| {
        let tenths = (size * 10 + unit / 2) / unit;
        if tenths.is_multiple_of(10) {
            format!("{}", tenths / 10)
        } else {
            format!("{}.{}", tenths / 10, tenths % 10)
        }
    };
    if size < KB {
        format!("{size} {}", units[0])
    } else if size < MB {
        format!("{} {}", tenths(KB), units[1])
    } else {
        format!("{} {}", tenths(MB), units[2])
    }
}

/// A moment as `2026-11-30 14:05 UTC`.
pub(super) fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The word and the badge class of a file's status.
pub(super) fn file_status(
    texts: &KnowledgeTexts,
    status: KnowledgeStatus,
) -> (&'static str, &'static str) {
    match status {
        KnowledgeStatus::Processing => (texts.processing, "kb-badge busy"),
        KnowledgeStatus::Ready => (texts.ready, "kb-badge ok"),
        KnowledgeStatus::Failed => (texts.failed, "kb-badge bad"),
    }
}

/// The word and the badge class of a website's status.
pub(super) fn site_status(
    texts: &KnowledgeTexts,
    status: SiteStatus,
) -> (&'static str, &'static str) {
    match status {
        SiteStatus::Queued => (texts.queued, "kb-badge busy"),
        SiteStatus::Syncing => (texts.syncing, "kb-badge busy"),
        SiteStatus::Ready => (texts.ready, "kb-badge ok"),
        SiteStatus::Failed => (texts.failed, "kb-badge bad"),
    }
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn sizes_read_in_the_nearest_unit() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1 KB"),
            (12_800, "12.5 KB"),
            (20 * 1024 * 1024, "20 MB"),
            (1_572_864, "1.5 MB"),
        ];
        for (size, expected) in cases {
            assert_eq!(bytes(size, ["B", "KB", "MB"]), expected, "{size}");
        }
    }
}
