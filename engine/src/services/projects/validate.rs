//! Applying a [`ProjectInput`] to a project row, checking every field.
//!
//! Problems are collected per field (`allowed_origins[1]`, `widget.color`, …)
//! so the dashboard can show each next to its input; nothing is saved unless
//! every field holds.

use crate::db::entities::projects::Model as Project;
use crate::services::api_keys;
use contract::origins;
use contract::projects::{
    ApiStyle, HandoffInput, HandoffTimeoutAction, LimitsInput, ProjectInput, WidgetInput,
    WidgetPosition,
};
use std::collections::BTreeMap;

/// The base URL a project gets when none is given.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The model a project gets when none is given.
pub const DEFAULT_MODEL: &str = "gpt-4.1-mini";

/// What applying an input needs besides the input.
#[derive(Debug)]
pub struct Context<'a> {
    /// The keys for the OpenAI key.
    pub keyring: api_keys::Keyring<'a>,
    /// Whether `openai_base_url` may point at loopback or private addresses.
    pub allow_private_upstreams: bool,
}

/// Field name → reason.
pub type FieldErrors = BTreeMap<String, String>;

/// Applies `input` to `project`, or says what is wrong with it.
pub fn apply(
    project: &mut Project,
    input: &ProjectInput,
    context: &Context<'_>,
) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut fail = |field: &str, reason: &str| {
        errors.insert(field.to_owned(), reason.to_owned());
    };
    if let Some(name) = &input.name {
        match bounded(name, 1, 200) {
            Some(name) => project.name = name,
            None => fail("name", "a name of 1 to 200 characters is required"),
        }
    }
    if matches!(input.assistant_id, Some(Some(_))) {
        fail(
            "assistant_id",
            "OpenAI shut the Assistants API down on 2026-08-26 and prompt objects (pmpt_…) on \
             2026-11-30: fill in the model, the instructions and the vector stores instead",
        );
    }
    apply_upstream(project, input, context, &mut fail);
    if let Some(model) = &input.model {
        match bounded(model, 1, 200) {
            Some(model) => project.model = model,
            None => fail("model", "a model name of 1 to 200 characters is required"),
        }
    }
    if let Some(ids) = &input.vector_store_ids {
        apply_vector_stores(project, ids, &mut fail);
    }
    if let Some(instructions) = &input.instructions {
        if instructions.chars().count() > 32_000 {
            fail("instructions", "at most 32000 characters");
        } else {
            project.instructions = instructions.clone();
        }
    }
    if let Some(list) = &input.allowed_origins {
        apply_origins(project, list, &mut fail);
    }
    if let Some(widget) = &input.widget {
        apply_widget(project, widget, &mut fail);
    }
    if let Some(limits) = &input.limits {
        apply_limits(project, limits, &mut fail);
    }
    if let Some(handoff) = &input.handoff {
        apply_handoff(project, handoff, &mut fail);
    }
    if let Some(days) = input.retention_days {
        match days {
            Some(days) if !(1..=3650).contains(&days) => {
                fail(
                    "retention_days",
                    "between 1 and 3650 days, or null to keep forever",
                );
            }
            days => project.retention_days = days,
        }
    }
    if let Some(zone) = &input.time_zone {
        let zone = zone.trim();
        if zone.parse::<chrono_tz::Tz>().is_ok() {
            zone.clone_into(&mut project.time_zone);
        } else {
            fail(
                "time_zone",
                "an IANA time zone name, e.g. Europe/Moscow or UTC",
            );
        }
    }
    if let Some(model) = &input.embedding_model {
        match model {
            None => project.embedding_model = None,
            Some(model) => {
                match bounded(model, 1, 200).filter(|m| !m.contains(char::is_whitespace)) {
                    Some(model) => project.embedding_model = Some(model),
                    None => fail(
                        "embedding_model",
                        "an embedding model name of 1 to 200 characters without spaces, or null",
                    ),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The trimmed text when its length (in characters) is within bounds.
fn bounded(text: &str, min: usize, max: usize) -> Option<String> {
    let text = text.trim();
    (min..=max)
        .contains(&text.chars().count())
        .then(|| text.to_owned())
}

fn apply_upstream(
    project: &mut Project,
    input: &ProjectInput,
    context: &Context<'_>,
    fail: &mut impl FnMut(&str, &str),
) {
    if let Some(style) = input.api_style {
        project.api_style = style_name(style).to_owned();
    }
    let new_key = match &input.openai_api_key {
        Some(Some(key)) => {
            if let Some(key) = bounded(key, 8, 500).filter(|k| !k.contains(char::is_whitespace)) {
                Some(Some(key))
            } else {
                fail(
                    "openai_api_key",
                    "an API key is 8 to 500 characters without spaces",
                );
                None
            }
        }
        Some(None) => Some(None),
        None => None,
    };
    if let Some(base) = &input.openai_base_url {
        let base = base.as_deref().unwrap_or(DEFAULT_BASE_URL);
        match normalize_base_url(base, context.allow_private_upstreams) {
            Ok(base) => {
                let key_kept = project.openai_api_key_ciphertext.is_some() && new_key.is_none();
                if base != project.openai_base_url && key_kept {
                    fail(
                        "openai_api_key",
                        "enter the API key again when you change the base URL",
                    );
                }
                project.openai_base_url = base;
            }
            Err(reason) => fail("openai_base_url", reason),
        }
    }
    match new_key {
        Some(Some(key)) => {
            project.openai_api_key_ciphertext =
                Some(api_keys::encrypt(context.keyring, project.id, &key));
            project.openai_api_key_hint = Some(api_keys::hint(&key));
        }
        Some(None) => {
            project.openai_api_key_ciphertext = None;
            project.openai_api_key_hint = None;
        }
        None => {}
    }
}

/// The stored name of an [`ApiStyle`].
#[must_use]
pub fn style_name(style: ApiStyle) -> &'static str {
    match style {
        ApiStyle::Responses => "responses",
        ApiStyle::ChatCompletions => "chat_completions",
    }
}

/// `https://host[:port]/path` without a trailing slash, query or fragment.
pub fn normalize_base_url(input: &str, allow_private: bool) -> Result<String, &'static str> {
    let url = url::Url::parse(input.trim())
        .map_err(|_| "not a URL: write it like https://api.openai.com/v1")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the base URL must start with https:// (or http://)");
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("the base URL has no query, fragment or credentials");
    }
    if !allow_private && crate::llm::addresses::is_private_host(&url) {
        return Err(
            "loopback, private and link-local addresses are refused (set ALLOW_PRIVATE_UPSTREAMS=true for local models)",
        );
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn apply_vector_stores(project: &mut Project, ids: &[String], fail: &mut impl FnMut(&str, &str)) {
    if ids.len() > 10 {
        fail("vector_store_ids", "at most 10 vector stores");
        return;
    }
    let mut clean = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        let id = id.trim();
        let valid = id.len() <= 100
            && id.strip_prefix("vs_").is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if !valid {
            fail(
                &format!("vector_store_ids[{index}]"),
                "a vector store id looks like vs_abc123",
            );
        } else if !clean.iter().any(|known| known == id) {
            clean.push(id.to_owned());
        }
    }
    project.vector_store_ids = serde_json::json!(clean);
}

fn apply_origins(project: &mut Project, list: &[String], fail: &mut impl FnMut(&str, &str)) {
    if list.len() > 50 {
        fail("allowed_origins", "at most 50 origins");
        return;
    }
    let mut clean: Vec<String> = Vec::new();
    for (index, origin) in list.iter().enumerate() {
        match origins::normalize(origin) {
            Ok(origin) if !clean.contains(&origin) => clean.push(origin),
            Ok(_) => {}
            Err(reason) => fail(&format!("allowed_origins[{index}]"), &reason.to_string()),
        }
    }
    project.allowed_origins = serde_json::json!(clean);
}

fn apply_widget(project: &mut Project, widget: &WidgetInput, fail: &mut impl FnMut(&str, &str)) {
    if let Some(title) = &widget.title {
        match bounded(title, 1, 60) {
            Some(title) => project.widget_title = title,
            None => fail("widget.title", "a title of 1 to 60 characters"),
        }
    }
    if let Some(greeting) = &widget.greeting {
        match bounded(greeting, 0, 500) {
            Some(greeting) => project.widget_greeting = greeting,
            None => fail("widget.greeting", "at most 500 characters"),
        }
    }
    if let Some(color) = &widget.color {
        let color = color.trim();
        let valid = color.len() == 7
            && color.starts_with('#')
            && color[1..].chars().all(|c| c.is_ascii_hexdigit());
        if valid {
            project.widget_color = color.to_ascii_lowercase();
        } else {
            fail("widget.color", "a colour like #2563eb");
        }
    }
    if let Some(position) = widget.position {
        project.widget_position = match position {
            WidgetPosition::Right => "right",
            WidgetPosition::Left => "left",
        }
        .to_owned();
    }
    if let Some(after) = widget.rating_after {
        after.as_str().clone_into(&mut project.widget_rating_after);
    }
    match &widget.locale {
        Some(Some(locale)) if !matches!(locale.as_str(), "ru" | "en") => {
            fail(
                "widget.locale",
                "ru, en, or null for the visitor's browser language",
            );
        }
        Some(locale) => project.widget_locale = locale.clone(),
        None => {}
    }
    if let Some(notice) = &widget.privacy_notice {
        match notice.as_deref().map(|text| bounded(text, 0, 2000)) {
            Some(None) => fail("widget.privacy_notice", "at most 2000 characters"),
            Some(Some(text)) => project.privacy_notice = Some(text).filter(|t| !t.is_empty()),
            None => project.privacy_notice = None,
        }
    }
}

fn apply_limits(project: &mut Project, limits: &LimitsInput, fail: &mut impl FnMut(&str, &str)) {
    let mut set =
        |field: &str, value: Option<i32>, range: std::ops::RangeInclusive<i32>, slot: &mut i32| {
            if let Some(value) = value {
                if range.contains(&value) {
                    *slot = value;
                } else {
                    fail(
                        &format!("limits.{field}"),
                        &format!("between {} and {}", range.start(), range.end()),
                    );
                }
            }
        };
    set(
        "message_chars",
        limits.message_chars,
        1..=10_000,
        &mut project.limit_message_chars,
    );
    set(
        "messages_per_minute",
        limits.messages_per_minute,
        1..=600,
        &mut project.limit_messages_per_minute,
    );
    set(
        "conversations_per_hour",
        limits.conversations_per_hour,
        1..=10_000,
        &mut project.limit_conversations_per_hour,
    );
    set(
        "daily_ai_messages",
        limits.daily_ai_messages,
        0..=1_000_000,
        &mut project.limit_daily_ai_messages,
    );
    set(
        "messages_per_ip_per_minute",
        limits.messages_per_ip_per_minute,
        1..=6000,
        &mut project.limit_messages_per_ip_per_minute,
    );
    set(
        "max_output_tokens",
        limits.max_output_tokens,
        16..=100_000,
        &mut project.limit_max_output_tokens,
    );
    if let Some(tokens) = limits.daily_ai_tokens {
        if (0..=1_000_000_000).contains(&tokens) {
            project.limit_daily_ai_tokens = tokens;
        } else {
            fail("limits.daily_ai_tokens", "between 0 and 1000000000");
        }
    }
    // Each answer reserves its cap: a cap over the daily tokens never answers.
    let daily = project.limit_daily_ai_tokens;
    if daily > 0 && i64::from(project.limit_max_output_tokens) > daily {
        fail(
            "limits.max_output_tokens",
            &format!("at most the AI tokens per day ({daily}): each answer reserves it"),
        );
    }
}

fn apply_handoff(project: &mut Project, handoff: &HandoffInput, fail: &mut impl FnMut(&str, &str)) {
    if let Some(allowed) = handoff.ai_allowed {
        project.handoff_ai_allowed = allowed;
    }
    match handoff.timeout_minutes {
        Some(Some(minutes)) if !(1..=1440).contains(&minutes) => {
            fail(
                "handoff.timeout_minutes",
                "between 1 and 1440 minutes, or null to wait as long as it takes",
            );
        }
        Some(minutes) => project.handoff_timeout_minutes = minutes,
        None => {}
    }
    if let Some(action) = handoff.timeout_action {
        project.handoff_timeout_action = match action {
            HandoffTimeoutAction::Ai => "ai",
            HandoffTimeoutAction::Contact => "contact",
        }
        .to_owned();
    }
}
