//! The sections of the project form: the AI, the widget, the limits.

use super::TextField;
use super::fields::Fields;
use super::provider_lists::ProviderLists;
use crate::api::probe_models;
use crate::forms::{FieldError, FieldErrors, ListErrors};
use crate::i18n::{Texts, reason, use_lang};
use contract::projects::{ProjectView, RatingAfter};
use leptos::prelude::*;

#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn AiSection(
    fields: Fields,
    errors: FieldErrors,
    key_set: bool,
    lists: Option<ProviderLists>,
    admin: bool,
    texts: &'static Texts,
    saved: RwSignal<Option<ProjectView>>,
) -> impl IntoView {
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
            {lists.map(|lists| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        let models = lists.models.await;
                        let known = models.is_empty() || models.iter().any(|m| m.id == fields.model.get());
                        view! {
                            <datalist id="model-suggestions">
                                {models.iter().map(|m| view! { <option value=m.id.clone()></option> }).collect_view()}
                            </datalist>
                            {(!known).then(|| view! { <p class="warning">{texts.model_unknown}</p> })}
                        }
                    })}
                </Suspense>
            })}
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
            {lists.map(|lists| view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        lists.stores.await.into_iter().map(|store| {
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
            })}
            {move || (fields.chat_completions.get() && !fields.vector_stores.with(Vec::is_empty))
                .then(|| view! { <p class="warning">{texts.vector_stores_chat_warning}</p> })}
            <div hidden=move || !fields.chat_completions.get()>
                <TextField label=texts.embedding_model value=fields.embedding_model field="embedding_model" errors list="embedding-suggestions" placeholder="text-embedding-3-small" />
                <p class="hint">{texts.embedding_model_hint}</p>
                <datalist id="embedding-suggestions">
                    {lists.map(|lists| view! {
                        <Suspense>
                            {move || Suspend::new(async move {
                                embedding_suggestions(&lists.models.await)
                                    .into_iter()
                                    .map(|id| view! { <option value=id></option> })
                                    .collect_view()
                            })}
                        </Suspense>
                    })}
                </datalist>
            </div>
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
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn WidgetSection(
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
                <span class="hint">{texts.privacy_notice_hint}</span>
            </label>
            <FieldError errors field="widget.privacy_notice" />
            <label>
                {texts.rating_after}
                <select on:change=move |ev| fields.rating_after.set(RatingAfter::parse(&event_target_value(&ev)))>
                    {[
                        (RatingAfter::Never, texts.rating_never),
                        (RatingAfter::Ai, texts.rating_ai),
                        (RatingAfter::Human, texts.rating_human),
                        (RatingAfter::Both, texts.rating_both),
                    ].map(|(after, label)| view! {
                        <option value=after.as_str() selected=move || fields.rating_after.get() == after>{label}</option>
                    })}
                </select>
            </label>
        </fieldset>
    }
    .into_any()
}

#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn LimitsSection(
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
                <div><TextField label=texts.messages_per_ip_per_minute value=fields.messages_per_ip_per_minute field="limits.messages_per_ip_per_minute" errors kind="number" /></div>
                <div><TextField label=texts.max_output_tokens value=fields.max_output_tokens field="limits.max_output_tokens" errors kind="number" /></div>
                <div><TextField label=texts.retention_days value=fields.retention_days field="retention_days" errors kind="number" /></div>
                <div><TextField label=texts.analytics.time_zone value=fields.time_zone field="time_zone" errors kind="text" /></div>
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

/// The embedding models to suggest: those of the key's list that embed (a
/// name with "embed" in it), else OpenAI's two.
fn embedding_suggestions(models: &[contract::projects::ModelInfo]) -> Vec<String> {
    let listed: Vec<String> = models
        .iter()
        .filter(|model| model.id.contains("embed"))
        .map(|model| model.id.clone())
        .collect();
    if listed.is_empty() {
        vec![
            "text-embedding-3-small".to_owned(),
            "text-embedding-3-large".to_owned(),
        ]
    } else {
        listed
    }
}
