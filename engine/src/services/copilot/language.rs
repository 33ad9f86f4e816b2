//! Languages for the operators' translation (`docs/copilot.md`,
//! "Translation"): the visitor's, their browser's locale or else detected
//! from what they wrote, and the operator's, their `locale`.

use whatlang::Lang;

/// A language the translation knows: its ISO 639-1 code (as the API shows
/// it), its English name (as the model is told it) and whatlang's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// `ru`, `en`, …
    pub code: &'static str,
    /// `Russian`, `English`, …: named so in the model's instructions.
    pub english: &'static str,
    detected: Lang,
}

const fn language(code: &'static str, english: &'static str, detected: Lang) -> Language {
    Language {
        code,
        english,
        detected,
    }
}

/// English, the language of an operator without another.
pub const ENGLISH: Language = language("en", "English", Lang::Eng);

/// The languages the translation names; a visitor's other language is
/// taken as unknown (nothing is translated).
const LANGUAGES: &[Language] = &[
    language("ru", "Russian", Lang::Rus),
    ENGLISH,
    language("uk", "Ukrainian", Lang::Ukr),
    language("be", "Belarusian", Lang::Bel),
    language("de", "German", Lang::Deu),
    language("fr", "French", Lang::Fra),
    language("es", "Spanish", Lang::Spa),
    language("it", "Italian", Lang::Ita),
    language("pt", "Portuguese", Lang::Por),
    language("pl", "Polish", Lang::Pol),
    language("cs", "Czech", Lang::Ces),
    language("nl", "Dutch", Lang::Nld),
    language("tr", "Turkish", Lang::Tur),
    language("bg", "Bulgarian", Lang::Bul),
    language("sr", "Serbian", Lang::Srp),
    language("ro", "Romanian", Lang::Ron),
    language("lt", "Lithuanian", Lang::Lit),
    language("lv", "Latvian", Lang::Lav),
    language("et", "Estonian", Lang::Est),
    language("el", "Greek", Lang::Ell),
    language("hy", "Armenian", Lang::Hye),
    language("ka", "Georgian", Lang::Kat),
    language("az", "Azerbaijani", Lang::Aze),
    language("uz", "Uzbek", Lang::Uzb),
    language("tk", "Turkmen", Lang::Tuk),
    language("he", "Hebrew", Lang::Heb),
    language("ar", "Arabic", Lang::Ara),
    language("fa", "Persian", Lang::Pes),
    language("hi", "Hindi", Lang::Hin),
    language("zh", "Chinese", Lang::Cmn),
    language("ja", "Japanese", Lang::Jpn),
    language("ko", "Korean", Lang::Kor),
    language("vi", "Vietnamese", Lang::Vie),
    language("th", "Thai", Lang::Tha),
    language("id", "Indonesian", Lang::Ind),
];

/// The language of a locale or code: `ru`, `ru-RU`, `en_GB` (its first part).
#[must_use]
pub fn by_code(tag: &str) -> Option<Language> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    LANGUAGES
        .iter()
        .copied()
        .find(|language| language.code == primary)
}

/// The language `text` is written in, when whatlang is sure of it.
/// Bulgarian and Macedonian are left out: whatlang 0.16 reads plain Russian
/// as Bulgarian, sure of it (a Russian site's visitors are the first to
/// serve).
#[must_use]
pub fn detect(text: &str) -> Option<Language> {
    let info = whatlang::Detector::with_denylist(vec![Lang::Bul, Lang::Mkd])
        .detect(text)
        .filter(whatlang::Info::is_reliable)?;
    LANGUAGES
        .iter()
        .copied()
        .find(|language| language.detected == info.lang())
}

/// The visitor's language: their browser's locale, else what their
/// messages are written in (the newest first, together).
#[must_use]
pub fn of_visitor(locale: Option<&str>, their_texts: &[&str]) -> Option<Language> {
    locale
        .and_then(by_code)
        .or_else(|| detect(&their_texts.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_comes_first_and_the_text_fills_in() {
        let german = "Guten Tag, ich möchte wissen, wann meine Bestellung ankommt und wie viel der Versand kostet.";
        let russian = "Здравствуйте, подскажите, пожалуйста, когда привезут мой заказ и сколько стоит доставка?";
        assert_eq!(
            of_visitor(Some("ru-RU"), &[german]).map(|l| l.code),
            Some("ru")
        );
        assert_eq!(of_visitor(None, &[german]).map(|l| l.code), Some("de"));
        assert_eq!(
            of_visitor(Some("xx"), &[russian]).map(|l| l.code),
            Some("ru")
        );
        assert_eq!(
            of_visitor(Some("en-GB"), &["ok"]).map(|l| l.code),
            Some("en")
        );
        assert_eq!(of_visitor(None, &["ok"]), None);
        assert_eq!(by_code("pt_BR").map(|l| l.english), Some("Portuguese"));
    }
}
