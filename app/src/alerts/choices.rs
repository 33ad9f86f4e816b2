//! One channel's alert choices (Telegram or email) as checkboxes: the three
//! kinds of alert, then "every new conversation" per project.

use crate::i18n::{AlertsTexts, use_texts};
use contract::alerts::AlertChoices;
use leptos::prelude::*;
use uuid::Uuid;

/// The text of one kind of alert.
type Label = fn(&AlertsTexts) -> &'static str;
/// Reads one flag of a channel's choices.
type Get = fn(&AlertChoices) -> bool;
/// Sets one flag of a channel's choices.
type Set = fn(&mut AlertChoices, bool);

/// The three kinds of alert, in the order shown.
const KINDS: [(Label, Get, Set); 3] = [
    (
        |t| t.waiting_human,
        |c| c.waiting_human,
        |c, on| c.waiting_human = on,
    ),
    (|t| t.contact, |c| c.contact, |c, on| c.contact = on),
    (
        |t| t.my_conversations,
        |c| c.my_conversations,
        |c, on| c.my_conversations = on,
    ),
];

/// The checkboxes of one channel.
#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn ChannelChoices(
    /// The channel's name, the group's legend.
    title: &'static str,
    /// The channel's choices, changed in place.
    choices: RwSignal<AlertChoices>,
    /// The projects the user may see: id and name.
    projects: Vec<(Uuid, String)>,
) -> impl IntoView {
    let texts = &use_texts().alerts;
    let kinds = KINDS
        .into_iter()
        .map(|(label, get, set)| {
            let label = label(texts);
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || choices.with(get)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            choices.update(|c| set(c, on));
                        }
                    />
                    {label}
                </label>
            }
        })
        .collect_view();
    let per_project = (!projects.is_empty()).then(|| {
        let boxes = projects
            .into_iter()
            .map(|(project, name)| {
                view! {
                    <label class="check">
                        <input
                            type="checkbox"
                            prop:checked=move || choices.with(|c| c.new_conversation.contains(&project))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                choices.update(|c| {
                                    c.new_conversation.retain(|known| *known != project);
                                    if on {
                                        c.new_conversation.push(project);
                                    }
                                });
                            }
                        />
                        {name}
                    </label>
                }
            })
            .collect_view();
        view! {
            <p class="alerts-subhead">{texts.new_conversation}</p>
            {boxes}
        }
    });
    view! {
        <fieldset class="alerts-channel">
            <legend>{title}</legend>
            {kinds}
            {per_project}
        </fieldset>
    }
}
