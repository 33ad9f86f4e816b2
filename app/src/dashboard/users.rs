//! `/admin/users`: operators and admins, for admins.

use super::api::{delete_user, list_projects, list_users, save_user};
use super::forms::{FieldError, FieldErrors, field_errors};
use super::i18n::use_texts;
use super::layout::SignedIn;
use crate::auth::{Role, UserInput};
use leptos::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The users and a form to add one.
#[component]
pub fn UsersPage() -> impl IntoView {
    view! { <SignedIn render=|_| view! { <Users /> } /> }
}

#[component]
fn Users() -> impl IntoView {
    let texts = use_texts();
    let changed = RwSignal::new(0u32);
    let users = Resource::new(move || changed.get(), |_| list_users());
    let projects = Resource::new(|| (), |_| list_projects());
    let remove = Action::new(move |id: &Uuid| {
        let id = *id;
        async move {
            let _ = delete_user(id).await;
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <div class="page-title"><h1>{texts.users}</h1></div>
        <Suspense fallback=move || view! { <p class="muted">{texts.loading}</p> }>
            {move || Suspend::new(async move {
                let names: BTreeMap<Uuid, String> = projects.await.unwrap_or_default().into_iter().map(|p| (p.id, p.name)).collect();
                match users.await {
                    Ok(users) => view! {
                        <div class="card table-wrap">
                            <table>
                                <thead><tr><th>{texts.username}</th><th>{texts.display_name}</th><th>{texts.role}</th><th>{texts.user_projects}</th><th></th></tr></thead>
                                <tbody>
                                    {users.into_iter().map(|user| {
                                        let projects = user.project_ids.iter().filter_map(|id| names.get(id).cloned()).collect::<Vec<_>>().join(", ");
                                        let role = if user.role == Role::Admin { texts.admin } else { texts.operator };
                                        let id = user.id;
                                        view! {
                                            <tr>
                                                <td>{user.username}</td><td>{user.display_name}</td><td>{role}</td><td>{projects}</td>
                                                <td><button type="button" class="link danger" on:click=move |_| { remove.dispatch(id); }>{texts.delete}</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <AddUser projects=names changed />
                    }.into_any(),
                    Err(err) => view! { <p class="field-error">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AddUser(projects: BTreeMap<Uuid, String>, changed: RwSignal<u32>) -> impl IntoView {
    let texts = use_texts();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<Uuid>::new());
    let errors: FieldErrors = RwSignal::new(BTreeMap::new());
    let save = Action::new(move |input: &UserInput| {
        let input = input.clone();
        async move { save_user(None, input).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            errors.set(BTreeMap::new());
            username.set(String::new());
            display_name.set(String::new());
            password.set(String::new());
            changed.update(|n| *n += 1);
        }
        Some(Err(err)) => errors.set(field_errors(&err)),
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let display = display_name.get_untracked();
        save.dispatch(UserInput {
            username: Some(username.get_untracked()),
            display_name: Some(display).filter(|d| !d.trim().is_empty()),
            password: Some(password.get_untracked()),
            role: Some(if admin.get_untracked() {
                Role::Admin
            } else {
                Role::Operator
            }),
            project_ids: Some(chosen.get_untracked()),
        });
    };
    let input = move |label: &'static str,
                      value: RwSignal<String>,
                      field: &'static str,
                      kind: &'static str| {
        view! {
            <label>{label}<input type=kind prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) /></label>
            <FieldError errors field />
        }
    };
    view! {
        <form class="card" on:submit=submit novalidate>
            <h2>{texts.add_user}</h2>
            <div class="grid">
                <div>{input(texts.username, username, "username", "text")}</div>
                <div>{input(texts.display_name, display_name, "display_name", "text")}</div>
                <div>{input(texts.password, password, "password", "password")}</div>
                <label>
                    {texts.role}
                    <select on:change=move |ev| admin.set(event_target_value(&ev) == "admin")>
                        <option value="operator">{texts.operator}</option>
                        <option value="admin">{texts.admin}</option>
                    </select>
                </label>
            </div>
            <p>{texts.user_projects}</p>
            {projects.into_iter().map(|(id, name)| view! {
                <label class="check">
                    <input type="checkbox" on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        chosen.update(|ids| { ids.retain(|known| *known != id); if on { ids.push(id); } });
                    } />
                    {name}
                </label>
            }).collect_view()}
            <FieldError errors field="project_ids" />
            <div class="actions"><button type="submit" class="primary">{texts.add_user}</button></div>
        </form>
    }
}
