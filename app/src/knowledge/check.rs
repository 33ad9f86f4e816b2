//! The project check: whether the key works, the model answers, and each
//! vector store is readable with this key (`GET …/check`), with "Check again".
//! Shown on the Knowledge page and on the project page.

use crate::i18n::{KnowledgeTexts, Lang, reason, use_texts};
use contract::knowledge::{CheckItem, ProjectCheck};
use leptos::prelude::*;

/// The check panel of `project`; it checks once when the page opens, and
/// again when `own_store` (the project's own vector store, when the page
/// knows it; not shown without it) appears.
#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(crate) fn CheckPanel(
    project: uuid::Uuid,
    lang: Lang,
    #[prop(optional)] own_store: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let texts = &use_texts().knowledge;
    // Checked from the browser only (the server renders "Checking…").
    #[cfg(not(feature = "hydrate"))]
    let _ = project;
    let result = RwSignal::new(None::<Result<ProjectCheck, String>>);
    let pending = RwSignal::new(false);
    // Asked again while a check runs: one more check follows it.
    let again = RwSignal::new(false);
    let run = move || {
        if pending.get_untracked() {
            again.set(true);
            return;
        }
        pending.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            loop {
                again.try_set(false);
                // `not_found` (not `project_not_found`): no such route on this server.
                let outcome = super::net::check(project).await.map_err(|failure| {
                    if failure.code == "not_found" {
                        texts.check_missing.to_owned()
                    } else {
                        reason(lang, &failure.message)
                    }
                });
                result.try_set(Some(outcome));
                if !again.try_get_untracked().unwrap_or(false) {
                    break;
                }
            }
            pending.try_set(false);
        });
    };
    // Once when the page opens, and again when the project's own vector
    // store appears (made at the first addition).
    let own_id = Memo::new(move |_| own_store.and_then(|store| store.get()));
    Effect::new(move |_| {
        // Read, not only tracked: a memo never read follows nothing.
        own_id.with(|_| ());
        run();
    });
    view! {
        <section class="card kb-check" aria-live="polite">
            <div class="kb-head">
                <h2>{texts.check_title}</h2>
                <button type="button" disabled=move || pending.get() on:click=move |_| run()>
                    {move || if pending.get() { texts.checking } else { texts.check_again }}
                </button>
            </div>
            {move || match result.get() {
                None => view! { <p class="muted">{texts.checking}</p> }.into_any(),
                Some(Err(text)) => view! { <p class="field-error">{text}</p> }.into_any(),
                Some(Ok(check)) => view! { <CheckList check lang /> }.into_any(),
            }}
            {own_store.map(|store| move || {
                let own = match store.get() {
                    Some(id) => view! { <code>{id}</code> }.into_any(),
                    None => view! { <span>{texts.own_store_later}</span> }.into_any(),
                };
                view! { <p class="hint">{texts.own_store}": "{own}</p> }
            })}
        </section>
    }
}

#[component]
fn CheckList(check: ProjectCheck, lang: Lang) -> impl IntoView {
    let texts = &use_texts().knowledge;
    let row = move |label: String, item: &CheckItem| {
        let (class, word) = outcome(texts, lang, item);
        view! {
            <li>
                <span class="kb-check-label">{label}</span>
                <span class=class>{word}</span>
            </li>
        }
    };
    let stores = check
        .vector_stores
        .iter()
        .map(|store| {
            let own = if store.own {
                format!(" ({})", texts.own)
            } else {
                String::new()
            };
            row(
                format!("{} {}{own}", texts.check_store, store.id),
                &store.result,
            )
        })
        .collect_view();
    view! {
        <ul class="kb-check-list">
            {row(texts.check_key.to_owned(), &check.key)}
            {row(texts.check_model.to_owned(), &check.model)}
            {stores}
        </ul>
    }
}

/// The badge class and the words of one finding.
fn outcome(texts: &KnowledgeTexts, lang: Lang, item: &CheckItem) -> (&'static str, String) {
    if item.ok {
        return ("kb-badge ok", texts.works.to_owned());
    }
    let words = item
        .reason
        .as_deref()
        .or(item.code.as_deref())
        .map_or_else(|| texts.failed.to_owned(), |english| reason(lang, english));
    ("kb-badge bad", words)
}
