//! The frame around every signed-in page: the session check, the top bar
//! with the sections, and the [`Attention`] count the inbox keeps for it.

use crate::api::{logout, me};
use crate::i18n::use_texts;
use contract::auth::{Role, UserView};
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};

/// How many conversations need a human now (the header's badge, the tab's title).
#[derive(Debug, Clone, Copy)]
pub struct Attention(pub RwSignal<usize>);

/// A signed-in page: the header, then `render(user)`; without a session, the login page.
#[component]
pub fn SignedIn<F, V>(
    /// Draws the page for the signed-in user.
    render: F,
) -> impl IntoView
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
                <A href="/admin/analytics">{texts.analytics.title}</A>
                <A href="/admin/alerts">{texts.alerts.title}</A>
            </nav>
            <span class="who">{user.display_name}</span>
            <button class="link" on:click=move |_| { log_out.dispatch(()); }>{texts.log_out}</button>
        </header>
    }
}
