//! The Leptos pieces both front ends share, the visitor widget (CSR) and the
//! dashboard (SSR + hydrate): small on purpose, without leptos_router or
//! leptos_meta, so that the widget compiles only what it draws.
//!
//! # Layout
//! - [`rich`]: the markdown tree of an answer as views (never HTML strings).
//! - `live` (browser): typed listeners on an event stream.
//!
//! Feature `browser`: what only runs in a browser (web-sys, wasm-bindgen).

pub mod rich;

#[cfg(feature = "browser")]
pub mod live;
