//! Uploaded files: the upload control (several files, sent one by one, each
//! refusal shown with its file) and the list. Pages of websites are listed
//! under their website, not here.

use super::Knowledge;
use super::format::{bytes, file_status, when};
use crate::api::knowledge::delete_knowledge_file;
use crate::forms::confirmed;
use crate::i18n::use_texts;
use contract::knowledge::{KnowledgeFile, KnowledgeSource};
use leptos::prelude::*;
use uuid::Uuid;

/// An upload of this visit: its file name and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Upload {
    /// Tells apart two uploads of the same name.
    key: u32,
    name: String,
    /// `None` while sending; the refusal in words when refused.
    refused: Option<String>,
}

/// The files section.
#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn FilesSection() -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let limit = Memo::new(move |_| {
        state
            .view
            .with(|v| v.as_ref().map_or(0, |v| v.max_upload_bytes))
    });
    let ids = Memo::new(move |_| {
        state.view.with(|view| {
            view.iter()
                .flat_map(|view| &view.files)
                .filter(|file| file.source == KnowledgeSource::Upload)
                .map(|file| file.id)
                .collect::<Vec<Uuid>>()
        })
    });
    view! {
        <section class="card kb-files">
            <h2>{texts.files_title}</h2>
            {state.admin.then(|| view! { <UploadControl uploads limit /> })}
            <ul class="kb-uploads" aria-live="polite">
                <For each=move || uploads.get() key=|upload| upload.clone() let:upload>
                    <li class=if upload.refused.is_some() { "field-error" } else { "muted" }>
                        {match upload.refused.clone() {
                            None => format!("{} {}…", texts.uploading, upload.name),
                            Some(why) => format!("{} {}: {why}", texts.upload_refused, upload.name),
                        }}
                    </li>
                </For>
            </ul>
            <Show when=move || !ids.with(Vec::is_empty) fallback=move || view! { <p class="muted">{texts.no_files}</p> }>
                <ul class="kb-list">
                    <For each=move || ids.get() key=|id| *id let:id>
                        <FileRow id />
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// The file input and the size limit; files go one by one.
#[component]
fn UploadControl(uploads: RwSignal<Vec<Upload>>, limit: Memo<u64>) -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let chosen = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        send_files(state, uploads, limit.get_untracked(), &ev);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, state, uploads);
    };
    view! {
        <div class="kb-upload">
            <label class="button primary kb-file-button">
                {texts.choose_files}
                <input
                    type="file"
                    multiple
                    accept=".pdf,.docx,.txt,.md,.markdown,.html,.htm,.csv"
                    on:change=chosen
                />
            </label>
            <span class="hint">{texts.upload_hint}" "{move || bytes(limit.get(), texts.units)}</span>
        </div>
    }
}

/// Sends the chosen files one after the other; a refused one stays listed
/// with its reason, a sent one joins the list.
#[cfg(feature = "hydrate")]
fn send_files(
    state: Knowledge,
    uploads: RwSignal<Vec<Upload>>,
    limit: u64,
    ev: &leptos::ev::Event,
) {
    use wasm_bindgen::JsCast as _;
    let Some(input) = ev
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let files: Vec<web_sys::File> = input
        .files()
        .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default();
    input.set_value("");
    uploads.update(|list| list.retain(|upload| upload.refused.is_none()));
    leptos::task::spawn_local(async move {
        for file in files {
            let key = next_key();
            let name = file.name();
            uploads.try_update(|list| {
                list.push(Upload {
                    key,
                    name: name.clone(),
                    refused: None,
                })
            });
            let refused = if file.size() > limit as f64 {
                Some(format!(
                    "the file is too large (the limit is {} MB)",
                    limit / (1024 * 1024)
                ))
            } else {
                super::net::upload(state.project, &file)
                    .await
                    .err()
                    .map(|failure| failure.message)
            };
            uploads.try_update(|list| match refused {
                Some(english) => {
                    for upload in list.iter_mut().filter(|upload| upload.key == key) {
                        upload.refused = Some(crate::i18n::reason(state.lang, &english));
                    }
                }
                None => list.retain(|upload| upload.key != key),
            });
            state.reload();
        }
    });
}

#[cfg(feature = "hydrate")]
fn next_key() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// One uploaded file, read from the view so that it changes in place.
#[component]
fn FileRow(id: Uuid) -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let file = Memo::new(move |_| {
        state.view.with(|view| {
            view.as_ref()
                .and_then(|view| view.files.iter().find(|file| file.id == id).cloned())
        })
    });
    move || file.get().map(|file| view! { <FileItem file /> })
}

#[component]
fn FileItem(file: KnowledgeFile) -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let (word, class) = file_status(texts, file.status);
    let id = file.id;
    let remove = move |_| {
        if confirmed(texts.confirm_remove_file) {
            leptos::task::spawn_local(async move {
                match delete_knowledge_file(state.project, id).await {
                    Ok(()) => state.reload(),
                    Err(err) => state.failed(&err),
                }
            });
        }
    };
    let error = file
        .error
        .map(|english| crate::i18n::reason(state.lang, &english));
    view! {
        <li class="kb-item">
            <div class="kb-main">
                <span class="kb-name">{file.name}</span>
                <span class=class>{word}</span>
            </div>
            <div class="kb-meta muted">
                <span>{bytes(u64::try_from(file.bytes).unwrap_or(0), texts.units)}</span>
                <span>{texts.source_upload}</span>
                <span>{when(file.updated_at)}</span>
            </div>
            {(!file.extracted).then(|| view! { <p class="hint">{texts.read_by_provider}</p> })}
            {error.map(|text| view! { <p class="field-error">{text}</p> })}
            {state.admin.then(|| view! {
                <div class="kb-actions">
                    <button type="button" class="link danger" on:click=remove>{texts.remove}</button>
                </div>
            })}
        </li>
    }
}
