//! Question/answer pairs: the form to add one, and the list, each pair
//! changed in place or removed.

use super::Knowledge;
use super::format::file_status;
use crate::api::knowledge::{delete_qa, save_qa};
use crate::forms::confirmed;
use crate::forms::{FORM, FieldError, FieldErrors, field_errors};
use crate::i18n::{reason, use_texts};
use contract::knowledge::{KnowledgeQa, QaInput};
use leptos::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The Q&A section.
#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn QaSection() -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let ids = Memo::new(move |_| {
        state.view.with(|view| {
            view.iter()
                .flat_map(|view| &view.qa)
                .map(|pair| pair.id)
                .collect::<Vec<Uuid>>()
        })
    });
    view! {
        <section class="card kb-qa">
            <h2>{texts.qa_title}</h2>
            <p class="hint">{texts.qa_hint}</p>
            {state.admin.then(|| view! { <QaForm pair=None done=|| {} /> })}
            <Show when=move || !ids.with(Vec::is_empty) fallback=move || view! { <p class="muted">{texts.no_qa}</p> }>
                <ul class="kb-list">
                    <For each=move || ids.get() key=|id| *id let:id>
                        <QaRow id />
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// Adds a pair (`pair` is `None`) or changes one; `done` runs after a save.
#[component]
fn QaForm(pair: Option<KnowledgeQa>, done: impl Fn() + Copy + 'static) -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let id = pair.as_ref().map(|p| p.id);
    let question = RwSignal::new(
        pair.as_ref()
            .map(|p| p.question.clone())
            .unwrap_or_default(),
    );
    let answer = RwSignal::new(pair.map(|p| p.answer).unwrap_or_default());
    let errors: FieldErrors = RwSignal::new(BTreeMap::new());
    let pending = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let input = QaInput {
            question: Some(question.get_untracked()),
            answer: Some(answer.get_untracked()),
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            match save_qa(state.project, id, input).await {
                Ok(_) => {
                    errors.try_set(BTreeMap::new());
                    if id.is_none() {
                        question.try_set(String::new());
                        answer.try_set(String::new());
                    }
                    state.reload();
                    done();
                }
                Err(err) => {
                    let mut found = field_errors(&err);
                    for text in found.values_mut() {
                        *text = reason(state.lang, text);
                    }
                    errors.try_set(found);
                }
            }
            pending.try_set(false);
        });
    };
    let empty =
        move || question.with(|q| q.trim().is_empty()) || answer.with(|a| a.trim().is_empty());
    view! {
        <form class="kb-form kb-qa-form" on:submit=submit novalidate>
            <label>
                {texts.question}
                <input type="text" maxlength="1000" prop:value=question on:input=move |ev| question.set(event_target_value(&ev)) />
                <FieldError errors field="question" />
            </label>
            <label>
                {texts.answer}
                <textarea rows="3" maxlength="10000" prop:value=answer on:input=move |ev| answer.set(event_target_value(&ev))></textarea>
                <FieldError errors field="answer" />
            </label>
            <FieldError errors field=FORM />
            <div class="actions">
                <button type="submit" class="primary" disabled=move || pending.get() || empty()>
                    {if id.is_some() { use_texts().save } else { texts.add_qa }}
                </button>
                {id.is_some().then(|| view! {
                    <button type="button" on:click=move |_| done()>{use_texts().cancel}</button>
                })}
            </div>
        </form>
    }
}

/// One pair, shown or edited in place.
#[component]
fn QaRow(id: Uuid) -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let editing = RwSignal::new(false);
    let pair = Memo::new(move |_| {
        state.view.with(|view| {
            view.as_ref()
                .and_then(|view| view.qa.iter().find(|pair| pair.id == id).cloned())
        })
    });
    let remove = move |_| {
        if confirmed(texts.confirm_remove_qa) {
            leptos::task::spawn_local(async move {
                match delete_qa(state.project, id).await {
                    Ok(()) => state.reload(),
                    Err(err) => state.failed(&err),
                }
            });
        }
    };
    view! {
        <li class="kb-item">
            {move || {
                if editing.get() {
                    let current = pair.get_untracked();
                    view! { <QaForm pair=current done=move || editing.set(false) /> }.into_any()
                } else {
                    pair.get().map(|pair| {
                        let (word, class) = file_status(texts, pair.status);
                        let error = pair.error.map(|english| reason(state.lang, &english));
                        view! {
                            <div class="kb-main">
                                <span class="kb-name">{pair.question}</span>
                                <span class=class>{word}</span>
                            </div>
                            <p class="kb-answer">{pair.answer}</p>
                            {error.map(|text| view! { <p class="field-error">{text}</p> })}
                            {state.admin.then(|| view! {
                                <div class="kb-actions">
                                    <button type="button" class="link" on:click=move |_| editing.set(true)>{use_texts().edit}</button>
                                    <button type="button" class="link danger" on:click=remove>{texts.remove}</button>
                                </div>
                            })}
                        }
                    }).into_any()
                }
            }}
        </li>
    }
}
