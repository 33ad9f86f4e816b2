//! Field errors from a `validation_failed` answer, shown next to their inputs.

use crate::i18n::{reason, use_lang};
use contract::AppError;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The reasons per field of the last failed save (empty when it succeeded).
pub type FieldErrors = RwSignal<BTreeMap<String, String>>;

/// The field under which errors that belong to no field are shown.
pub const FORM: &str = "form";

/// Takes the field reasons out of an error; any other error (a conflict, a
/// refusal) is filed under [`FORM`].
#[must_use]
pub fn field_errors(error: &AppError) -> BTreeMap<String, String> {
    match error {
        AppError::Validation { fields, .. } => fields.clone(),
        other => BTreeMap::from([(FORM.to_owned(), other.to_string())]),
    }
}

/// The reason for `field`, if the last save had one.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn FieldError(
    /// The form's field errors.
    errors: FieldErrors,
    /// The field's name as the server names it, e.g. `widget.color`.
    #[prop(into)]
    field: String,
) -> impl IntoView {
    let id = format!("error-{}", field.replace(['[', ']', '.'], "-"));
    move || {
        errors
            .with(|errors| errors.get(&field).cloned())
            .map(|reason| {
                view! { <p class="field-error" id=id.clone() role="alert">{reason}</p> }
            })
    }
}

/// The reasons of every field whose name starts with `prefix` (list fields
/// like `allowed_origins[2]`), each with its 1-based line number.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn ListErrors(
    /// The form's field errors.
    errors: FieldErrors,
    /// The list field's name, e.g. `allowed_origins`.
    prefix: &'static str,
    /// The word before each line number, in the dashboard's language.
    line: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        errors.with(|errors| {
            errors
                .iter()
                .filter_map(|(field, english)| {
                    let index: usize = field.strip_prefix(prefix)?.strip_prefix('[')?.strip_suffix(']')?.parse().ok()?;
                    Some(view! { <p class="field-error" role="alert">{format!("{line} {}: {}", index + 1, reason(lang, english))}</p> })
                })
                .collect_view()
        })
    }
}

/// Asks the user before a removal (always no on the server).
pub(crate) fn confirmed(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(question).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        false
    }
}
