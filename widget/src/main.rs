//! The visitor widget: a Leptos CSR app that `loader/widget.js` starts inside
//! the shadow root it drew on the host page.
//!
//! # Layout
//! - [`mount`]: the entry the loader calls with the element to draw into.
//! - [`Chat`]: the chat panel.
//!
//! The loader owns the launcher button so that a page shows it before any wasm
//! is loaded; this crate draws the open panel.

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

fn main() {
    console_error_panic_hook::set_once();
}

/// Draws the chat panel into `root` (an element inside the loader's shadow root).
#[wasm_bindgen]
pub fn mount(root: web_sys::HtmlElement, title: String) {
    let handle = leptos::mount::mount_to(root, move || view! { <Chat title=title.clone() /> });
    // The panel lives as long as the page: keep its reactive owner.
    handle.forget();
}

/// The chat panel: a title, the conversation, and a message box.
#[component]
fn Chat(title: String) -> impl IntoView {
    let (draft, set_draft) = signal(String::new());
    let (sent, set_sent) = signal(Vec::<String>::new());
    let send = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let text = draft.get_untracked().trim().to_owned();
        if !text.is_empty() {
            set_sent.update(|messages| messages.push(text));
            set_draft.set(String::new());
        }
    };
    let label = title.clone();
    view! {
        <section class="aiw-panel" role="dialog" aria-label=label>
            <header class="aiw-header">{title}</header>
            <ol class="aiw-messages" aria-live="polite">
                <For each=move || sent.get() key=|text| text.clone() let:text>
                    <li class="aiw-message aiw-visitor">{text}</li>
                </For>
            </ol>
            <form class="aiw-compose" on:submit=send>
                <input
                    class="aiw-input"
                    aria-label="Message"
                    prop:value=draft
                    on:input=move |event| set_draft.set(event_target_value(&event))
                />
                <button class="aiw-send" type="submit">"Send"</button>
            </form>
        </section>
    }
}
