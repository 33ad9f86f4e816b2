//! The shape of every list answer of the API.

use serde::{Deserialize, Serialize};

/// `{"items": […], "next_cursor": …}`: a page of a list; `next_cursor` is
/// `null` on the last page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page, in the list's order.
    pub items: Vec<T>,
    /// Pass it as `cursor` to read the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A list that fits in one page.
    #[must_use]
    pub fn all(items: Vec<T>) -> Self {
        Self {
            items,
            next_cursor: None,
        }
    }
}
