//! `/admin/users`: operators and admins, for admins: add, change, remove.

use crate::api::{delete_user, list_projects, list_users, save_user};
use crate::chrome::SignedIn;
use crate::forms::{FieldError, FieldErrors, field_errors};
use crate::i18n::use_texts;
use contract::auth::{Role, UserInput, UserView};
use leptos::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The users and a form to add or change one.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn UsersPage() -> impl IntoView {
    view! { <SignedIn render=|_| view! { <Users /> } /> }
}

#[component]
fn Users() -> impl IntoView {
    let texts = use_texts();
    let changed = RwSignal::new(0u32);
    let editing = RwSignal::new(None::<UserView>);
    let users = Resource::new(move || changed.get(), |_| list_users());
    let projects = Resource::new(|| (), |_| list_projects());
    let refused = RwSignal::new(None::<String>);
    let lang = crate::i18n::use_lang();
    let remove = Action::new(move |id: &Uuid| {
        let id = *id;
        async move {
            match delete_user(id).await {
                Ok(()) => refused.set(None),
                Err(err) => refused.set(Some(crate::i18n::reason(lang, &err.to_string()))),
            }
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <div class="page-title">
            <h1>{texts.users}</h1>
        </div>
        {move || refused.get().map(|text| view! { <p class="field-error" role="alert">{text}</p> })}
        <Suspense fallback=move || view! { <p class="muted">{texts.loading}</p> }>
            {move || Suspend::new(async move {
                let names: BTreeMap<Uuid, String> = projects
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| (p.id, p.name))
                    .collect();
                match users.await {
                    Ok(users) => {
                        let rows = users
                            .into_iter()
                            .map(|user| {
                                let projects = user
                                    .project_ids
                                    .iter()
                                    .filter_map(|id| names.get(id).cloned())
                                    .collect::<Vec<_>>()
                                    .join(", ");
                                let role = if user.role == Role::Admin { texts.admin } else { texts.operator };
                                let id = user.id;
                                let edit = user.clone();
                                let mark = telegram_mark(user.telegram_linked);
                                view! {
                                    <tr>
                                        <td>{user.username}</td>
                                        <td>{user.display_name}</td>
                                        <td>{role}</td>
                                        <td>{projects}</td>
                                        <td class="user-email">{user.email}</td>
                                        <td>{mark}</td>
                                        <td class="row-actions">
                                            <button type="button" class="link" on:click=move |_| editing.set(Some(edit.clone()))>
                                                {texts.edit}
                                            </button>
                                            <button type="button" class="link danger" on:click=move |_| { remove.dispatch(id); }>
                                                {texts.delete}
                                            </button>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <div class="card table-wrap">
                                <table>
                                    <thead>
                                        <tr>
                                            <th>{texts.username}</th>
                                            <th>{texts.display_name}</th>
                                            <th>{texts.role}</th>
                                            <th>{texts.user_projects}</th>
                                            <th>{texts.alerts.email}</th>
                                            <th>{texts.alerts.telegram}</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                            {move || {
                                let user = editing.get();
                                view! { <UserForm user projects=names.clone() changed editing /> }
                            }}
                        }
                            .into_any()
                    }
                    Err(err) => view! { <p class="field-error">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Whether the user's Telegram is linked: a mark with its meaning as title.
fn telegram_mark(linked: bool) -> impl IntoView {
    let texts = &use_texts().alerts;
    let (mark, meaning) = if linked {
        ("✓", texts.linked_mark)
    } else {
        ("—", texts.not_linked_mark)
    };
    view! {
        <span class="telegram-mark" class:linked=linked title=meaning aria-label=meaning role="img">
            {mark}
        </span>
    }
}

/// Adds a user (`user` is `None`) or changes one; an empty password keeps
/// the old one; the email is sent only when touched (emptied: removed).
#[component]
fn UserForm(
    user: Option<UserView>,
    projects: BTreeMap<Uuid, String>,
    changed: RwSignal<u32>,
    editing: RwSignal<Option<UserView>>,
) -> impl IntoView {
    let texts = use_texts();
    let id = user.as_ref().map(|u| u.id);
    let username = RwSignal::new(
        user.as_ref()
            .map(|u| u.username.clone())
            .unwrap_or_default(),
    );
    let display_name = RwSignal::new(
        user.as_ref()
            .map(|u| u.display_name.clone())
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let email = RwSignal::new(
        user.as_ref()
            .and_then(|u| u.email.clone())
            .unwrap_or_default(),
    );
    let email_touched = RwSignal::new(false);
    let admin = RwSignal::new(user.as_ref().is_some_and(|u| u.role == Role::Admin));
    let chosen = RwSignal::new(
        user.as_ref()
            .map(|u| u.project_ids.clone())
            .unwrap_or_default(),
    );
    let errors: FieldErrors = RwSignal::new(BTreeMap::new());
    let lang = crate::i18n::use_lang();
    let save = Action::new(move |input: &UserInput| {
        let input = input.clone();
        async move { save_user(id, input).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            errors.set(BTreeMap::new());
            editing.set(None);
            changed.update(|n| *n += 1);
        }
        Some(Err(err)) => {
            let mut found = field_errors(&err);
            for text in found.values_mut() {
                *text = crate::i18n::reason(lang, text);
            }
            errors.set(found);
        }
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let text =
            |value: RwSignal<String>| Some(value.get_untracked()).filter(|v| !v.trim().is_empty());
        save.dispatch(UserInput {
            username: Some(username.get_untracked()),
            display_name: text(display_name),
            password: text(password),
            role: Some(if admin.get_untracked() {
                Role::Admin
            } else {
                Role::Operator
            }),
            project_ids: Some(chosen.get_untracked()),
            email: email_touched
                .get_untracked()
                .then(|| Some(email.get_untracked().trim().to_owned()).filter(|e| !e.is_empty())),
            locale: None,
        });
    };
    let input = move |label: &'static str,
                      value: RwSignal<String>,
                      field: &'static str,
                      kind: &'static str| {
        view! {
            <label>
                {label}
                <input type=kind prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
            <FieldError errors field />
        }
    };
    let heading = if id.is_some() {
        texts.change_user
    } else {
        texts.add_user
    };
    view! {
        <form class="card" on:submit=submit novalidate>
            <h2>{heading}</h2>
            <div class="grid">
                <div>{input(texts.username, username, "username", "text")}</div>
                <div>{input(texts.display_name, display_name, "display_name", "text")}</div>
                <div>
                    {input(texts.password, password, "password", "password")}
                    {id.is_some().then(|| view! { <span class="hint">{texts.password_keep}</span> })}
                </div>
                <div>
                    <label>
                        {texts.alerts.email_address}
                        <input
                            type="email"
                            prop:value=email
                            on:input=move |ev| {
                                email_touched.set(true);
                                email.set(event_target_value(&ev));
                            }
                        />
                    </label>
                    <span class="hint">{texts.alerts.email_hint}</span>
                    <FieldError errors field="email" />
                </div>
                <label>
                    {texts.role}
                    <select on:change=move |ev| admin.set(event_target_value(&ev) == "admin")>
                        <option value="operator" selected=move || !admin.get()>{texts.operator}</option>
                        <option value="admin" selected=move || admin.get()>{texts.admin}</option>
                    </select>
                </label>
            </div>
            <p>{texts.user_projects}</p>
            {projects
                .into_iter()
                .map(|(project, name)| {
                    view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                prop:checked=move || chosen.with(|ids| ids.contains(&project))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|ids| {
                                        ids.retain(|known| *known != project);
                                        if on {
                                            ids.push(project);
                                        }
                                    });
                                }
                            />
                            {name}
                        </label>
                    }
                })
                .collect_view()}
            <FieldError errors field="project_ids" />
            <FieldError errors field=crate::forms::FORM />
            <div class="actions">
                <button type="submit" class="primary">{texts.save}</button>
                {id.is_some().then(|| view! {
                    <button type="button" on:click=move |_| editing.set(None)>{texts.cancel}</button>
                })}
            </div>
        </form>
    }
}
