//! What the system tells a visitor in their language: the AI cannot answer, the
//! budget is spent, nobody came, the contact was received.

use crate::db::entities::{projects, visitors};

/// Russian or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Russian.
    Ru,
    /// English.
    En,
}

/// The project's fixed language, else the visitor's browser language, else English.
#[must_use]
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
#[must_use]
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
#[must_use]
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

/// Nobody came in time and the AI answers again.
#[must_use]
pub fn nobody_came_ai(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => {
            "Сейчас все операторы заняты. Я продолжу отвечать сам, а оператор подключится, как только освободится."
        }
        Lang::En => {
            "All our operators are busy right now. I'll keep answering, and an operator will join when one is free."
        }
    }
}

/// Nobody came in time: the visitor may leave a contact (the widget shows the form).
#[must_use]
pub fn nobody_came_contact(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => {
            "Сейчас все операторы заняты. Оставьте, пожалуйста, контакт: мы ответим, как только сможем."
        }
        Lang::En => {
            "All our operators are busy right now. Please leave a contact and we'll get back to you."
        }
    }
}

/// The visitor left a contact.
#[must_use]
pub fn contact_received(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "Спасибо! Мы свяжемся с вами.",
        Lang::En => "Thank you! We'll get in touch.",
    }
}
