//! The canned replies of a project, on its page: the list, and for admins
//! the form to add one and the buttons to change or remove each
//! (`docs/copilot.md`).

use crate::api::copilot::{delete_reply, list_replies, save_reply};
use crate::forms::{FORM, FieldError, FieldErrors, confirmed, field_errors};
use crate::i18n::{Lang, reason, use_lang, use_texts};
use contract::copilot::{CannedReply, ReplyInput};
use leptos::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The section: the replies, and the form to add one (admins).
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn RepliesSection(
    /// The project.
    project: Uuid,
    /// Whether the user may change them.
    admin: bool,
) -> impl IntoView {
    let copilot = &use_texts().copilot;
    let lang = use_lang();
    let replies = RwSignal::new(Vec::<CannedReply>::new());
    let error = RwSignal::new(None::<String>);
    let section = Section {
        project,
        admin,
        lang,
        replies,
        error,
    };
    // Loaded in the browser (an effect never runs while the server renders).
    Effect::new(move |_| section.reload());
    view! {
        <section class="card replies" id="canned-replies">
            <h2>{copilot.replies_title}</h2>
            <p class="hint">{copilot.replies_hint}</p>
            {admin.then(|| view! { <ReplyForm section reply=None done=|| {} /> })}
            {move || error.get().map(|text| view! { <p class="field-error" role="alert">{text}</p> })}
            <Show
                when=move || !replies.with(Vec::is_empty)
                fallback=move || view! { <p class="muted">{copilot.no_replies}</p> }
            >
                <ul class="kb-list">
                    <For each=move || replies.get() key=|reply| (reply.id, reply.updated_at) let:reply>
                        <ReplyRow section reply />
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// What the section's parts share.
#[derive(Debug, Clone, Copy)]
struct Section {
    project: Uuid,
    admin: bool,
    lang: Lang,
    replies: RwSignal<Vec<CannedReply>>,
    error: RwSignal<Option<String>>,
}

impl Section {
    /// Loads the replies again.
    fn reload(self) {
        leptos::task::spawn_local(async move {
            match list_replies(self.project).await {
                Ok(list) => {
                    self.replies.try_set(list);
                    self.error.try_set(None);
                }
                Err(err) => {
                    self.error
                        .try_set(Some(reason(self.lang, &err.to_string())));
                }
            }
        });
    }
}

/// Adds a reply (`reply` is `None`) or changes one; `done` runs after a save.
#[component]
fn ReplyForm(
    section: Section,
    reply: Option<CannedReply>,
    done: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let copilot = &use_texts().copilot;
    let id = reply.as_ref().map(|r| r.id);
    let title = RwSignal::new(reply.as_ref().map(|r| r.title.clone()).unwrap_or_default());
    let shortcut = RwSignal::new(
        reply
            .as_ref()
            .map(|r| format!("/{}", r.shortcut))
            .unwrap_or_default(),
    );
    let text = RwSignal::new(reply.map(|r| r.text).unwrap_or_default());
    let errors: FieldErrors = RwSignal::new(BTreeMap::new());
    let pending = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let input = ReplyInput {
            title: Some(title.get_untracked()),
            shortcut: Some(shortcut.get_untracked()),
            text: Some(text.get_untracked()),
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            match save_reply(section.project, id, input).await {
                Ok(_) => {
                    errors.try_set(BTreeMap::new());
                    if id.is_none() {
                        title.try_set(String::new());
                        shortcut.try_set(String::new());
                        text.try_set(String::new());
                    }
                    section.reload();
                    done();
                }
                Err(err) => {
                    let mut found = field_errors(&err);
                    for words in found.values_mut() {
                        *words = reason(section.lang, words);
                    }
                    errors.try_set(found);
                }
            }
            pending.try_set(false);
        });
    };
    let empty = move || {
        title.with(|t| t.trim().is_empty())
            || shortcut.with(|s| s.trim().trim_start_matches('/').is_empty())
            || text.with(|t| t.trim().is_empty())
    };
    view! {
        <form class="kb-form reply-form" on:submit=submit novalidate>
            <div class="reply-form-line">
                <label>
                    {copilot.reply_title}
                    <input type="text" maxlength="100" prop:value=title on:input=move |ev| title.set(event_target_value(&ev)) />
                    <FieldError errors field="title" />
                </label>
                <label>
                    {copilot.shortcut}
                    <input type="text" maxlength="33" placeholder="/delivery" prop:value=shortcut on:input=move |ev| shortcut.set(event_target_value(&ev)) />
                    <FieldError errors field="shortcut" />
                </label>
            </div>
            <label>
                {copilot.text}
                <textarea rows="3" maxlength="4000" prop:value=text on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <FieldError errors field="text" />
            </label>
            <FieldError errors field=FORM />
            <div class="actions">
                <button type="submit" class="primary" disabled=move || pending.get() || empty()>
                    {if id.is_some() { use_texts().save } else { copilot.add_reply }}
                </button>
                {id.is_some().then(|| view! {
                    <button type="button" on:click=move |_| done()>{use_texts().cancel}</button>
                })}
            </div>
        </form>
    }
}

/// One reply, shown or edited in place.
#[component]
fn ReplyRow(section: Section, reply: CannedReply) -> impl IntoView {
    let copilot = &use_texts().copilot;
    let editing = RwSignal::new(false);
    let id = reply.id;
    let remove = move |_| {
        if confirmed(copilot.confirm_remove) {
            leptos::task::spawn_local(async move {
                match delete_reply(section.project, id).await {
                    Ok(()) => section.reload(),
                    Err(err) => {
                        section
                            .error
                            .try_set(Some(reason(section.lang, &err.to_string())));
                    }
                }
            });
        }
    };
    let shown = reply.clone();
    view! {
        <li class="kb-item">
            {move || {
                if editing.get() {
                    view! { <ReplyForm section reply=Some(reply.clone()) done=move || editing.set(false) /> }.into_any()
                } else {
                    let reply = shown.clone();
                    view! {
                        <div class="kb-main">
                            <span class="shortcut">"/"{reply.shortcut}</span>
                            <span class="kb-name">{reply.title}</span>
                        </div>
                        <p class="kb-answer">{reply.text}</p>
                        {section.admin.then(|| view! {
                            <div class="kb-actions">
                                <button type="button" class="link" on:click=move |_| editing.set(true)>{use_texts().edit}</button>
                                <button type="button" class="link danger" on:click=remove>{copilot.remove}</button>
                            </div>
                        })}
                    }
                    .into_any()
                }
            }}
        </li>
    }
}
