//! Messages as views: the tree of [`contract::markdown`] becomes elements and text
//! nodes, never HTML strings, so nothing in a message can inject markup into
//! the client's page. Links open in a new tab without access to the opener.

use contract::markdown::{Block, Inline, parse};
use leptos::prelude::*;

/// `text` as safe markdown.
pub fn markdown(text: &str) -> impl IntoView + use<> {
    parse(text).into_iter().map(block).collect_view()
}

fn block(block: Block) -> AnyView {
    match block {
        Block::Paragraph(runs) => view! { <p>{inlines(runs)}</p> }.into_any(),
        Block::Heading(runs) => view! { <p><strong>{inlines(runs)}</strong></p> }.into_any(),
        Block::List { ordered, items } => {
            let items = items
                .into_iter()
                .map(|item| view! { <li>{inlines(item)}</li> })
                .collect_view();
            if ordered {
                view! { <ol>{items}</ol> }.into_any()
            } else {
                view! { <ul>{items}</ul> }.into_any()
            }
        }
        Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
    }
}

fn inlines(runs: Vec<Inline>) -> AnyView {
    runs.into_iter().map(inline).collect_view().into_any()
}

fn inline(run: Inline) -> AnyView {
    match run {
        Inline::Text(text) => text.into_any(),
        Inline::Strong(inner) => view! { <strong>{inlines(inner)}</strong> }.into_any(),
        Inline::Emphasis(inner) => view! { <em>{inlines(inner)}</em> }.into_any(),
        Inline::Code(code) => view! { <code>{code}</code> }.into_any(),
        Inline::Link { href, label } => view! {
            <a href=href target="_blank" rel="noopener noreferrer nofollow">{inlines(label)}</a>
        }
        .into_any(),
        Inline::Break => view! { <br /> }.into_any(),
    }
}
