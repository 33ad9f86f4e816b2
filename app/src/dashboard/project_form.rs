//! `/admin/projects/new` and `/admin/projects/{id}`: every field of a project,
//! each error next to its field, and the embed snippet.

use super::api::{
    delete_project, get_project, probe_models, project_models, project_vector_stores, save_project,
};
use super::forms::{FieldError, FieldErrors, ListErrors, field_errors};
use super::i18n::{Texts, reason, use_lang, use_texts};
use super::layout::SignedIn;
use crate::auth::Role;
use crate::projects::{
    ApiStyle, HandoffInput, HandoffTimeoutAction, LimitsInput, ProjectInput, ProjectView,
    WidgetInput, WidgetPosition,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A new project.
#[component]
pub fn NewProjectPage() -> impl IntoView {
    view! { <SignedIn render=|user| view! { <ProjectForm project=None admin=user.role == Role::Admin /> } /> }
}

/// An existing project, loaded by the id in the path.
#[component]
pub fn EditProjectPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    view! {
        <SignedIn render=move |user| {
            let admin = user.role == Role::Admin;
            let project = Resource::new(id, |id| async move {
                match id {
                    Some(id) => get_project(id).await,
                    None => Err(crate::AppError::not_found("project_not_found", "no such project")),
                }
            });
            view! {
                <Suspense fallback=|| view! { <p class="muted">"…"</p> }>
                    {move || Suspend::new(async move {
                        match project.await {
                            Ok(project) => view! { <ProjectForm project=Some(project) admin /> }.into_any(),
                            Err(err) => view! { <p class="field-error">{err.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

/// The values of the form, as typed.
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    api_key: RwSignal<String>,
    remove_key: RwSignal<bool>,
    base_url: RwSignal<String>,
    chat_completions: RwSignal<bool>,
    model: RwSignal<String>,
    vector_stores: RwSignal<Vec<String>>,
    instructions: RwSignal<String>,
    title: RwSignal<String>,
    greeting: RwSignal<String>,
    color: RwSignal<String>,
    left: RwSignal<bool>,
    locale: RwSignal<String>,
    privacy_notice: RwSignal<String>,
    origins: RwSignal<String>,
    message_chars: RwSignal<String>,
    messages_per_minute: RwSignal<String>,
    conversations_per_hour: RwSignal<String>,
    daily_ai_messages: RwSignal<String>,
    daily_ai_tokens: RwSignal<String>,
    ai_allowed: RwSignal<bool>,
    timeout_minutes: RwSignal<String>,
    contact_on_timeout: RwSignal<bool>,
    retention_days: RwSignal<String>,
}

impl Fields {
    fn new(project: Option<&ProjectView>) -> Self {
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
            ai_allowed: RwSignal::new(p.is_none_or(|p| p.handoff.ai_allowed)),
            timeout_minutes: number(
                p.map_or(Some(5), |p| p.handoff.timeout_minutes.map(i64::from)),
            ),
            contact_on_timeout: RwSignal::new(
                p.is_some_and(|p| p.handoff.timeout_action == HandoffTimeoutAction::Contact),
            ),
            retention_days: number(p.and_then(|p| p.retention_days.map(i64::from))),
        }
    }

    /// The input to send, or the fields whose numbers do not parse.
    fn input(&self) -> Result<ProjectInput, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut int = |field: &str, value: RwSignal<String>| -> Option<i64> {
            let text = value.get_untracked();
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            match text.parse() {
                Ok(number) => Some(number),
                Err(_) => {
                    errors.insert(field.to_owned(), "a whole number".to_owned());
                    None
                }
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
            ..ProjectInput::default()
        })
    }
}

fn clamp_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

/// The form itself; `project` is `None` for a new one.
#[component]
fn ProjectForm(project: Option<ProjectView>, admin: bool) -> impl IntoView {
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
            <a href="/admin/" class="muted">{texts.back}</a>
        </div>
        {move || saved.get().map(|project| view! { <Snippet project /> })}
        <form class="project-form" on:submit=submit novalidate>
            <fieldset class="card" disabled=!admin>
                <legend>{texts.section_basics}</legend>
                <TextField label=texts.name value=fields.name field="name" errors />
            </fieldset>
            <AiSection fields errors id key_set admin texts saved />
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
                <FieldError errors field=super::forms::FORM />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || save.pending().get()>{texts.save}</button>
                    {move || notice.get().map(|text| view! { <span class="notice" role="status">{text}</span> })}
                    {id.map(|id| view! { <DeleteProject id /> })}
                </div>
            })}
        </form>
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

#[component]
fn AiSection(
    fields: Fields,
    errors: FieldErrors,
    id: Option<Uuid>,
    key_set: bool,
    admin: bool,
    texts: &'static Texts,
    saved: RwSignal<Option<ProjectView>>,
) -> impl IntoView {
    let can_list = id.is_some() && key_set && admin;
    let models = Resource::new(
        move || id.filter(|_| can_list),
        |id| async move {
            match id {
                Some(id) => project_models(id).await.unwrap_or_default(),
                None => Vec::new(),
            }
        },
    );
    let stores = Resource::new(
        move || id.filter(|_| can_list),
        |id| async move {
            match id {
                Some(id) => project_vector_stores(id).await.unwrap_or_default(),
                None => Vec::new(),
            }
        },
    );
    let key_placeholder = key_set.then_some(texts.api_key_placeholder_set);
    let lang = use_lang();
    let probe = Action::new(move |(key, base): &(String, String)| {
        let (key, base) = (key.clone(), base.clone());
        async move { probe_models(key, base).await }
    });
    let probed = move || {
        probe.value().get().map(|result| match result {
            Ok(models) => view! {
                <p class="notice">{format!("{} {}", models.len(), texts.models_found)}</p>
                <datalist id="probed-models">
                    {models.iter().map(|m| view! { <option value=m.id.clone()></option> }).collect_view()}
                </datalist>
            }
            .into_any(),
            Err(err) => view! { <p class="field-error" role="alert">{reason(lang, &err.to_string())}</p> }.into_any(),
        })
    };
    let unreadable =
        move || saved.with(|p| p.as_ref().is_some_and(|p| p.openai_api_key_unreadable));
    view! {
        <fieldset class="card" disabled=!admin>
            <legend>{texts.section_ai}</legend>
            <TextField label=texts.api_key value=fields.api_key field="openai_api_key" errors kind="password" placeholder=key_placeholder.unwrap_or("sk-…") />
            {move || unreadable().then(|| view! { <p class="field-error">{texts.key_unreadable}</p> })}
            {admin.then(|| view! {
                <button
                    type="button"
                    class="secondary"
                    disabled=move || fields.api_key.with(|key| key.trim().is_empty()) || probe.pending().get()
                    on:click=move |_| { probe.dispatch((fields.api_key.get_untracked(), fields.base_url.get_untracked())); }
                >
                    {texts.check_key}
                </button>
            })}
            {probed}
            {key_set.then(|| view! {
                <label class="check"><input type="checkbox" prop:checked=fields.remove_key on:change=move |ev| fields.remove_key.set(event_target_checked(&ev)) />{texts.remove_key}</label>
            })}
            <TextField label=texts.base_url value=fields.base_url field="openai_base_url" errors />
            <p class="hint">{texts.base_url_hint}</p>
            <label>
                {texts.api_style}
                <select on:change=move |ev| fields.chat_completions.set(event_target_value(&ev) == "chat_completions")>
                    <option value="responses" selected=move || !fields.chat_completions.get()>"Responses"</option>
                    <option value="chat_completions" selected=move || fields.chat_completions.get()>"Chat Completions"</option>
                </select>
            </label>
            <TextField label=texts.model value=fields.model field="model" errors list=if key_set { "model-suggestions" } else { "probed-models" } />
            <Suspense>
                {move || Suspend::new(async move {
                    let models = models.await;
                    let known = models.is_empty() || models.iter().any(|m| m.id == fields.model.get());
                    view! {
                        <datalist id="model-suggestions">
                            {models.iter().map(|m| view! { <option value=m.id.clone()></option> }).collect_view()}
                        </datalist>
                        {(!known).then(|| view! { <p class="warning">{texts.model_unknown}</p> })}
                    }
                })}
            </Suspense>
            <label>
                {texts.vector_stores}
                <input
                    prop:value=move || fields.vector_stores.get().join(", ")
                    on:change=move |ev| fields.vector_stores.set(
                        event_target_value(&ev).split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
                    )
                    placeholder="vs_…"
                />
            </label>
            <ListErrors errors prefix="vector_store_ids" line=texts.line />
            <Suspense>
                {move || Suspend::new(async move {
                    stores.await.into_iter().map(|store| {
                        let store_id = store.id.clone();
                        let checked = {
                            let store_id = store_id.clone();
                            move || fields.vector_stores.with(|ids| ids.contains(&store_id))
                        };
                        let toggle = move |ev| {
                            let on = event_target_checked(&ev);
                            fields.vector_stores.update(|ids| {
                                ids.retain(|known| known != &store_id);
                                if on { ids.push(store_id.clone()); }
                            });
                        };
                        let label = format!("{} ({})", store.name.unwrap_or_else(|| store.id.clone()), store.id);
                        view! { <label class="check"><input type="checkbox" prop:checked=checked on:change=toggle />{label}</label> }
                    }).collect_view()
                })}
            </Suspense>
            {move || (fields.chat_completions.get() && !fields.vector_stores.with(Vec::is_empty))
                .then(|| view! { <p class="warning">{texts.vector_stores_chat_warning}</p> })}
            <label>
                {texts.instructions}
                <textarea rows="6" prop:value=fields.instructions on:input=move |ev| fields.instructions.set(event_target_value(&ev))></textarea>
            </label>
            <FieldError errors field="instructions" />
            <FieldError errors field="assistant_id" />
        </fieldset>
    }
    .into_any()
}

#[component]
fn WidgetSection(
    fields: Fields,
    errors: FieldErrors,
    admin: bool,
    texts: &'static Texts,
) -> impl IntoView {
    view! {
        <fieldset class="card" disabled=!admin>
            <legend>{texts.section_widget}</legend>
            <div class="grid">
                <div><TextField label=texts.title value=fields.title field="widget.title" errors /></div>
                <div><TextField label=texts.color value=fields.color field="widget.color" errors /></div>
                <label>
                    {texts.position}
                    <select on:change=move |ev| fields.left.set(event_target_value(&ev) == "left")>
                        <option value="right" selected=move || !fields.left.get()>{texts.right}</option>
                        <option value="left" selected=move || fields.left.get()>{texts.left}</option>
                    </select>
                </label>
                <label>
                    {texts.language}
                    <select on:change=move |ev| fields.locale.set(event_target_value(&ev))>
                        <option value="" selected=move || fields.locale.get().is_empty()>{texts.browser_language}</option>
                        <option value="ru" selected=move || fields.locale.get() == "ru">"Русский"</option>
                        <option value="en" selected=move || fields.locale.get() == "en">"English"</option>
                    </select>
                </label>
            </div>
            <FieldError errors field="widget.locale" />
            <TextField label=texts.greeting value=fields.greeting field="widget.greeting" errors />
            <label>
                {texts.privacy_notice}
                <textarea rows="3" prop:value=fields.privacy_notice on:input=move |ev| fields.privacy_notice.set(event_target_value(&ev))></textarea>
            </label>
            <FieldError errors field="widget.privacy_notice" />
        </fieldset>
    }
    .into_any()
}

#[component]
fn LimitsSection(
    fields: Fields,
    errors: FieldErrors,
    admin: bool,
    texts: &'static Texts,
) -> impl IntoView {
    view! {
        <fieldset class="card" disabled=!admin>
            <legend>{texts.section_limits}</legend>
            <div class="grid">
                <div><TextField label=texts.message_chars value=fields.message_chars field="limits.message_chars" errors kind="number" /></div>
                <div><TextField label=texts.messages_per_minute value=fields.messages_per_minute field="limits.messages_per_minute" errors kind="number" /></div>
                <div><TextField label=texts.conversations_per_hour value=fields.conversations_per_hour field="limits.conversations_per_hour" errors kind="number" /></div>
                <div><TextField label=texts.daily_ai_messages value=fields.daily_ai_messages field="limits.daily_ai_messages" errors kind="number" /></div>
                <div><TextField label=texts.daily_ai_tokens value=fields.daily_ai_tokens field="limits.daily_ai_tokens" errors kind="number" /></div>
                <div><TextField label=texts.retention_days value=fields.retention_days field="retention_days" errors kind="number" /></div>
            </div>
        </fieldset>
        <fieldset class="card" disabled=!admin>
            <legend>{texts.section_handoff}</legend>
            <label class="check"><input type="checkbox" prop:checked=fields.ai_allowed on:change=move |ev| fields.ai_allowed.set(event_target_checked(&ev)) />{texts.ai_may_hand_off}</label>
            <div class="grid">
                <div><TextField label=texts.timeout_minutes value=fields.timeout_minutes field="handoff.timeout_minutes" errors kind="number" /></div>
                <label>
                    {texts.timeout_action}
                    <select on:change=move |ev| fields.contact_on_timeout.set(event_target_value(&ev) == "contact")>
                        <option value="ai" selected=move || !fields.contact_on_timeout.get()>{texts.action_ai}</option>
                        <option value="contact" selected=move || fields.contact_on_timeout.get()>{texts.action_contact}</option>
                    </select>
                </label>
            </div>
        </fieldset>
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
