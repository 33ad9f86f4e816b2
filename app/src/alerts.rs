//! `/admin/alerts`: the signed-in user's own alerts ("My alerts"), for
//! operators and admins alike: the Telegram link, which alerts go to
//! Telegram and by email, the email address, quiet hours and the alerts'
//! language (`docs/alerts.md`).
//!
//! # Layout
//! - this file: the page, loading the choices and the projects.
//! - `telegram`: linking and unlinking the Telegram chat, and the refresh
//!   every 3 s while a link waits to be opened.
//! - `settings`: the form of choices, saved as one `NotificationsInput`.
//! - `choices`: one channel's checkboxes.

mod choices;
mod settings;
mod telegram;

use crate::api::alerts::get_notifications;
use crate::api::list_projects;
use crate::chrome::SignedIn;
use crate::i18n::{reason, use_lang, use_texts};
use leptos::prelude::*;
use uuid::Uuid;

/// The "My alerts" page.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn AlertsPage() -> impl IntoView {
    view! { <SignedIn render=|_| view! { <Alerts /> } /> }
}

/// The page of a signed-in user: loads their choices and the projects they
/// may see, then draws the Telegram section and the form.
#[component]
fn Alerts() -> impl IntoView {
    let texts = use_texts();
    let lang = use_lang();
    let notifications = Resource::new(|| (), |_| get_notifications());
    let projects = Resource::new(|| (), |_| list_projects());
    view! {
        <div class="page-title">
            <h1>{texts.alerts.title}</h1>
        </div>
        <p class="hint">{texts.alerts.intro}</p>
        <Suspense fallback=move || view! { <p class="muted">{texts.loading}</p> }>
            {move || Suspend::new(async move {
                let projects: Vec<(Uuid, String)> = projects
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .map(|project| (project.id, project.name))
                    .collect();
                match notifications.await {
                    Ok(notifications) => view! {
                        <telegram::TelegramSection
                            enabled=notifications.telegram_enabled
                            linked=notifications.telegram_linked
                            username=notifications.telegram_username.clone()
                        />
                        <settings::SettingsForm notifications projects />
                    }
                        .into_any(),
                    Err(err) => view! {
                        <p class="field-error" role="alert">{reason(lang, &err.to_string())}</p>
                    }
                        .into_any(),
                }
            })}
        </Suspense>
    }
}
