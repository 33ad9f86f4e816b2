//! The playground: a question asked as a visitor would, its answer streamed
//! in, its sources, and the instructions, model and vector stores it used
//! (`POST …/playground`, an event stream read from fetch).

use super::Knowledge;
use crate::i18n::use_texts;
use contract::chat::Source;
use contract::knowledge::RetrievedChunk;
use leptos::prelude::*;
use serde::Deserialize;

/// `instructions`: what the answer is made with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
struct InEffect {
    #[serde(default)]
    instructions: Option<String>,
    #[serde(default)]
    model: String,
    #[serde(default)]
    vector_store_ids: Vec<String>,
}

/// `delta`: the next piece of the answer.
#[cfg(feature = "hydrate")]
#[derive(Debug, Clone, Deserialize)]
struct Delta {
    text: String,
}

/// `message`: the whole answer and its sources.
#[cfg(feature = "hydrate")]
#[derive(Debug, Clone, Deserialize)]
struct Answer {
    text: String,
    #[serde(default)]
    sources: Vec<Source>,
}

/// `retrieved`: the chunks aiwidget's own search found (chat_completions).
#[cfg(feature = "hydrate")]
#[derive(Debug, Clone, Deserialize)]
struct Retrieved {
    chunks: Vec<RetrievedChunk>,
}

/// What the playground shows of the last question.
#[derive(Debug, Clone, Copy)]
struct Asked {
    answer: RwSignal<String>,
    chunks: RwSignal<Option<Vec<RetrievedChunk>>>,
    sources: RwSignal<Vec<Source>>,
    in_effect: RwSignal<Option<InEffect>>,
    error: RwSignal<Option<String>>,
    pending: RwSignal<bool>,
}

/// The playground section.
#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn Playground() -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let question = RwSignal::new(String::new());
    let asked = Asked {
        answer: RwSignal::new(String::new()),
        chunks: RwSignal::new(None),
        sources: RwSignal::new(Vec::new()),
        in_effect: RwSignal::new(None),
        error: RwSignal::new(None),
        pending: RwSignal::new(false),
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let text = question.get_untracked().trim().to_owned();
        if text.is_empty() || asked.pending.get_untracked() {
            return;
        }
        asked.answer.set(String::new());
        asked.chunks.set(None);
        asked.sources.set(Vec::new());
        asked.in_effect.set(None);
        asked.error.set(None);
        asked.pending.set(true);
        #[cfg(feature = "hydrate")]
        ask(state, asked, text);
        #[cfg(not(feature = "hydrate"))]
        let _ = (state, text);
    };
    view! {
        <section class="card kb-playground">
            <h2>{texts.playground_title}</h2>
            <p class="hint">{texts.playground_hint}</p>
            <form class="kb-ask" on:submit=submit>
                <textarea
                    rows="2"
                    aria-label=texts.question
                    prop:value=question
                    on:input=move |ev| question.set(event_target_value(&ev))
                ></textarea>
                <button type="submit" class="primary" disabled=move || asked.pending.get() || question.with(|q| q.trim().is_empty())>
                    {move || if asked.pending.get() { texts.answering } else { texts.ask }}
                </button>
            </form>
            {move || asked.error.get().map(|text| view! { <p class="field-error" role="alert">{text}</p> })}
            <div class="kb-answer-box" aria-live="polite" class:hidden=move || asked.answer.with(String::is_empty)>
                <p class="kb-answer">{move || asked.answer.get()}</p>
            </div>
            <Sources sources=asked.sources />
            {move || asked.chunks.get().map(|chunks| view! { <Chunks chunks /> })}
            {move || asked.in_effect.get().map(|in_effect| view! { <InEffectDetails in_effect /> })}
        </section>
    }
}

/// Asks and follows the answer's events.
#[cfg(feature = "hydrate")]
fn ask(state: Knowledge, asked: Asked, text: String) {
    leptos::task::spawn_local(async move {
        let result = super::net::ask(state.project, text, move |event| {
            match event.name.as_str() {
                "instructions" => {
                    if let Ok(in_effect) = serde_json::from_str::<InEffect>(&event.data) {
                        asked.in_effect.try_set(Some(in_effect));
                    }
                }
                "retrieved" => {
                    if let Ok(retrieved) = serde_json::from_str::<Retrieved>(&event.data) {
                        asked.chunks.try_set(Some(retrieved.chunks));
                    }
                }
                "delta" => {
                    if let Ok(delta) = serde_json::from_str::<Delta>(&event.data) {
                        asked
                            .answer
                            .try_update(|answer| answer.push_str(&delta.text));
                    }
                }
                "message" => {
                    if let Ok(answer) = serde_json::from_str::<Answer>(&event.data) {
                        asked.answer.try_set(answer.text);
                        asked.sources.try_set(answer.sources);
                    }
                }
                "error" => {
                    let english = serde_json::from_str::<contract::error::ErrorBody>(&event.data)
                        .map_or(event.data, |body| body.message);
                    asked
                        .error
                        .try_set(Some(crate::i18n::reason(state.lang, &english)));
                }
                _ => {}
            }
        })
        .await;
        if let Err(failure) = result {
            asked
                .error
                .try_set(Some(crate::i18n::reason(state.lang, &failure.message)));
        }
        asked.pending.try_set(false);
    });
}

/// The answer's sources: a page's title linked to it, else the file name.
#[component]
fn Sources(sources: RwSignal<Vec<Source>>) -> impl IntoView {
    let texts = &use_texts().knowledge;
    move || {
        let list = sources.get();
        (!list.is_empty()).then(|| {
            let items = list
                .into_iter()
                .map(|source| {
                    let label = source
                        .title
                        .clone()
                        .filter(|t| !t.trim().is_empty())
                        .or_else(|| source.filename.clone())
                        .unwrap_or_else(|| source.file_id.clone());
                    match source.url.filter(|url| url.starts_with("https://") || url.starts_with("http://")) {
                        Some(url) => view! {
                            <li><a href=url target="_blank" rel="noopener noreferrer nofollow">{label}</a></li>
                        }
                        .into_any(),
                        None => view! { <li>{label}</li> }.into_any(),
                    }
                })
                .collect_view();
            view! {
                <div class="kb-sources">
                    <h3>{texts.sources}</h3>
                    <ul>{items}</ul>
                </div>
            }
        })
    }
}

/// The chunks found for the question, best first, with their scores.
#[component]
fn Chunks(chunks: Vec<RetrievedChunk>) -> impl IntoView {
    let texts = &use_texts().knowledge;
    let empty = chunks.is_empty();
    let items = chunks
        .into_iter()
        .map(|chunk| {
            let label = chunk
                .title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(chunk.name);
            let score = format!("{:.2}", chunk.score);
            view! {
                <li>
                    <p><strong>{label}</strong>" "<span class="kb-score">{score}</span></p>
                    <pre class="kb-chunk">{chunk.text}</pre>
                </li>
            }
        })
        .collect_view();
    view! {
        <details class="kb-in-effect kb-chunks" open=true>
            <summary>{texts.chunks_found}</summary>
            {empty.then(|| view! { <p class="muted">{texts.no_chunks}</p> })}
            <ol>{items}</ol>
        </details>
    }
}

#[component]
fn InEffectDetails(in_effect: InEffect) -> impl IntoView {
    let texts = &use_texts().knowledge;
    let stores = if in_effect.vector_store_ids.is_empty() {
        texts.none.to_owned()
    } else {
        in_effect.vector_store_ids.join(", ")
    };
    let instructions = in_effect
        .instructions
        .filter(|text| !text.trim().is_empty())
        .unwrap_or_else(|| texts.no_instructions.to_owned());
    view! {
        <details class="kb-in-effect">
            <summary>{texts.in_effect}</summary>
            <dl>
                <dt>{use_texts().model}</dt>
                <dd><code>{in_effect.model}</code></dd>
                <dt>{use_texts().vector_stores}</dt>
                <dd><code>{stores}</code></dd>
                <dt>{use_texts().instructions}</dt>
                <dd><pre class="kb-instructions">{instructions}</pre></dd>
            </dl>
        </details>
    }
}
