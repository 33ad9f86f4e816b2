//! Text helpers used on both sides of the wire.

/// The lower-cased form stored in `search_text` columns and used for queries.
///
/// Made in Rust because SQLite's `LIKE` folds ASCII only: `Привет` must match
/// `привет` on SQLite as it does on PostgreSQL. Whitespace runs fold to one
/// space so that a search for two words finds them across a line break.
pub fn search_text(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::search_text;

    #[test]
    fn folds_cyrillic_and_latin_case_and_whitespace() {
        assert_eq!(search_text("Привет,  МИР\nHello"), "привет, мир hello");
        assert_eq!(search_text("ЁЛКА"), "ёлка");
        assert_eq!(search_text("   "), "");
    }
}
