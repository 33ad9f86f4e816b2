//! The models and vector stores of a saved project's key, loaded for the
//! suggestions of the AI section.
//!
//! They are made beside the project's own [`Resource`], never inside the
//! `Suspense` that draws the form. The server renders a `Suspense`'s children
//! more than once (it walks them again to find resources read late), and each
//! run makes new resources with the next hydration ids; the browser makes them
//! once. Resources made in that inner run got ids the server had given to the
//! project's extra copies, so on a full page load they read the wrong data,
//! loaded again and hydrated their fallback against the server's lists.

use crate::api::{project_models, project_vector_stores};
use contract::projects::{ModelInfo, VectorStoreInfo};
use leptos::prelude::*;
use uuid::Uuid;

/// The lists of the project's saved key; empty without a key, for operators,
/// or when the provider does not answer.
#[derive(Clone, Copy)]
pub(super) struct ProviderLists {
    /// The chat models, for the model field's suggestions.
    pub(super) models: Resource<Vec<ModelInfo>>,
    /// The vector stores, to tick.
    pub(super) stores: Resource<Vec<VectorStoreInfo>>,
}

impl ProviderLists {
    /// Loads both lists for the project `id` (for admins); call it where the
    /// project's resource is made, outside any `Suspense`.
    pub(super) fn new(
        id: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static,
        admin: bool,
    ) -> Self {
        // The server functions are called first thing in each fetcher: on
        // the server, a fetcher that awaited something else first ran
        // without the request's context ("AppState missing") and its list
        // came out empty. A project without a key answers `409`: no list.
        let listable = move || id().filter(|_| admin);
        let models = Resource::new(listable, move |id| async move {
            match id {
                Some(id) => project_models(id).await.unwrap_or_default(),
                None => Vec::new(),
            }
        });
        let stores = Resource::new(listable, move |id| async move {
            match id {
                Some(id) => project_vector_stores(id).await.unwrap_or_default(),
                None => Vec::new(),
            }
        });
        Self { models, stores }
    }
}
