//! The operator's copilot (`docs/copilot.md`): canned replies with their
//! variables, and the suggested reply streamed from the project's AI.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest title of a canned reply, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
/// The longest shortcut (without its `/`), in characters.
pub const MAX_SHORTCUT_CHARS: usize = 32;
/// The longest text of a canned reply, in characters.
pub const MAX_REPLY_CHARS: usize = 4_000;
/// The most canned replies one project keeps.
pub const MAX_REPLIES: u64 = 500;

/// A canned reply of a project: `GET …/replies` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CannedReply {
    /// The reply's id.
    pub id: Uuid,
    /// What the `/` menu shows.
    pub title: String,
    /// What the operator types after `/` (stored without it, lower-case).
    pub shortcut: String,
    /// The text, with `{visitor_name}`, `{operator_name}`, `{project_name}`
    /// and `{page_url}` filled when it is inserted.
    pub text: String,
    /// When it was written or last changed.
    pub updated_at: DateTime<Utc>,
}

/// `POST …/replies` (every field required) and `PATCH …/replies/{reply_id}`
/// (absent fields keep their value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplyInput {
    /// 1 to 100 characters.
    #[serde(default)]
    pub title: Option<String>,
    /// 1 to 32 letters, digits, `-` or `_`; a leading `/` is dropped and
    /// letters are lower-cased. Unique in the project.
    #[serde(default)]
    pub shortcut: Option<String>,
    /// 1 to 4,000 characters.
    #[serde(default)]
    pub text: Option<String>,
}

/// The shortcut as stored: without a leading `/`, lower-case; `None` when it
/// is empty, too long, or has other characters than letters, digits, `-`, `_`.
#[must_use]
pub fn normalise_shortcut(given: &str) -> Option<String> {
    let shortcut = given.trim();
    let shortcut = shortcut
        .strip_prefix('/')
        .unwrap_or(shortcut)
        .to_lowercase();
    let count = shortcut.chars().count();
    let allowed = shortcut
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    (count > 0 && count <= MAX_SHORTCUT_CHARS && allowed).then_some(shortcut)
}

/// What a canned reply's variables are filled with; an unknown one
/// (`None`) becomes empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    /// `{visitor_name}`: the name the visitor gave.
    pub visitor_name: Option<String>,
    /// `{operator_name}`: the operator inserting it.
    pub operator_name: Option<String>,
    /// `{project_name}`: the project's name.
    pub project_name: Option<String>,
    /// `{page_url}`: the page the visitor wrote from.
    pub page_url: Option<String>,
}

/// `text` with its variables filled; other braces are left as written.
#[must_use]
pub fn fill(text: &str, variables: &Variables) -> String {
    let values = [
        ("{visitor_name}", &variables.visitor_name),
        ("{operator_name}", &variables.operator_name),
        ("{project_name}", &variables.project_name),
        ("{page_url}", &variables.page_url),
    ];
    let mut filled = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while let Some(start) = rest.find('{') {
        filled.push_str(&rest[..start]);
        let tail = &rest[start..];
        for (name, value) in values {
            if let Some(after) = tail.strip_prefix(name) {
                filled.push_str(value.as_deref().unwrap_or_default());
                rest = after;
                continue 'outer;
            }
        }
        filled.push('{');
        rest = &tail[1..];
    }
    filled.push_str(rest);
    filled
}

/// The canned replies that match what follows `/` in the reply box: those
/// whose shortcut starts with `query` first, then those whose shortcut or
/// title contains it (case folded), each group in the given order.
#[must_use]
pub fn matching<'a>(replies: &'a [CannedReply], query: &str) -> Vec<&'a CannedReply> {
    let query = query.to_lowercase();
    let (mut first, mut then) = (Vec::new(), Vec::new());
    for reply in replies {
        if reply.shortcut.starts_with(&query) {
            first.push(reply);
        } else if reply.shortcut.contains(&query) || reply.title.to_lowercase().contains(&query) {
            then.push(reply);
        }
    }
    first.extend(then);
    first
}

/// `POST /api/v1/admin/conversations/{id}/suggest`'s `delta` and last
/// `suggestion` events: text of the draft (appended, or whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SuggestionText {
    /// The text.
    pub text: String,
}

/// One event of `POST …/suggest`'s stream: `delta`s, then one
/// `suggestion`, or one `error` (`{"error","message"}`) once it has begun.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum SuggestEvent {
    /// Text appended to the draft.
    Delta(SuggestionText),
    /// The whole draft.
    Suggestion(SuggestionText),
    /// The provider refused or failed (`upstream_*`), or `internal`.
    Error(crate::error::ErrorBody),
}

impl SuggestEvent {
    /// The SSE event name (`event:`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Delta(_) => "delta",
            Self::Suggestion(_) => "suggestion",
            Self::Error(_) => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(shortcut: &str, title: &str) -> CannedReply {
        CannedReply {
            id: Uuid::nil(),
            title: title.to_owned(),
            shortcut: shortcut.to_owned(),
            text: String::new(),
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    #[test]
    fn variables_are_filled_and_other_braces_kept() {
        let variables = Variables {
            visitor_name: Some("Мария".into()),
            operator_name: Some("Anna".into()),
            project_name: Some("Shop".into()),
            page_url: None,
        };
        let text = "Hi {visitor_name}, {operator_name} of {project_name} here {page_url}{x} {";
        assert_eq!(fill(text, &variables), "Hi Мария, Anna of Shop here {x} {");
        assert_eq!(fill("{{visitor_name}}", &variables), "{Мария}");
    }

    #[test]
    fn shortcuts_are_lower_case_without_slash_and_checked() {
        assert_eq!(normalise_shortcut(" /Dostavka "), Some("dostavka".into()));
        assert_eq!(normalise_shortcut("Цены_2"), Some("цены_2".into()));
        assert_eq!(normalise_shortcut("/"), None);
        assert_eq!(normalise_shortcut("two words"), None);
        assert_eq!(normalise_shortcut("a{b}"), None);
        assert_eq!(normalise_shortcut(&"x".repeat(33)), None);
        assert_eq!(normalise_shortcut(&"x".repeat(32)), Some("x".repeat(32)));
    }

    #[test]
    fn shortcut_prefixes_come_before_other_matches() {
        let replies = [
            reply("hello", "Greeting"),
            reply("price", "Prices and shipping"),
            reply("ship", "Shipping"),
        ];
        let shortcuts = |query| -> Vec<&str> {
            matching(&replies, query)
                .iter()
                .map(|r| r.shortcut.as_str())
                .collect()
        };
        assert_eq!(shortcuts("sh"), ["ship", "price"]);
        assert_eq!(shortcuts(""), ["hello", "price", "ship"]);
        assert_eq!(shortcuts("GREET"), ["hello"]);
        assert!(shortcuts("zzz").is_empty());
    }
}
