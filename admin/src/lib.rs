//! The dashboard's wasm entry: hydrates the page the server rendered.
//!
//! # Layout
//! Just [`hydrate`]; the components live in `app`, shared with the
//! server that renders them.

// Leptos view types nest deeply; the dashboard's forms need more room.
#![recursion_limit = "256"]

/// Called by the hydration script cargo-leptos puts in the page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Tells browser tests (and anyone curious) that the page is interactive.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
