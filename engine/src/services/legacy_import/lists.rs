//! Lists kept in one column of the old database (origins, vector store ids),
//! whatever shape the Node.js version gave them.

/// The items of a list column, whatever the old database made of it: a JSON
/// array (from `text[]`, `json` or `jsonb`), a JSON array written as text, a
/// PostgreSQL array literal (`{a,b}`) written as text, or text separated by
/// commas, semicolons, new lines or spaces. Empty items are dropped.
#[must_use]
pub fn split_list(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Array(items) => items
            .iter()
            .flat_map(|item| match item {
                serde_json::Value::String(text) => vec![text.trim().to_owned()],
                serde_json::Value::Null => Vec::new(),
                other => vec![other.to_string()],
            })
            .filter(|item| !item.is_empty())
            .collect(),
        serde_json::Value::String(text) => split_text(text),
        other => split_text(&other.to_string()),
    }
}

fn split_text(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.starts_with('[')
        && let Ok(value @ serde_json::Value::Array(_)) = serde_json::from_str(text)
    {
        return split_list(&value);
    }
    let text = text
        .strip_prefix('{')
        .and_then(|inner| inner.strip_suffix('}'))
        .unwrap_or(text);
    text.split([',', ';', '\n', '\r', '\t', ' '])
        .map(|item| item.trim().trim_matches('"').trim())
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_are_read_from_every_shape_the_old_database_used() {
        let expected = vec![
            "https://a.example".to_owned(),
            "https://b.example".to_owned(),
        ];
        let cases = [
            (
                json!(["https://a.example", "https://b.example"]),
                "text[] or json",
            ),
            (
                json!(["https://a.example", null, "", "https://b.example"]),
                "holes",
            ),
            (json!("https://a.example,https://b.example"), "commas"),
            (
                json!("https://a.example, https://b.example\n"),
                "comma and space",
            ),
            (json!("https://a.example\nhttps://b.example"), "new lines"),
            (json!("https://a.example https://b.example"), "spaces"),
            (json!("https://a.example; https://b.example"), "semicolons"),
            (
                json!("[\"https://a.example\",\"https://b.example\"]"),
                "JSON as text",
            ),
            (
                json!("{https://a.example,\"https://b.example\"}"),
                "array literal as text",
            ),
        ];
        for (value, shape) in cases {
            assert_eq!(split_list(&value), expected, "{shape}");
        }
        assert!(split_list(&json!(null)).is_empty());
        assert!(split_list(&json!("")).is_empty());
    }
}
