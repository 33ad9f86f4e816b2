//! The widget's words, in Russian and English.

/// The widget's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
}

impl Lang {
    /// `ru`, `ru-RU` → Russian; anything else English.
    pub fn parse(tag: &str) -> Self {
        if tag.to_ascii_lowercase().starts_with("ru") {
            Self::Ru
        } else {
            Self::En
        }
    }
}

/// One text of the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Text {
    Placeholder,
    Send,
    MessageLabel,
    Typing,
    AskHuman,
    HumanAsked,
    OperatorJoined,
    Closed,
    Agree,
    Close,
    RateLimited,
    TooLong,
    Failed,
    Sources,
    Offline,
    YourName,
    EmailOrPhone,
    LeaveContact,
    EndChat,
    HowDidWeDo,
    Comment,
    Thanks,
}

/// The text in `lang`.
pub(crate) fn t(lang: Lang, text: Text) -> &'static str {
    use Text::{
        Agree, AskHuman, Close, Closed, Comment, EmailOrPhone, EndChat, Failed, HowDidWeDo,
        HumanAsked, LeaveContact, MessageLabel, Offline, OperatorJoined, Placeholder, RateLimited,
        Send, Sources, Thanks, TooLong, Typing, YourName,
    };
    match (lang, text) {
        (Lang::Ru, Placeholder) => "Напишите сообщение…",
        (Lang::En, Placeholder) => "Write a message…",
        (Lang::Ru, Send) => "Отправить",
        (Lang::En, Send) => "Send",
        (Lang::Ru, MessageLabel) => "Сообщение",
        (Lang::En, MessageLabel) => "Message",
        (Lang::Ru, Typing) => "печатает…",
        (Lang::En, Typing) => "typing…",
        (Lang::Ru, AskHuman) => "Позвать оператора",
        (Lang::En, AskHuman) => "Talk to a human",
        (Lang::Ru, HumanAsked) => "Мы позвали оператора: он скоро подключится.",
        (Lang::En, HumanAsked) => "We asked for a human: someone will join soon.",
        (Lang::Ru, OperatorJoined) => "Оператор подключился к разговору.",
        (Lang::En, OperatorJoined) => "An operator joined the conversation.",
        (Lang::Ru, Closed) => "Разговор завершён. Напишите, чтобы начать новый.",
        (Lang::En, Closed) => "The conversation ended. Write to start a new one.",
        (Lang::Ru, Agree) => "Согласен",
        (Lang::En, Agree) => "I agree",
        (Lang::Ru, Close) => "Закрыть",
        (Lang::En, Close) => "Close",
        (Lang::Ru, RateLimited) => "Слишком много сообщений подряд: подождите немного.",
        (Lang::En, RateLimited) => "Too many messages in a row: please wait a little.",
        (Lang::Ru, TooLong) => "Сообщение слишком длинное.",
        (Lang::En, TooLong) => "The message is too long.",
        (Lang::Ru, Failed) => "Не удалось отправить. Попробуйте ещё раз.",
        (Lang::En, Failed) => "Could not send. Please try again.",
        (Lang::Ru, Sources) => "Источники",
        (Lang::En, Sources) => "Sources",
        (Lang::Ru, Offline) => "Нет связи с сервером чата.",
        (Lang::En, Offline) => "The chat server cannot be reached.",
        (Lang::Ru, YourName) => "Ваше имя",
        (Lang::En, YourName) => "Your name",
        (Lang::Ru, EmailOrPhone) => "Email или телефон",
        (Lang::En, EmailOrPhone) => "Email or phone",
        (Lang::Ru, LeaveContact) => "Оставить контакт",
        (Lang::En, LeaveContact) => "Leave my contact",
        (Lang::Ru, EndChat) => "Завершить чат",
        (Lang::En, EndChat) => "End chat",
        (Lang::Ru, HowDidWeDo) => "Как мы справились?",
        (Lang::En, HowDidWeDo) => "How did we do?",
        (Lang::Ru, Comment) => "Комментарий (необязательно)",
        (Lang::En, Comment) => "Comment (optional)",
        (Lang::Ru, Thanks) => "Спасибо за оценку!",
        (Lang::En, Thanks) => "Thank you for your rating!",
    }
}
