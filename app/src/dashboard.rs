//! The dashboard: a Leptos app at `/admin/`, rendered by the server and
//! hydrated by the `admin` crate's wasm.

use crate::health::get_health;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around [`App`], rendered by the server on every page load.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
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

/// The dashboard's root component and its routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/aiwidget.css" />
        <Title text="aiwidget" />
        <Router>
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/admin") view=HomePage />
                </Routes>
            </main>
        </Router>
    }
}

/// The start page: what this instance is and whether it is healthy.
#[component]
fn HomePage() -> impl IntoView {
    let health = Resource::new(|| (), |_| get_health());
    view! {
        <header class="page-header">
            <h1>"aiwidget"</h1>
            <p class="muted">"AI chat widget with live human takeover"</p>
        </header>
        <section class="card" aria-live="polite">
            <h2>"Status"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Checking…"</p> }>
                {move || {
                    health
                        .get()
                        .map(|result| match result {
                            Ok(health) => {
                                let class = if health.is_ok() { "status ok" } else { "status bad" };
                                view! {
                                    <dl class=class>
                                        <dt>"Server"</dt>
                                        <dd>{health.status}</dd>
                                        <dt>"Database"</dt>
                                        <dd>{health.db}</dd>
                                        <dt>"Version"</dt>
                                        <dd>{health.version}</dd>
                                    </dl>
                                }
                                    .into_any()
                            }
                            Err(err) => {
                                view! { <p class="status bad">{err.to_string()}</p> }.into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
    }
}

/// Shown for dashboard paths that do not exist.
#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Not found"</h1>
            <p>
                <a href="/admin/">"Back to the dashboard"</a>
            </p>
        </section>
    }
}
