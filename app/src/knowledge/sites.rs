//! Websites: the import form (address, page limit, schedule), and each site
//! with its status, the counts of its import, the pages that failed, its
//! last and next import, its pages, "Import now", the schedule, removal.

use super::Knowledge;
use super::format::{file_status, site_status, when};
use crate::api::knowledge::{add_site, delete_site, sync_site, update_site};
use crate::forms::confirmed;
use crate::forms::{FORM, FieldError, FieldErrors, field_errors};
use crate::i18n::{KnowledgeTexts, reason, use_texts};
use contract::knowledge::{
    DEFAULT_SITE_PAGES, KnowledgeSite, MAX_SITE_PAGES, SiteInput, SitePatch, SiteStatus,
    SyncSchedule,
};
use leptos::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The websites section.
#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn SitesSection() -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let ids = Memo::new(move |_| {
        state.view.with(|view| {
            view.iter()
                .flat_map(|view| &view.sites)
                .map(|site| site.id)
                .collect::<Vec<Uuid>>()
        })
    });
    view! {
        <section class="card kb-sites">
            <h2>{texts.sites_title}</h2>
            {state.admin.then(|| view! { <SiteForm /> })}
            <Show when=move || !ids.with(Vec::is_empty) fallback=move || view! { <p class="muted">{texts.no_sites}</p> }>
                <ul class="kb-list">
                    <For each=move || ids.get() key=|id| *id let:id>
                        <SiteRow id />
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// The options of a schedule select.
fn schedules(texts: &KnowledgeTexts) -> [(SyncSchedule, &'static str); 3] {
    [
        (SyncSchedule::Daily, texts.daily),
        (SyncSchedule::Weekly, texts.weekly),
        (SyncSchedule::Never, texts.never),
    ]
}

#[component]
fn SiteForm() -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let url = RwSignal::new(String::new());
    let max_pages = RwSignal::new(DEFAULT_SITE_PAGES.to_string());
    let schedule = RwSignal::new(SyncSchedule::Weekly);
    let errors: FieldErrors = RwSignal::new(BTreeMap::new());
    let pending = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Ok(pages) = max_pages.get_untracked().trim().parse::<u32>() else {
            errors.set(BTreeMap::from([(
                "max_pages".to_owned(),
                reason(state.lang, &format!("from 1 to {MAX_SITE_PAGES} pages")),
            )]));
            return;
        };
        let input = SiteInput {
            url: url.get_untracked().trim().to_owned(),
            max_pages: Some(pages),
            schedule: Some(schedule.get_untracked()),
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            match add_site(state.project, input).await {
                Ok(_) => {
                    errors.try_set(BTreeMap::new());
                    url.try_set(String::new());
                    state.reload();
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
    view! {
        <form class="kb-form kb-site-form" on:submit=submit novalidate>
            <label class="kb-grow">
                {texts.site_url}
                <input
                    type="url"
                    placeholder="https://example.com/sitemap.xml"
                    prop:value=url
                    on:input=move |ev| url.set(event_target_value(&ev))
                    aria-invalid=move || errors.with(|e| e.contains_key("url")).to_string()
                />
                <FieldError errors field="url" />
            </label>
            <label>
                {texts.max_pages}
                <input
                    type="number"
                    min="1"
                    max=MAX_SITE_PAGES.to_string()
                    prop:value=max_pages
                    on:input=move |ev| max_pages.set(event_target_value(&ev))
                />
                <FieldError errors field="max_pages" />
            </label>
            <label>
                {texts.schedule}
                <ScheduleSelect value=Signal::from(schedule) on_pick=move |picked| schedule.set(picked) />
            </label>
            <button type="submit" class="primary" disabled=move || pending.get() || url.with(|u| u.trim().is_empty())>
                {texts.add_site}
            </button>
            <FieldError errors field=FORM />
        </form>
    }
}

#[component]
fn ScheduleSelect(
    value: Signal<SyncSchedule>,
    on_pick: impl Fn(SyncSchedule) + 'static,
) -> impl IntoView {
    let texts = &use_texts().knowledge;
    view! {
        <select
            prop:value=move || value.get().as_str()
            on:change=move |ev| on_pick(SyncSchedule::parse(&event_target_value(&ev)))
        >
            {schedules(texts)
                .into_iter()
                .map(|(schedule, word)| view! {
                    <option value=schedule.as_str() selected=move || value.get() == schedule>{word}</option>
                })
                .collect_view()}
        </select>
    }
}

/// One website, read from the view so that it changes in place.
#[component]
fn SiteRow(id: Uuid) -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let site = Memo::new(move |_| {
        state.view.with(|view| {
            view.as_ref()
                .and_then(|view| view.sites.iter().find(|site| site.id == id).cloned())
        })
    });
    let schedule =
        Signal::derive(move || site.with(|s| s.as_ref().map(|s| s.schedule).unwrap_or_default()));
    let busy = move || {
        site.with(|s| {
            s.as_ref()
                .is_some_and(|s| matches!(s.status, SiteStatus::Queued | SiteStatus::Syncing))
        })
    };
    let run = move |call: SiteCall| {
        leptos::task::spawn_local(async move {
            let result = match call {
                SiteCall::Sync => sync_site(state.project, id).await.map(drop),
                SiteCall::Schedule(schedule) => {
                    let patch = SitePatch {
                        schedule: Some(schedule),
                        ..SitePatch::default()
                    };
                    update_site(state.project, id, patch).await.map(drop)
                }
                SiteCall::Remove => delete_site(state.project, id).await,
            };
            match result {
                Ok(()) => state.reload(),
                Err(err) => state.failed(&err),
            }
        });
    };
    let remove = move |_| {
        if confirmed(texts.confirm_remove_site) {
            run(SiteCall::Remove);
        }
    };
    view! {
        <li class="kb-item kb-site">
            {move || site.get().map(|site| view! { <SiteDetails site /> })}
            {state.admin.then(|| view! {
                <div class="kb-actions">
                    <label class="kb-inline">
                        {texts.schedule}
                        <ScheduleSelect value=schedule on_pick=move |picked| run(SiteCall::Schedule(picked)) />
                    </label>
                    <button type="button" disabled=busy on:click=move |_| run(SiteCall::Sync)>{texts.sync_now}</button>
                    <button type="button" class="link danger" on:click=remove>{texts.remove}</button>
                </div>
            })}
            <SitePages id />
        </li>
    }
}

/// What a website's buttons ask of the server.
#[derive(Debug, Clone, Copy)]
enum SiteCall {
    Sync,
    Schedule(SyncSchedule),
    Remove,
}

/// The website's address, status, counts, failures and import times.
#[component]
fn SiteDetails(site: KnowledgeSite) -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let (word, class) = site_status(texts, site.status);
    let progress = site.progress;
    let counts = [
        (texts.found, progress.found),
        (texts.fetched, progress.fetched),
        (texts.uploaded, progress.uploaded),
        (texts.unchanged, progress.unchanged),
        (texts.removed, progress.removed),
        (texts.failed_pages, progress.failed),
    ];
    let last = site
        .last_sync_at
        .map_or_else(|| texts.not_yet.to_owned(), when);
    let next = match (site.next_sync_at, site.schedule) {
        (Some(at), _) => when(at),
        (None, SyncSchedule::Never) => texts.never.to_owned(),
        (None, _) => "—".to_owned(),
    };
    let error = site.error.map(|english| reason(state.lang, &english));
    let failures = site.failures;
    view! {
        <div class="kb-main">
            <span class="kb-name">{site.url}</span>
            <span class=class>{word}</span>
        </div>
        <div class="kb-meta muted">
            <span>{texts.pages}": "{site.pages}" / "{site.max_pages}</span>
            <span>{texts.last_sync}": "{last}</span>
            <span>{texts.next_sync}": "{next}</span>
        </div>
        <ul class="kb-counts">
            {counts
                .into_iter()
                .map(|(label, count)| view! { <li><strong>{count}</strong>" "{label}</li> })
                .collect_view()}
        </ul>
        {error.map(|text| view! { <p class="field-error">{text}</p> })}
        {(!failures.is_empty()).then(|| view! {
            <details class="kb-failures">
                <summary>{texts.failures}" ("{failures.len()}")"</summary>
                <ul>
                    {failures
                        .into_iter()
                        .map(|failure| view! {
                            <li>
                                <span class="kb-url">{failure.url}</span>
                                " — "
                                <span>{reason(state.lang, &failure.reason)}</span>
                            </li>
                        })
                        .collect_view()}
                </ul>
            </details>
        })}
    }
}

/// The website's pages in the knowledge base, folded.
#[component]
fn SitePages(id: Uuid) -> impl IntoView {
    let state = expect_context::<Knowledge>();
    let texts = &use_texts().knowledge;
    let pages = Memo::new(move |_| {
        state.view.with(|view| {
            view.iter()
                .flat_map(|view| &view.files)
                .filter(|file| file.site_id == Some(id))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let rows = move || {
        pages
            .get()
            .into_iter()
            .map(|page| {
                let (word, class) = file_status(texts, page.status);
                let label = page
                    .title
                    .clone()
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or_else(|| page.name.clone());
                let error = page.error.map(|english| reason(state.lang, &english));
                view! {
                    <li>
                        <span>{label}</span>
                        " "
                        <span class="kb-url muted">{page.url}</span>
                        " "
                        <span class=class>{word}</span>
                        {error.map(|text| view! { <span class="field-error">" "{text}</span> })}
                    </li>
                }
            })
            .collect_view()
    };
    // The element stays while the list changes, so an open list stays open.
    view! {
        <details class="kb-pages" class:hidden=move || pages.with(Vec::is_empty)>
            <summary>{texts.site_pages}" ("{move || pages.with(Vec::len)}")"</summary>
            <ul>{rows}</ul>
        </details>
    }
}
