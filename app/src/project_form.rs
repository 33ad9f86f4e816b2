//! `/admin/projects/new` and `/admin/projects/{id}`: every field of a project,
//! each error next to its field, and the embed snippet.

mod fields;
mod provider_lists;
mod sections;

use fields::Fields;
use provider_lists::ProviderLists;
use sections::{AiSection, LimitsSection, WidgetSection};

use crate::api::{delete_project, get_project, save_project};
use crate::chrome::SignedIn;
use crate::forms::{FieldError, FieldErrors, ListErrors, field_errors};
use crate::i18n::{use_lang, use_texts};
use crate::knowledge::check::CheckPanel;
use contract::auth::Role;
use contract::projects::{ProjectInput, ProjectView};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A new project.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn NewProjectPage() -> impl IntoView {
    view! { <SignedIn render=|user| view! { <ProjectForm project=None lists=None admin=user.role == Role::Admin /> } /> }
}

/// An existing project, loaded by the id in the path.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn EditProjectPage() -> impl IntoView {
    let id = id_in_path();
    view! {
        <SignedIn render=move |user| {
            let admin = user.role == Role::Admin;
            let project = project_resource(id);
            let lists = ProviderLists::new(id, admin);
            view! {
                <Suspense fallback=|| view! { <p class="muted">"…"</p> }>
                    {move || Suspend::new(async move {
                        match project.await {
                            Ok(project) => view! { <ProjectForm project=Some(project) lists=Some(lists) admin /> }.into_any(),
                            Err(err) => view! { <p class="field-error">{err.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

/// The project id in the route's path (`:id`), `None` when it is not one.
pub(crate) fn id_in_path() -> impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()))
}

/// The project `id` names, loaded through its server function.
pub(crate) fn project_resource(
    id: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static,
) -> Resource<Result<ProjectView, contract::AppError>> {
    Resource::new(id, |id| async move {
        match id {
            Some(id) => get_project(id).await,
            None => Err(contract::AppError::not_found(
                "project_not_found",
                "no such project",
            )),
        }
    })
}

/// The form itself; `project` and `lists` are `None` for a new one.
#[component]
fn ProjectForm(
    project: Option<ProjectView>,
    lists: Option<ProviderLists>,
    admin: bool,
) -> impl IntoView {
    let texts = use_texts();
    let fields = Fields::new(project.as_ref());
    let errors: FieldErrors = RwSignal::new(BTreeMap::new());
    let saved = RwSignal::new(project.clone());
    let notice = RwSignal::new(None::<&'static str>);
    let navigate = use_navigate();
    let save = Action::new(move |input: &(Option<Uuid>, ProjectInput)| {
        let (id, input) = input.clone();
        async move { save_project(id, input).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(project)) => {
            errors.set(BTreeMap::new());
            fields.api_key.set(String::new());
            fields.remove_key.set(false);
            notice.set(Some(texts.saved));
            let was_new = saved.with_untracked(Option::is_none);
            let id = project.id;
            saved.set(Some(project));
            if was_new {
                navigate(&format!("/admin/projects/{id}"), Default::default());
            }
        }
        Some(Err(err)) => {
            errors.set(field_errors(&err));
            notice.set(Some(texts.fix_errors));
        }
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match fields.input() {
            Ok(input) => {
                save.dispatch((saved.with_untracked(|p| p.as_ref().map(|p| p.id)), input));
            }
            Err(local) => {
                errors.set(local);
                notice.set(Some(texts.fix_errors));
            }
        }
    };
    let id = project.as_ref().map(|p| p.id);
    let key_set = project.as_ref().is_some_and(|p| p.openai_api_key_set);
    let heading = project
        .as_ref()
        .map_or_else(|| texts.new_project.to_owned(), |p| p.name.clone());
    view! {
        <div class="page-title">
            <h1>{heading}</h1>
            {id.map(|id| view! { <a href=format!("/admin/projects/{id}/knowledge") class="button">{texts.knowledge.title}</a> })}
            <a href="/admin/" class="muted">{texts.back}</a>
        </div>
        {move || saved.get().map(|project| view! { <Snippet project /> })}
        {id.filter(|_| admin && key_set).map(|project| view! {
            <CheckPanel project lang=use_lang() />
        })}
        <form class="project-form" on:submit=submit novalidate>
            <fieldset class="card" disabled=!admin>
                <legend>{texts.section_basics}</legend>
                <TextField label=texts.name value=fields.name field="name" errors />
            </fieldset>
            <AiSection fields errors key_set lists admin texts saved />
            <WidgetSection fields errors admin texts />
            <fieldset class="card" disabled=!admin>
                <legend>{texts.section_origins}</legend>
                <label>
                    <span class="hint">{texts.origins_hint}</span>
                    <textarea id="allowed-origins" rows="4" prop:value=fields.origins on:input=move |ev| fields.origins.set(event_target_value(&ev))></textarea>
                </label>
                <FieldError errors field="allowed_origins" />
                <ListErrors errors prefix="allowed_origins" line=texts.line />
            </fieldset>
            <LimitsSection fields errors admin texts />
            {admin.then(|| view! {
                <FieldError errors field=crate::forms::FORM />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || save.pending().get()>{texts.save}</button>
                    {move || notice.get().map(|text| view! { <span class="notice" role="status">{text}</span> })}
                    {id.map(|id| view! { <DeleteProject id /> })}
                </div>
            })}
        </form>
        {id.map(|project| view! { <crate::replies::RepliesSection project admin /> })}
    }
}

/// A labelled text input bound to `value`, with its error.
#[component]
fn TextField(
    label: &'static str,
    value: RwSignal<String>,
    field: &'static str,
    errors: FieldErrors,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] list: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input
                type=kind.unwrap_or("text")
                placeholder=placeholder
                list=list
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || errors.with(|e| e.contains_key(field)).to_string()
            />
        </label>
        <FieldError errors field />
    }
    .into_any()
}

/// The embed snippet with a copy button.
#[component]
fn Snippet(project: ProjectView) -> impl IntoView {
    let texts = use_texts();
    let copied = RwSignal::new(false);
    let snippet = project.embed_snippet.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&snippet);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &snippet;
        copied.set(true);
    };
    view! {
        <section class="card snippet">
            <h2>{texts.embed_title}</h2>
            <p class="hint">{texts.embed_hint}</p>
            <pre><code>{project.embed_snippet}</code></pre>
            <button type="button" on:click=copy>{move || if copied.get() { texts.copied } else { texts.copy }}</button>
            {project.warnings.into_iter().map(|w| view! { <p class="warning">{w}</p> }).collect_view()}
        </section>
    }
}

/// The delete button, asking first.
#[component]
fn DeleteProject(id: Uuid) -> impl IntoView {
    let texts = use_texts();
    let delete = Action::new(move |_: &()| async move {
        if delete_project(id).await.is_ok() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href("/admin/");
        }
    });
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if window()
                .confirm_with_message(texts.confirm_delete)
                .unwrap_or(false)
            {
                delete.dispatch(());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = delete;
    };
    view! { <button type="button" class="danger" on:click=ask>{texts.delete}</button> }
}
