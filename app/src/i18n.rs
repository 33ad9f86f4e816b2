//! Russian and English: the dashboard follows the browser's language
//! (`Accept-Language` on the server, `<html lang>` after hydration), and a
//! choice stored in the `aiw_lang` cookie wins over it.

mod en;
mod reasons;
mod ru;
mod texts;

pub use texts::{AlertsTexts, AnalyticsTexts, CopilotTexts, InboxTexts, KnowledgeTexts, Texts};

use en::EN;
use leptos::prelude::*;
use reasons::{PREFIXES_RU, REASONS_RU};
use ru::RU;

/// The dashboard's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Russian.
    Ru,
    /// English, the default.
    En,
}

impl Lang {
    /// The `lang` attribute value.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::En => "en",
        }
    }

    /// The language for a `Cookie` and an `Accept-Language` header.
    #[must_use]
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Self {
        let chosen = cookie.and_then(|header| {
            header
                .split(';')
                .find_map(|pair| pair.trim().strip_prefix("aiw_lang="))
                .map(str::to_owned)
        });
        let first = accept_language.and_then(|header| {
            header
                .split(',')
                .map(|part| part.split(';').next().unwrap_or("").trim().to_lowercase())
                .find(|tag| tag.starts_with("ru") || tag.starts_with("en"))
        });
        match chosen.or(first).as_deref() {
            Some(tag) if tag.starts_with("ru") => Self::Ru,
            _ => Self::En,
        }
    }

    /// The texts of this language.
    #[must_use]
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Ru => &RU,
            Self::En => &EN,
        }
    }
}

/// The language of the current render: from context on the server, from the
/// page's `<html lang>` in the browser.
#[must_use]
pub fn use_lang() -> Lang {
    if let Some(lang) = use_context::<Lang>() {
        return lang;
    }
    #[cfg(feature = "hydrate")]
    {
        let lang = document()
            .document_element()
            .and_then(|root| root.get_attribute("lang"));
        if lang.as_deref() == Some("ru") {
            return Lang::Ru;
        }
    }
    Lang::En
}

/// The texts of the current language.
#[must_use]
pub fn use_texts() -> &'static Texts {
    use_lang().texts()
}

/// A field's reason from the server (written in English) in `lang`.
#[must_use]
pub fn reason(lang: Lang, english: &str) -> String {
    if lang == Lang::En {
        return english.to_owned();
    }
    if let Some((_, russian)) = REASONS_RU.iter().find(|(en, _)| *en == english) {
        return (*russian).to_owned();
    }
    if let Some((russian, rest)) = PREFIXES_RU
        .iter()
        .find_map(|(en, ru)| english.strip_prefix(en).map(|rest| (ru, rest)))
    {
        return format!("{russian}{rest}");
    }
    // `between 1 and 600` (limits).
    if let Some((low, high)) = english
        .strip_prefix("between ")
        .and_then(|rest| rest.split_once(" and "))
        && low.parse::<i64>().is_ok()
        && high.parse::<i64>().is_ok()
    {
        return format!("от {low} до {high}");
    }
    english.to_owned()
}

#[cfg(test)]
mod tests {
    use super::{Lang, reason};

    #[cfg(feature = "ssr")]
    #[test]
    fn server_reasons_read_in_russian() {
        assert_eq!(
            reason(Lang::Ru, "a colour like #2563eb"),
            "цвет вида #2563eb"
        );
        assert_eq!(reason(Lang::Ru, "between 1 and 600"), "от 1 до 600");
        assert_eq!(
            reason(Lang::En, "a colour like #2563eb"),
            "a colour like #2563eb"
        );
        for error in [
            contract::origins::normalize("example.com"),
            contract::origins::normalize("ftp://x.com"),
            contract::origins::normalize("https://x.com/a"),
            contract::origins::normalize("https://u:p@x.com"),
            contract::origins::normalize("https://a.*.x.com"),
        ] {
            let english = error.expect_err("refused").to_string();
            assert_ne!(
                reason(Lang::Ru, &english),
                english,
                "untranslated: {english}"
            );
        }
    }

    #[test]
    fn the_browser_language_decides_unless_a_choice_was_stored() {
        let cases = [
            (None, Some("ru-RU,ru;q=0.9,en;q=0.8"), Lang::Ru),
            (None, Some("en-US,en;q=0.9"), Lang::En),
            (None, Some("de-DE,ru;q=0.5"), Lang::Ru),
            (None, Some("de-DE"), Lang::En),
            (None, None, Lang::En),
            (Some("aiw_lang=en; other=1"), Some("ru"), Lang::En),
            (Some("x=1; aiw_lang=ru"), Some("en"), Lang::Ru),
        ];
        for (cookie, accept, expected) in cases {
            assert_eq!(
                Lang::negotiate(cookie, accept),
                expected,
                "{cookie:?} {accept:?}"
            );
        }
    }
}
