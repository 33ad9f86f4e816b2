//! What the visitor is told, in their language, when the AI cannot answer.

use crate::db::entities::{projects, visitors};

/// Russian or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
}

/// The project's fixed language, else the visitor's browser language, else English.
pub fn lang(project: &projects::Model, visitor: Option<&visitors::Model>) -> Lang {
    let tag = project
        .widget_locale
        .as_deref()
        .or_else(|| visitor.and_then(|visitor| visitor.locale.as_deref()))
        .unwrap_or("en");
    if tag.to_ascii_lowercase().starts_with("ru") {
        Lang::Ru
    } else {
        Lang::En
    }
}

/// The AI failed (any provider fault): short, and pointing to a human.
pub fn fault(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => {
            "Извините, сейчас я не могу ответить. Попробуйте ещё раз чуть позже или позовите оператора."
        }
        Lang::En => {
            "Sorry, I can't answer right now. Please try again in a moment, or ask for a human."
        }
    }
}

/// Today's AI budget of the project is spent.
pub fn budget_spent(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => {
            "На сегодня лимит ответов ассистента исчерпан. Вы можете позвать оператора: мы ответим, как только сможем."
        }
        Lang::En => {
            "The assistant has reached today's limit. You can still ask for a human: we'll answer as soon as we can."
        }
    }
}
