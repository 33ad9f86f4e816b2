//! The privacy actions of the open conversation's visitor, for admins:
//! "Export data" downloads everything stored about them as JSON
//! (`GET /api/v1/admin/visitors/{id}/export`, authenticated by the session
//! cookie), "Delete visitor's data" deletes it after a confirmation
//! (`docs/privacy.md`).

use crate::api::delete_visitor;
use crate::i18n::{use_lang, use_texts};
use crate::inbox::{InboxState, failure};
use leptos::prelude::*;
use uuid::Uuid;

/// The two buttons, or nothing for operators.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn VisitorPrivacy(
    /// The visitor of the open conversation.
    visitor_id: Uuid,
) -> impl IntoView {
    let state = expect_context::<InboxState>();
    let texts = &use_texts().inbox;
    let lang = use_lang();
    let delete = Action::new_local(move |_: &()| async move {
        match delete_visitor(visitor_id).await {
            Ok(()) => {
                state.forget_visitor(visitor_id);
                state.error.set(None);
            }
            Err(err) => state.error.set(Some(failure(lang, &err))),
        }
    });
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if window()
                .confirm_with_message(texts.delete_data_confirm)
                .unwrap_or(false)
            {
                delete.dispatch(());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = delete;
    };
    state.admin.then(|| {
        view! {
            <div class="actions privacy-actions" role="group" aria-label=texts.privacy>
                <a
                    class="button"
                    href=format!("/api/v1/admin/visitors/{visitor_id}/export")
                    download=format!("visitor-{visitor_id}.json")
                >
                    {texts.export_data}
                </a>
                <button
                    type="button"
                    class="danger"
                    disabled=move || delete.pending().get()
                    on:click=ask
                >
                    {texts.delete_data}
                </button>
            </div>
        }
    })
}
