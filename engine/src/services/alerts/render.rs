//! An alert's words: Telegram HTML (everything from a visitor or a project
//! escaped) with its buttons, and a plain-text email, in the operator's
//! language.

use super::AlertKind;
use crate::telegram::{InlineKeyboardButton, InlineKeyboardMarkup, escape_html};
use uuid::Uuid;

/// How many of the last messages an alert quotes.
pub const QUOTED: u64 = 4;
/// How many characters of each quoted message.
const QUOTE_CHARS: usize = 400;

/// What an alert is about, read when it is sent.
#[derive(Debug, Clone)]
pub struct Context {
    /// What happened.
    pub kind: AlertKind,
    /// The conversation.
    pub conversation_id: Uuid,
    /// The project's name.
    pub project: String,
    /// The visitor's contact name, else their email or phone, else a short id.
    pub visitor: String,
    /// The AI's summary of the conversation, if one was made.
    pub summary: Option<String>,
    /// The last messages, oldest first: (role, author, text).
    pub messages: Vec<(String, Option<String>, String)>,
    /// The conversation in the dashboard, when `PUBLIC_URL` is one Telegram
    /// accepts in a button.
    pub dashboard_url: String,
}

/// The callback data of a button: `take:<id>`, `release:<id>`, `close:<id>`
/// (41 to 44 bytes; Telegram allows 64).
#[must_use]
pub fn action(verb: &str, conversation_id: Uuid) -> String {
    format!("{verb}:{conversation_id}")
}

/// The Telegram message of an alert.
#[must_use]
pub fn telegram(context: &Context, locale: &str) -> (String, InlineKeyboardMarkup) {
    let words = Words::of(locale);
    let mut text = format!(
        "<b>{}</b>\n{}: <b>{}</b>\n{}: {}\n",
        escape_html(words.headline(context.kind)),
        words.project,
        escape_html(&context.project),
        words.visitor,
        escape_html(&context.visitor),
    );
    if let Some(summary) = &context.summary {
        text.push_str(&format!(
            "\n<b>{}:</b> {}\n",
            words.summary,
            escape_html(&shortened(summary))
        ));
    }
    for (role, author, body) in &context.messages {
        text.push_str(&format!(
            "\n<i>{}:</i> {}",
            escape_html(&words.speaker(role, author.as_deref())),
            escape_html(&shortened(body))
        ));
    }
    text.push_str(&format!("\n\n{}", escape_html(words.reply_hint)));
    let id = context.conversation_id;
    let mut rows = vec![
        vec![
            InlineKeyboardButton::callback(words.take_over, &action("take", id)),
            InlineKeyboardButton::callback(words.release, &action("release", id)),
        ],
        vec![InlineKeyboardButton::callback(
            words.close,
            &action("close", id),
        )],
    ];
    if accepted_in_button(&context.dashboard_url) {
        rows[1].push(InlineKeyboardButton::link(
            words.open,
            &context.dashboard_url,
        ));
    } else {
        text.push_str(&format!("\n{}", escape_html(&context.dashboard_url)));
    }
    (
        text,
        InlineKeyboardMarkup {
            inline_keyboard: rows,
        },
    )
}

/// The subject and text of an alert email.
#[must_use]
pub fn email(context: &Context, locale: &str) -> (String, String) {
    let words = Words::of(locale);
    let subject = format!(
        "{} — {}",
        words
            .headline(context.kind)
            .trim_start_matches(|c: char| !c.is_alphanumeric()),
        context.project
    );
    let mut body = format!(
        "{}\n\n{}: {}\n{}: {}\n",
        words.headline(context.kind),
        words.project,
        context.project,
        words.visitor,
        context.visitor
    );
    if let Some(summary) = &context.summary {
        body.push_str(&format!("\n{}: {}\n", words.summary, shortened(summary)));
    }
    for (role, author, text) in &context.messages {
        body.push_str(&format!(
            "\n{}: {}\n",
            words.speaker(role, author.as_deref()),
            shortened(text)
        ));
    }
    body.push_str(&format!(
        "\n{}: {}\n\n-- \n{}\n",
        words.open, context.dashboard_url, words.email_footer
    ));
    (subject, body)
}

/// A short confirmation or refusal the bot sends (`key` names it).
#[must_use]
pub fn notice(locale: &str, key: Notice) -> String {
    let ru = locale == "ru";
    match key {
        Notice::Linked(name) if ru => format!(
            "Готово: этот чат связан с оператором {name}. Сюда будут приходить уведомления; ответьте на уведомление, чтобы написать посетителю."
        ),
        Notice::Linked(name) => format!(
            "Done: this chat is linked to {name}. Alerts will arrive here; reply to an alert to answer the visitor."
        ),
        Notice::LinkInvalid if ru => {
            "Ссылка недействительна или устарела. Создайте новую в панели: «Мои уведомления».".into()
        }
        Notice::LinkInvalid => {
            "This link is invalid or has expired. Make a new one in the dashboard: “My alerts”.".into()
        }
        Notice::NotLinked => {
            "This chat is not linked to an aiwidget operator. / Этот чат не связан с оператором aiwidget.".into()
        }
        Notice::Help if ru => {
            "Ответьте на уведомление, чтобы написать посетителю; кнопки под ним берут разговор, возвращают его ИИ или закрывают.".into()
        }
        Notice::Help => {
            "Reply to an alert to answer the visitor; its buttons take the conversation over, release it to the AI or close it.".into()
        }
        Notice::Sent if ru => "✓ Отправлено посетителю.".into(),
        Notice::Sent => "✓ Sent to the visitor.".into(),
        Notice::TakenOver if ru => "Разговор ваш: ИИ молчит.".into(),
        Notice::TakenOver => "The conversation is yours: the AI is silent.".into(),
        Notice::Released if ru => "Разговор возвращён ИИ.".into(),
        Notice::Released => "Released to the AI.".into(),
        Notice::Closed if ru => "Разговор закрыт.".into(),
        Notice::Closed => "The conversation is closed.".into(),
        Notice::HeldBy(name) if ru => format!("Разговор ведёт {name}."),
        Notice::HeldBy(name) => format!("{name} holds this conversation."),
        Notice::Refused(message) => message,
        Notice::Unknown if ru => "Этот разговор недоступен (удалён или нет доступа).".into(),
        Notice::Unknown => "This conversation is not available (deleted, or no access).".into(),
    }
}

/// The bot's short answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The chat was linked to this operator (their display name).
    Linked(String),
    /// A `/start` code that does not work.
    LinkInvalid,
    /// A message from a chat no operator linked.
    NotLinked,
    /// What the bot is for.
    Help,
    /// A reply reached the visitor.
    Sent,
    /// Take over worked.
    TakenOver,
    /// Release worked.
    Released,
    /// Close worked.
    Closed,
    /// Another operator holds it (their name).
    HeldBy(String),
    /// Another refusal, in words of the API.
    Refused(String),
    /// The conversation is gone or not visible to the operator.
    Unknown,
}

/// Telegram refuses buttons to `localhost` or a bare address: such a link
/// goes in the text instead.
fn accepted_in_button(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && matches!(url.host(), Some(url::Host::Domain(domain)) if domain.contains('.') && domain != "localhost")
    })
}

fn shortened(text: &str) -> String {
    let mut short: String = text.chars().take(QUOTE_CHARS).collect();
    if text.chars().count() > QUOTE_CHARS {
        short.push('…');
    }
    short
}

struct Words {
    project: &'static str,
    visitor: &'static str,
    summary: &'static str,
    reply_hint: &'static str,
    take_over: &'static str,
    release: &'static str,
    close: &'static str,
    open: &'static str,
    email_footer: &'static str,
    ru: bool,
}

impl Words {
    fn of(locale: &str) -> Self {
        if locale == "ru" {
            Self {
                project: "Проект",
                visitor: "Посетитель",
                summary: "Сводка",
                reply_hint: "Ответьте на это сообщение, чтобы написать посетителю.",
                take_over: "Взять разговор",
                release: "Вернуть ИИ",
                close: "Закрыть",
                open: "Открыть в панели",
                email_footer: "Уведомления aiwidget. Что и куда приходит, меняется в панели: «Мои уведомления».",
                ru: true,
            }
        } else {
            Self {
                project: "Project",
                visitor: "Visitor",
                summary: "Summary",
                reply_hint: "Reply to this message to answer the visitor.",
                take_over: "Take over",
                release: "Release to AI",
                close: "Close",
                open: "Open in dashboard",
                email_footer: "aiwidget alerts. Choose which alerts you get in the dashboard: “My alerts”.",
                ru: false,
            }
        }
    }

    fn headline(&self, kind: AlertKind) -> &'static str {
        match (kind, self.ru) {
            (AlertKind::WaitingHuman, true) => "🙋 Посетитель ждёт оператора",
            (AlertKind::WaitingHuman, false) => "🙋 A visitor is waiting for a human",
            (AlertKind::Contact, true) => "📇 Посетитель оставил контакт",
            (AlertKind::Contact, false) => "📇 A visitor left a contact",
            (AlertKind::Message, true) => "💬 Новое сообщение в вашем разговоре",
            (AlertKind::Message, false) => "💬 New message in your conversation",
            (AlertKind::NewConversation, true) => "🆕 Новый разговор",
            (AlertKind::NewConversation, false) => "🆕 New conversation",
        }
    }

    fn speaker(&self, role: &str, author: Option<&str>) -> String {
        match (role, self.ru) {
            ("visitor", true) => "Посетитель".into(),
            ("visitor", false) => "Visitor".into(),
            ("ai", true) => "ИИ".into(),
            ("ai", false) => "AI".into(),
            ("operator", true) => author.unwrap_or("Оператор").into(),
            ("operator", false) => author.unwrap_or("Operator").into(),
            (_, true) => "Система".into(),
            (_, false) => "System".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(dashboard_url: &str) -> Context {
        Context {
            kind: AlertKind::WaitingHuman,
            conversation_id: Uuid::nil(),
            project: "Shop <b>&".into(),
            visitor: "Анна".into(),
            summary: Some("Wants <b>delivery</b> & a refund".into()),
            messages: vec![(
                "visitor".into(),
                None,
                "<script>alert(1)</script> & co".into(),
            )],
            dashboard_url: dashboard_url.into(),
        }
    }

    #[test]
    fn everything_from_outside_is_escaped() {
        let (text, _) = telegram(&context("https://chat.example.com/admin/inbox"), "en");
        assert!(text.contains("Shop &lt;b&gt;&amp;"), "{text}");
        assert!(
            text.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"),
            "{text}"
        );
        assert!(!text.contains("<script>"));
        assert!(
            text.contains("<b>Summary:</b> Wants &lt;b&gt;delivery&lt;/b&gt; &amp; a refund"),
            "{text}"
        );
        let (_, mail) = email(&context("https://chat.example.com/admin/inbox"), "ru");
        assert!(
            mail.contains("Сводка: Wants <b>delivery</b> & a refund"),
            "{mail}"
        );
    }

    #[test]
    fn a_local_dashboard_goes_in_the_text_not_a_button() {
        let (text, keyboard) = telegram(&context("http://127.0.0.1:3000/admin/inbox"), "ru");
        assert!(text.contains("http://127.0.0.1:3000/admin/inbox"));
        assert!(
            keyboard
                .inline_keyboard
                .iter()
                .flatten()
                .all(|b| b.url.is_none())
        );
        let (_, keyboard) = telegram(&context("https://chat.example.com/admin/inbox"), "ru");
        assert_eq!(
            keyboard.inline_keyboard[1][1].url.as_deref(),
            Some("https://chat.example.com/admin/inbox")
        );
        assert_eq!(keyboard.inline_keyboard[0][0].text, "Взять разговор");
    }

    #[test]
    fn button_data_fits_telegrams_limit() {
        let id = Uuid::new_v4();
        for verb in ["take", "release", "close"] {
            assert!(action(verb, id).len() <= 64);
        }
    }
}
