//! The HTML shell, the router, and the frame around every signed-in page.

use super::api::{logout, me};
use super::i18n::{Lang, use_texts};
use super::inbox::{Attention, InboxPage};
use super::login::LoginPage;
use super::project_form::{EditProjectPage, NewProjectPage};
use super::projects::ProjectsPage;
use super::users::UsersPage;
use crate::auth::{Role, UserView};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::path;

/// The HTML document around [`App`], rendered by the server on every page load
/// in the language the browser asks for.
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
    super::i18n::use_lang()
}

/// The dashboard's root component and its routes.
#[component]
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
                <Route path=path!("/admin/users") view=UsersPage />
                <Route path=path!("/admin/inbox") view=InboxPage />
            </Routes>
        </Router>
    }
}

/// A signed-in page: the header, then `render(user)`; without a session, the login page.
#[component]
pub fn SignedIn<F, V>(render: F) -> impl IntoView
where
    F: Fn(UserView) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let texts = use_texts();
    let user = Resource::new(|| (), |_| me());
    view! {
        <Suspense fallback=move || view! { <p class="page muted">{texts.loading}</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => {
                            view! {
                                <Header user=user.clone() />
                                <main class="page">{render(user)}</main>
                            }
                                .into_any()
                        }
                        Ok(None) => view! { <Redirect path="/admin/login" /> }.into_any(),
                        Err(err) => view! { <p class="page field-error">{err.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The top bar: the product, the sections, the user and logout.
#[component]
fn Header(user: UserView) -> impl IntoView {
    let texts = use_texts();
    let attention = use_context::<Attention>();
    let log_out = Action::new(|_: &()| async move {
        let _ = logout().await;
        #[cfg(feature = "hydrate")]
        let _ = window().location().set_href("/admin/login");
    });
    view! {
        <header class="topbar">
            <a class="brand" href="/admin/">"aiwidget"</a>
            <nav aria-label="main">
                <A href="/admin/inbox">
                    {texts.inbox.title}
                    {move || {
                        let count = attention.map_or(0, |Attention(count)| count.get());
                        (count > 0).then(|| view! { <span class="badge">{count}</span> })
                    }}
                </A>
                <A href="/admin/" exact=true>{texts.projects}</A>
                {(user.role == Role::Admin).then(|| view! { <A href="/admin/users">{texts.users}</A> })}
            </nav>
            <span class="who">{user.display_name}</span>
            <button class="link" on:click=move |_| { log_out.dispatch(()); }>{texts.log_out}</button>
        </header>
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
