//! The visitor widget: a Leptos CSR app that `loader/widget.js` starts inside
//! the shadow root it drew on the host page.
//!
//! # Layout
//! - [`mount`]: the entry the loader calls with the panel to draw into.
//! - `chat`: the chat panel (messages, composer, handoff, privacy notice).
//! - `api`: the v1 widget API over gloo-net, with the shared DTOs of `contract`.
//! - `live`: the event stream (EventSource), applied to the panel's state.
//! - `texts`: the widget's words in Russian and English.
//!
//! The loader owns the launcher so that a page shows it before any wasm is
//! loaded; this crate draws the open panel and gives its CSS ([`stylesheet`]).

mod api;
mod chat;
mod live;
mod texts;

use wasm_bindgen::prelude::wasm_bindgen;

fn main() {
    // A panic's message in the console, in development builds: the hook's
    // formatting costs the released widget about 840 bytes of its size
    // budget (`tests/sizes.mjs`), where a panic still stops with an error.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
}

/// The panel's CSS, which the loader adopts into its shadow root (the host
/// page's CSS cannot reach it, it cannot reach the host page, and a host's CSP
/// does not block constructed stylesheets).
#[wasm_bindgen]
#[must_use]
pub fn stylesheet() -> String {
    include_str!("style.css").to_owned()
}

/// What the loader knows when it starts the panel.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The element the panel is drawn into (hidden while the widget is closed).
    pub panel: web_sys::HtmlElement,
    /// The launcher's unread badge.
    pub badge: web_sys::HtmlElement,
    /// The project's id, as the snippet's `data-project-id` gave it.
    pub project_id: String,
    /// The aiwidget server, e.g. `https://chat.example.com`.
    pub server: String,
    /// The panel's title (`data-title`, else the project's).
    pub title: String,
    /// The language the panel speaks.
    pub lang: texts::Lang,
    /// The project's widget configuration, with the snippet's greeting applied.
    pub config: api::Config,
}

/// Draws the chat panel into `panel` (an element inside the loader's shadow
/// root). `config` is the JSON of `GET /api/v1/widget/config`; `greeting`
/// overrides the project's when not empty.
#[wasm_bindgen]
pub fn mount(
    panel: web_sys::HtmlElement,
    badge: web_sys::HtmlElement,
    server: String,
    title: String,
    lang: &str,
    config: &str,
    greeting: String,
) {
    let Ok(mut config) = serde_json::from_str::<api::Config>(config) else {
        leptos::logging::warn!("aiwidget: the widget's configuration does not parse");
        return;
    };
    if !greeting.trim().is_empty() {
        config.greeting = greeting;
    }
    let setup = Setup {
        panel: panel.clone(),
        badge,
        project_id: config.project_id.clone(),
        server,
        title,
        lang: texts::Lang::parse(lang),
        config,
    };
    let handle = leptos::mount::mount_to(panel, move || chat::chat(setup));
    // The panel lives as long as the page: keep its reactive owner.
    handle.forget();
}
