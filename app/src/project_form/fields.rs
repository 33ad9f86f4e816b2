//! The project form's values as typed, read from a project and turned into its input.

use contract::projects::{
    ApiStyle, HandoffInput, HandoffTimeoutAction, LimitsInput, ProjectInput, ProjectView,
    RatingAfter, WidgetInput, WidgetPosition,
};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The values of the form, as typed.
#[derive(Clone, Copy)]
pub(super) struct Fields {
    pub(super) name: RwSignal<String>,
    pub(super) api_key: RwSignal<String>,
    pub(super) remove_key: RwSignal<bool>,
    pub(super) base_url: RwSignal<String>,
    pub(super) chat_completions: RwSignal<bool>,
    pub(super) model: RwSignal<String>,
    pub(super) vector_stores: RwSignal<Vec<String>>,
    pub(super) instructions: RwSignal<String>,
    pub(super) title: RwSignal<String>,
    pub(super) greeting: RwSignal<String>,
    pub(super) color: RwSignal<String>,
    pub(super) left: RwSignal<bool>,
    pub(super) locale: RwSignal<String>,
    pub(super) rating_after: RwSignal<RatingAfter>,
    pub(super) privacy_notice: RwSignal<String>,
    pub(super) origins: RwSignal<String>,
    pub(super) message_chars: RwSignal<String>,
    pub(super) messages_per_minute: RwSignal<String>,
    pub(super) conversations_per_hour: RwSignal<String>,
    pub(super) daily_ai_messages: RwSignal<String>,
    pub(super) daily_ai_tokens: RwSignal<String>,
    pub(super) messages_per_ip_per_minute: RwSignal<String>,
    pub(super) max_output_tokens: RwSignal<String>,
    pub(super) ai_allowed: RwSignal<bool>,
    pub(super) timeout_minutes: RwSignal<String>,
    pub(super) contact_on_timeout: RwSignal<bool>,
    pub(super) retention_days: RwSignal<String>,
    pub(super) time_zone: RwSignal<String>,
    pub(super) embedding_model: RwSignal<String>,
}

impl Fields {
    pub(super) fn new(project: Option<&ProjectView>) -> Self {
        let text = |value: Option<String>| RwSignal::new(value.unwrap_or_default());
        let number =
            |value: Option<i64>| RwSignal::new(value.map(|n| n.to_string()).unwrap_or_default());
        let p = project;
        Self {
            name: text(p.map(|p| p.name.clone())),
            api_key: RwSignal::new(String::new()),
            remove_key: RwSignal::new(false),
            base_url: text(Some(p.map_or_else(
                || "https://api.openai.com/v1".into(),
                |p| p.openai_base_url.clone(),
            ))),
            chat_completions: RwSignal::new(
                p.is_some_and(|p| p.api_style == ApiStyle::ChatCompletions),
            ),
            model: text(Some(
                p.map_or_else(|| "gpt-4.1-mini".into(), |p| p.model.clone()),
            )),
            vector_stores: RwSignal::new(p.map(|p| p.vector_store_ids.clone()).unwrap_or_default()),
            instructions: text(p.map(|p| p.instructions.clone())),
            title: text(Some(
                p.map_or_else(|| "Chat".into(), |p| p.widget.title.clone()),
            )),
            greeting: text(p.map(|p| p.widget.greeting.clone())),
            color: text(Some(
                p.map_or_else(|| "#2563eb".into(), |p| p.widget.color.clone()),
            )),
            left: RwSignal::new(p.is_some_and(|p| p.widget.position == WidgetPosition::Left)),
            locale: text(p.and_then(|p| p.widget.locale.clone())),
            rating_after: RwSignal::new(p.map(|p| p.widget.rating_after).unwrap_or_default()),
            privacy_notice: text(p.and_then(|p| p.widget.privacy_notice.clone())),
            origins: text(p.map(|p| p.allowed_origins.join("\n"))),
            message_chars: number(Some(p.map_or(2000, |p| p.limits.message_chars.into()))),
            messages_per_minute: number(Some(
                p.map_or(10, |p| p.limits.messages_per_minute.into()),
            )),
            conversations_per_hour: number(Some(
                p.map_or(20, |p| p.limits.conversations_per_hour.into()),
            )),
            daily_ai_messages: number(Some(p.map_or(1000, |p| p.limits.daily_ai_messages.into()))),
            daily_ai_tokens: number(Some(p.map_or(2_000_000, |p| p.limits.daily_ai_tokens))),
            messages_per_ip_per_minute: number(Some(p.map_or(
                contract::projects::default_messages_per_ip_per_minute().into(),
                |p| p.limits.messages_per_ip_per_minute.into(),
            ))),
            max_output_tokens: number(Some(p.map_or(
                contract::projects::default_max_output_tokens().into(),
                |p| p.limits.max_output_tokens.into(),
            ))),
            ai_allowed: RwSignal::new(p.is_none_or(|p| p.handoff.ai_allowed)),
            timeout_minutes: number(
                p.map_or(Some(5), |p| p.handoff.timeout_minutes.map(i64::from)),
            ),
            contact_on_timeout: RwSignal::new(
                p.is_some_and(|p| p.handoff.timeout_action == HandoffTimeoutAction::Contact),
            ),
            retention_days: number(p.and_then(|p| p.retention_days.map(i64::from))),
            embedding_model: text(p.and_then(|p| p.embedding_model.clone())),
            time_zone: RwSignal::new(p.map_or_else(contract::projects::default_time_zone, |p| {
                p.time_zone.clone()
            })),
        }
    }

    /// The input to send, or the fields whose numbers do not parse.
    pub(super) fn input(&self) -> Result<ProjectInput, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut int = |field: &str, value: RwSignal<String>| -> Option<i64> {
            let text = value.get_untracked();
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            if let Ok(number) = text.parse() {
                Some(number)
            } else {
                errors.insert(field.to_owned(), "a whole number".to_owned());
                None
            }
        };
        let limits = LimitsInput {
            message_chars: int("limits.message_chars", self.message_chars).map(clamp_i32),
            messages_per_minute: int("limits.messages_per_minute", self.messages_per_minute)
                .map(clamp_i32),
            conversations_per_hour: int(
                "limits.conversations_per_hour",
                self.conversations_per_hour,
            )
            .map(clamp_i32),
            daily_ai_messages: int("limits.daily_ai_messages", self.daily_ai_messages)
                .map(clamp_i32),
            daily_ai_tokens: int("limits.daily_ai_tokens", self.daily_ai_tokens),
            messages_per_ip_per_minute: int(
                "limits.messages_per_ip_per_minute",
                self.messages_per_ip_per_minute,
            )
            .map(clamp_i32),
            max_output_tokens: int("limits.max_output_tokens", self.max_output_tokens)
                .map(clamp_i32),
        };
        let timeout = int("handoff.timeout_minutes", self.timeout_minutes).map(clamp_i32);
        let retention = int("retention_days", self.retention_days).map(clamp_i32);
        if !errors.is_empty() {
            return Err(errors);
        }
        let key = self.api_key.get_untracked();
        let optional = |value: RwSignal<String>| {
            Some(value.get_untracked()).filter(|text| !text.trim().is_empty())
        };
        Ok(ProjectInput {
            name: Some(self.name.get_untracked()),
            openai_api_key: if self.remove_key.get_untracked() {
                Some(None)
            } else if key.trim().is_empty() {
                None
            } else {
                Some(Some(key))
            },
            openai_base_url: Some(Some(self.base_url.get_untracked())),
            api_style: Some(if self.chat_completions.get_untracked() {
                ApiStyle::ChatCompletions
            } else {
                ApiStyle::Responses
            }),
            model: Some(self.model.get_untracked()),
            vector_store_ids: Some(self.vector_stores.get_untracked()),
            instructions: Some(self.instructions.get_untracked()),
            allowed_origins: Some(
                self.origins
                    .get_untracked()
                    .lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            widget: Some(WidgetInput {
                title: Some(self.title.get_untracked()),
                greeting: Some(self.greeting.get_untracked()),
                color: Some(self.color.get_untracked()),
                position: Some(if self.left.get_untracked() {
                    WidgetPosition::Left
                } else {
                    WidgetPosition::Right
                }),
                locale: Some(optional(self.locale)),
                privacy_notice: Some(optional(self.privacy_notice)),
                rating_after: Some(self.rating_after.get_untracked()),
            }),
            limits: Some(limits),
            handoff: Some(HandoffInput {
                ai_allowed: Some(self.ai_allowed.get_untracked()),
                timeout_minutes: Some(timeout),
                timeout_action: Some(if self.contact_on_timeout.get_untracked() {
                    HandoffTimeoutAction::Contact
                } else {
                    HandoffTimeoutAction::Ai
                }),
            }),
            retention_days: Some(retention),
            time_zone: Some(self.time_zone.get_untracked()),
            embedding_model: Some(
                Some(self.embedding_model.get_untracked().trim().to_owned())
                    .filter(|model| !model.is_empty()),
            ),
            ..ProjectInput::default()
        })
    }
}

pub(super) fn clamp_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}
