//! `/admin/`: the projects the user may see.

use crate::api::get_health;
use crate::api::list_projects;
use crate::chrome::SignedIn;
use crate::i18n::use_texts;
use contract::auth::{Role, UserView};
use leptos::prelude::*;

/// The list of projects, with a "new project" button for admins.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn ProjectsPage() -> impl IntoView {
    view! { <SignedIn render=|user| view! { <ProjectList user /> } /> }
}

#[component]
fn ProjectList(user: UserView) -> impl IntoView {
    let texts = use_texts();
    let projects = Resource::new(|| (), |_| list_projects());
    view! {
        <div class="page-title">
            <h1>{texts.projects}</h1>
            {(user.role == Role::Admin)
                .then(|| view! { <a class="button primary" href="/admin/projects/new">{texts.new_project}</a> })}
        </div>
        <Suspense fallback=move || view! { <p class="muted">{texts.loading}</p> }>
            {move || Suspend::new(async move {
                match projects.await {
                    Ok(list) if list.is_empty() => view! { <p class="card muted">{texts.no_projects}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="project-list">
                            {list.into_iter().map(|project| {
                                let key = if project.openai_api_key_unreadable {
                                    ("bad", texts.key_unreadable.to_owned())
                                } else if project.openai_api_key_set {
                                    ("ok", format!("{} {}", texts.key_set, project.openai_api_key_hint.unwrap_or_default()))
                                } else {
                                    ("warn", texts.key_missing.to_owned())
                                };
                                view! {
                                    <li class="card project">
                                        <a class="project-name" href=format!("/admin/projects/{}", project.id)>{project.name}</a>
                                        <span class=format!("pill {}", key.0)>{key.1}</span>
                                        <span class="muted">{format!("{} · {} {}", project.model, project.allowed_origins.len(), texts.origins_count)}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <p class="field-error">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <StatusLine />
    }
}

/// The server's health, from the same service as `GET /health`.
#[component]
fn StatusLine() -> impl IntoView {
    let texts = use_texts();
    let health = Resource::new(|| (), |_| get_health());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                health.await.ok().map(|health| {
                    let class = if health.is_ok() { "status-line ok" } else { "status-line bad" };
                    view! {
                        <p class=class>
                            {format!("{}: server {}, database {}, v{}", texts.status, health.status, health.db, health.version)}
                        </p>
                    }
                })
            })}
        </Suspense>
    }
}
