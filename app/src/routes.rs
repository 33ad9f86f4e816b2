//! The dashboard's routes, all in one place, and the HTML document around them.

use crate::alerts::AlertsPage;
use crate::analytics::AnalyticsPage;
use crate::chrome::Attention;
use crate::i18n::{Lang, use_texts};
use crate::inbox::InboxPage;
use crate::knowledge::KnowledgePage;
use crate::login::LoginPage;
use crate::project_form::{EditProjectPage, NewProjectPage};
use crate::projects::ProjectsPage;
use crate::users::UsersPage;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around [`App`], rendered by the server on every page load
/// in the language the browser asks for.
#[must_use]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = request_lang();
    provide_context(lang);
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[cfg(feature = "ssr")]
fn request_lang() -> Lang {
    let parts = use_context::<axum::http::request::Parts>();
    let header = |name| {
        parts
            .as_ref()
            .and_then(|parts| parts.headers.get(name))
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    Lang::negotiate(
        header(axum::http::header::COOKIE).as_deref(),
        header(axum::http::header::ACCEPT_LANGUAGE).as_deref(),
    )
}

#[cfg(not(feature = "ssr"))]
fn request_lang() -> Lang {
    crate::i18n::use_lang()
}

/// The dashboard's root component and its routes.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(Attention(RwSignal::new(0)));
    view! {
        <Stylesheet id="leptos" href="/pkg/aiwidget.css" />
        <Title text="aiwidget" />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/admin") view=ProjectsPage />
                <Route path=path!("/admin/login") view=LoginPage />
                <Route path=path!("/admin/projects/new") view=NewProjectPage />
                <Route path=path!("/admin/projects/:id") view=EditProjectPage />
                <Route path=path!("/admin/projects/:id/knowledge") view=KnowledgePage />
                <Route path=path!("/admin/users") view=UsersPage />
                <Route path=path!("/admin/inbox") view=InboxPage />
                <Route path=path!("/admin/alerts") view=AlertsPage />
                <Route path=path!("/admin/analytics") view=AnalyticsPage />
            </Routes>
        </Router>
    }
}

/// Shown for dashboard paths that do not exist.
#[component]
fn NotFound() -> impl IntoView {
    let texts = use_texts();
    view! {
        <main class="page">
            <section class="card">
                <h1>{texts.not_found}</h1>
                <p>
                    <a href="/admin/">{texts.back}</a>
                </p>
            </section>
        </main>
    }
}
