//! `/admin/login`.

use crate::api::Login;
use crate::i18n::use_texts;
use contract::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// The login form; on success, the projects.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn LoginPage() -> impl IntoView {
    let texts = use_texts();
    let login = ServerAction::<Login>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = login.value().get() {
            navigate("/admin", Default::default());
        }
    });
    let error = move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| match err {
                AppError::RateLimited { .. } | AppError::Busy { .. } => texts.too_many_attempts,
                _ => texts.wrong_credentials,
            })
    };
    view! {
        <main class="login">
            <ActionForm action=login attr:class="card login-card">
                <p class="brand">"aiwidget"</p>
                <h1>{texts.login_title}</h1>
                <p class="muted">{texts.tagline}</p>
                <label>
                    {texts.username}
                    <input name="username" autocomplete="username" required />
                </label>
                <label>
                    {texts.password}
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                {move || error().map(|text| view! { <p class="field-error" role="alert">{text}</p> })}
                <button type="submit" class="primary" disabled=move || login.pending().get()>
                    {texts.log_in}
                </button>
            </ActionForm>
        </main>
    }
}
