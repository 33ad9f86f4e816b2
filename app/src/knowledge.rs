//! `/admin/projects/{id}/knowledge`: a project's knowledge base. The project
//! check, uploaded files, imported websites, question/answer pairs, and a
//! playground that asks the AI as a visitor would (`docs/knowledge.md`).
//!
//! The view is loaded in the browser and kept in one signal; each row reads
//! its own item from it, so the refresh every 2 s while something is
//! processing changes the rows in place (an answer being edited stays).
//!
//! # Layout
//! - this file: the page, its shared state ([`Knowledge`]) and the refresh.
//! - `check`: the project check panel.
//! - `files`: uploads and the list of uploaded files.
//! - `sites`: websites, their imports and pages.
//! - `qa`: question/answer pairs.
//! - `playground`: a question, its answer streamed, its sources.
//! - `format`: sizes, times, status badges; `net` (browser): fetch calls.

pub(crate) mod check;
mod files;
mod format;
#[cfg(feature = "hydrate")]
mod net;
mod playground;
mod qa;
mod sites;

use crate::api::knowledge::get_knowledge;
use crate::chrome::SignedIn;
use crate::i18n::{Lang, reason, use_lang, use_texts};
use crate::project_form::{id_in_path, project_resource};
use contract::AppError;
use contract::auth::Role;
use contract::knowledge::KnowledgeView;
use contract::projects::ProjectView;
use leptos::prelude::*;
use uuid::Uuid;

/// The knowledge page of the project in the path.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn KnowledgePage() -> impl IntoView {
    let id = id_in_path();
    view! {
        <SignedIn render=move |user| {
            let admin = user.role == Role::Admin;
            let project = project_resource(id);
            view! {
                <Suspense fallback=|| view! { <p class="muted">"…"</p> }>
                    {move || Suspend::new(async move {
                        match project.await {
                            Ok(project) => view! { <KnowledgeBase project admin /> }.into_any(),
                            Err(err) => view! { <p class="field-error">{err.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

/// What every part of the page shares: the project, the loaded view, the
/// last refusal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Knowledge {
    /// The project's id.
    project: Uuid,
    /// Admins change the knowledge base; operators only read it.
    admin: bool,
    /// The page's language, for the server's reasons.
    lang: Lang,
    /// The knowledge base as last loaded (`None` until the first load).
    view: RwSignal<Option<KnowledgeView>>,
    /// The last failed load or change, in words.
    error: RwSignal<Option<String>>,
}

impl Knowledge {
    /// Loads the view again.
    fn reload(self) {
        leptos::task::spawn_local(async move {
            match get_knowledge(self.project).await {
                Ok(view) => {
                    self.view.try_set(Some(view));
                }
                Err(err) => self.failed(&err),
            }
        });
    }

    /// Shows a refusal from the server in the page's language.
    fn failed(self, err: &AppError) {
        self.error
            .try_set(Some(reason(self.lang, &err.to_string())));
    }

    /// True while anything is processing, queued or importing.
    #[cfg(feature = "hydrate")]
    fn busy(self) -> bool {
        use contract::knowledge::{KnowledgeStatus, SiteStatus};
        self.view.with_untracked(|view| {
            view.as_ref().is_some_and(|view| {
                view.files
                    .iter()
                    .any(|f| f.status == KnowledgeStatus::Processing)
                    || view
                        .qa
                        .iter()
                        .any(|q| q.status == KnowledgeStatus::Processing)
                    || view
                        .sites
                        .iter()
                        .any(|s| matches!(s.status, SiteStatus::Queued | SiteStatus::Syncing))
                    || view.retrieval.as_ref().is_some_and(|r| {
                        r.embedding_model.is_some() && r.embedded < r.files && r.error.is_none()
                    })
            })
        })
    }
}

/// The page of a loaded project.
#[component]
fn KnowledgeBase(project: ProjectView, admin: bool) -> impl IntoView {
    let texts = &use_texts().knowledge;
    let state = Knowledge {
        project: project.id,
        admin,
        lang: use_lang(),
        view: RwSignal::new(None),
        error: RwSignal::new(None),
    };
    provide_context(state);
    Effect::new(move |_| state.reload());
    refresh_while_busy(state);
    let loaded = Memo::new(move |_| state.view.with(Option::is_some));
    let back = format!("/admin/projects/{}", project.id);
    view! {
        <div class="page-title kb-title">
            <div>
                <h1>{texts.title}</h1>
                <p class="muted">{project.name}</p>
            </div>
            <a href=back class="muted">{use_texts().back}</a>
        </div>
        <p class="hint">{texts.intro}</p>
        {(!admin).then(|| view! { <p class="notice">{texts.read_only}</p> })}
        {move || state.error.get().map(|text| view! {
            <p class="field-error kb-error" role="alert">
                {text}
                <button type="button" class="link" on:click=move |_| state.error.set(None)>"×"</button>
            </p>
        })}
        <check::CheckPanel
            project=state.project
            lang=state.lang
            own_store=Signal::derive(move || {
                state
                    .view
                    .with(|view| view.as_ref().and_then(|view| view.vector_store_id.clone()))
            })
        />
        {move || state.view.with(|view| view.as_ref().and_then(|view| view.retrieval.clone()))
            .map(|status| view! { <RetrievalPanel status /> })}
        {move || if loaded.get() {
            view! {
                <files::FilesSection />
                <sites::SitesSection />
                <qa::QaSection />
            }.into_any()
        } else {
            view! { <p class="muted">{use_texts().loading}</p> }.into_any()
        }}
        <playground::Playground />
    }
}

/// How far a knowledge base searched by aiwidget (chat_completions) is embedded.
#[component]
fn RetrievalPanel(status: contract::knowledge::RetrievalStatus) -> impl IntoView {
    let texts = &use_texts().knowledge;
    let lang = use_lang();
    let line = match (&status.embedding_model, &status.in_use) {
        (None, _) => texts.retrieval_no_model.to_owned(),
        (Some(model), Some(in_use)) if model == in_use => texts
            .retrieval_ready
            .replace("{model}", model)
            .replace("{embedded}", &status.embedded.to_string())
            .replace("{files}", &status.files.to_string()),
        (Some(model), _) => texts
            .retrieval_embedding
            .replace("{model}", model)
            .replace("{embedded}", &status.embedded.to_string())
            .replace("{files}", &status.files.to_string()),
    };
    let old = status
        .in_use
        .filter(|in_use| status.embedding_model.as_ref() != Some(in_use))
        .map(|in_use| texts.retrieval_in_use.replace("{model}", &in_use));
    view! {
        <section class="card kb-retrieval">
            <h2>{texts.retrieval_title}</h2>
            <p>{line}</p>
            {old.map(|text| view! { <p class="muted">{text}</p> })}
            {status.error.map(|error| view! { <p class="warning">{reason(lang, &error)}</p> })}
        </section>
    }
}

/// Loads the view again every 2 s while something is processing; stops
/// when the page is left.
fn refresh_while_busy(state: Knowledge) {
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                if state.busy() {
                    state.reload();
                }
            },
            std::time::Duration::from_secs(2),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = state;
}
