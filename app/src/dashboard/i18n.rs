//! Russian and English: the dashboard follows the browser's language
//! (`Accept-Language` on the server, `<html lang>` after hydration), and a
//! choice stored in the `aiw_lang` cookie wins over it.

use leptos::prelude::*;

/// The dashboard's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
}

impl Lang {
    /// The `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::En => "en",
        }
    }

    /// The language for a `Cookie` and an `Accept-Language` header.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Self {
        let chosen = cookie.and_then(|header| {
            header
                .split(';')
                .filter_map(|pair| pair.trim().strip_prefix("aiw_lang="))
                .next()
                .map(str::to_owned)
        });
        let first = accept_language.and_then(|header| {
            header
                .split(',')
                .map(|part| part.split(';').next().unwrap_or("").trim().to_lowercase())
                .find(|tag| tag.starts_with("ru") || tag.starts_with("en"))
        });
        match chosen.or(first).as_deref() {
            Some(tag) if tag.starts_with("ru") => Self::Ru,
            _ => Self::En,
        }
    }

    /// The texts of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Ru => &RU,
            Self::En => &EN,
        }
    }
}

/// The language of the current render: from context on the server, from the
/// page's `<html lang>` in the browser.
pub fn use_lang() -> Lang {
    if let Some(lang) = use_context::<Lang>() {
        return lang;
    }
    #[cfg(feature = "hydrate")]
    {
        let lang = document()
            .document_element()
            .and_then(|root| root.get_attribute("lang"));
        if lang.as_deref() == Some("ru") {
            return Lang::Ru;
        }
    }
    Lang::En
}

/// The texts of the current language.
pub fn use_texts() -> &'static Texts {
    use_lang().texts()
}

/// A field's reason from the server (written in English) in `lang`.
pub fn reason(lang: Lang, english: &str) -> String {
    if lang == Lang::En {
        return english.to_owned();
    }
    if let Some((_, russian)) = REASONS_RU.iter().find(|(en, _)| *en == english) {
        return (*russian).to_owned();
    }
    // `between 1 and 600` (limits).
    if let Some((low, high)) = english
        .strip_prefix("between ")
        .and_then(|rest| rest.split_once(" and "))
        && low.parse::<i64>().is_ok()
        && high.parse::<i64>().is_ok()
    {
        return format!("от {low} до {high}");
    }
    english.to_owned()
}

/// The server's field reasons in Russian.
const REASONS_RU: &[(&str, &str)] = &[
    (
        "a name of 1 to 200 characters is required",
        "нужно название от 1 до 200 символов",
    ),
    (
        "a model name of 1 to 200 characters is required",
        "нужно название модели от 1 до 200 символов",
    ),
    ("at most 32000 characters", "не больше 32000 символов"),
    ("at most 2000 characters", "не больше 2000 символов"),
    ("at most 500 characters", "не больше 500 символов"),
    (
        "between 1 and 3650 days, or null to keep forever",
        "от 1 до 3650 дней, или пусто: хранить всегда",
    ),
    (
        "an API key is 8 to 500 characters without spaces",
        "ключ API: от 8 до 500 символов без пробелов",
    ),
    (
        "enter the API key again when you change the base URL",
        "при смене базового URL введите ключ API заново",
    ),
    (
        "not a URL: write it like https://api.openai.com/v1",
        "это не URL: пишите как https://api.openai.com/v1",
    ),
    (
        "the base URL must start with https:// (or http://)",
        "базовый URL начинается с https:// (или http://)",
    ),
    (
        "the base URL has no query, fragment or credentials",
        "в базовом URL не бывает параметров, фрагмента и логина",
    ),
    (
        "loopback, private and link-local addresses are refused (set ALLOW_PRIVATE_UPSTREAMS=true for local models)",
        "локальные и частные адреса запрещены (для локальных моделей задайте ALLOW_PRIVATE_UPSTREAMS=true)",
    ),
    ("at most 10 vector stores", "не больше 10 хранилищ"),
    (
        "a vector store id looks like vs_abc123",
        "идентификатор хранилища выглядит так: vs_abc123",
    ),
    ("at most 50 origins", "не больше 50 источников"),
    (
        "a title of 1 to 60 characters",
        "заголовок от 1 до 60 символов",
    ),
    ("a colour like #2563eb", "цвет вида #2563eb"),
    (
        "ru, en, or null for the visitor's browser language",
        "ru, en или пусто: язык браузера посетителя",
    ),
    (
        "between 1 and 1440 minutes, or null to wait as long as it takes",
        "от 1 до 1440 минут, или пусто: ждать сколько угодно",
    ),
    (
        "the id of a project cannot change",
        "идентификатор проекта нельзя изменить",
    ),
    ("a whole number", "целое число"),
    (
        "not a URL: write it like https://example.com",
        "это не URL: пишите как https://example.ru",
    ),
    (
        "only http:// and https:// origins can embed the widget",
        "виджет встраивается только на сайты http:// и https://",
    ),
    (
        "an origin has no path, query or fragment: remove everything after the host",
        "у источника нет пути, параметров и фрагмента: уберите всё после домена",
    ),
    (
        "an origin has no user name or password",
        "в источнике не бывает логина и пароля",
    ),
    (
        "a wildcard must be the whole first label, like https://*.example.com",
        "звёздочка ставится только первой частью домена: https://*.example.ru",
    ),
    ("a username is required", "нужно имя пользователя"),
    (
        "the provider refused the API key",
        "провайдер не принял ключ API",
    ),
    (
        "the provider refuses requests from this server's region: set a proxy as the base URL",
        "провайдер не принимает запросы из региона этого сервера: укажите прокси как базовый URL",
    ),
    (
        "the provider refused access with this key",
        "провайдер отказал в доступе с этим ключом",
    ),
    (
        "the base URL does not look like an OpenAI-compatible API",
        "по базовому URL нет OpenAI-совместимого API",
    ),
    (
        "the provider's rate limit or quota is reached: try again later or check billing",
        "у провайдера исчерпан лимит или квота: повторите позже или проверьте оплату",
    ),
    (
        "the provider failed: try again later",
        "ошибка у провайдера: повторите позже",
    ),
    (
        "the provider did not answer: check the base URL, or try again",
        "провайдер не ответил: проверьте базовый URL или повторите",
    ),
    (
        "the provider's answer is not what an OpenAI-compatible API sends",
        "ответ провайдера не похож на OpenAI-совместимый API",
    ),
    (
        "a password of at least 10 characters is required",
        "нужен пароль не короче 10 символов",
    ),
    (
        "3 to 64 of a-z, 0-9, dot, underscore, hyphen",
        "от 3 до 64 символов: a-z, 0-9, точка, подчёркивание, дефис",
    ),
    ("1 to 128 characters", "от 1 до 128 символов"),
    ("at least 10 characters", "не короче 10 символов"),
    (
        "one of these projects does not exist",
        "одного из этих проектов нет",
    ),
    (
        "OpenAI shut the Assistants API down on 2026-08-26 and prompt objects (pmpt_…) on 2026-11-30: fill in the model, the instructions and the vector stores instead",
        "OpenAI отключила Assistants API 26.08.2026, а объекты промптов (pmpt_…) 30.11.2026: заполните модель, инструкции и векторные хранилища",
    ),
];

/// Every text of the dashboard.
pub struct Texts {
    pub tagline: &'static str,
    pub login_title: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub log_in: &'static str,
    pub log_out: &'static str,
    pub wrong_credentials: &'static str,
    pub too_many_attempts: &'static str,
    pub projects: &'static str,
    pub users: &'static str,
    pub new_project: &'static str,
    pub no_projects: &'static str,
    pub key_set: &'static str,
    pub key_missing: &'static str,
    pub key_unreadable: &'static str,
    pub origins_count: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub delete: &'static str,
    pub confirm_delete: &'static str,
    pub loading: &'static str,
    pub back: &'static str,
    pub not_found: &'static str,
    pub section_basics: &'static str,
    pub section_ai: &'static str,
    pub section_widget: &'static str,
    pub section_origins: &'static str,
    pub section_limits: &'static str,
    pub section_handoff: &'static str,
    pub name: &'static str,
    pub api_key: &'static str,
    pub api_key_placeholder_set: &'static str,
    pub remove_key: &'static str,
    pub base_url: &'static str,
    pub base_url_hint: &'static str,
    pub api_style: &'static str,
    pub model: &'static str,
    pub model_unknown: &'static str,
    pub vector_stores: &'static str,
    pub vector_stores_chat_warning: &'static str,
    pub instructions: &'static str,
    pub title: &'static str,
    pub greeting: &'static str,
    pub color: &'static str,
    pub position: &'static str,
    pub right: &'static str,
    pub left: &'static str,
    pub language: &'static str,
    pub browser_language: &'static str,
    pub privacy_notice: &'static str,
    pub origins_hint: &'static str,
    pub line: &'static str,
    pub message_chars: &'static str,
    pub messages_per_minute: &'static str,
    pub conversations_per_hour: &'static str,
    pub daily_ai_messages: &'static str,
    pub daily_ai_tokens: &'static str,
    pub ai_may_hand_off: &'static str,
    pub timeout_minutes: &'static str,
    pub timeout_action: &'static str,
    pub action_ai: &'static str,
    pub action_contact: &'static str,
    pub retention_days: &'static str,
    pub embed_title: &'static str,
    pub embed_hint: &'static str,
    pub copy: &'static str,
    pub check_key: &'static str,
    pub models_found: &'static str,
    pub copied: &'static str,
    pub fix_errors: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    pub admin: &'static str,
    pub operator: &'static str,
    pub add_user: &'static str,
    pub change_user: &'static str,
    pub password_keep: &'static str,
    pub edit: &'static str,
    pub cancel: &'static str,
    pub user_projects: &'static str,
    pub status: &'static str,
    pub inbox: InboxTexts,
}

/// The texts of the inbox.
pub struct InboxTexts {
    pub title: &'static str,
    pub all_projects: &'static str,
    pub all_statuses: &'static str,
    pub status_ai: &'static str,
    pub status_waiting: &'static str,
    pub status_human: &'static str,
    pub status_closed: &'static str,
    pub search: &'static str,
    pub empty: &'static str,
    pub load_more: &'static str,
    pub pick: &'static str,
    pub take_over: &'static str,
    pub release: &'static str,
    pub close: &'static str,
    pub held_by: &'static str,
    pub reply_placeholder: &'static str,
    pub send: &'static str,
    pub visitor: &'static str,
    pub ai: &'static str,
    pub visitor_typing: &'static str,
    pub page: &'static str,
    pub referrer: &'static str,
    pub browser: &'static str,
    pub language: &'static str,
    pub first_seen: &'static str,
    pub contact: &'static str,
    pub reason: &'static str,
    pub interrupted: &'static str,
    pub failed: &'static str,
    pub notifications: &'static str,
    pub alert_waiting: &'static str,
    pub alert_message: &'static str,
    pub held_elsewhere: &'static str,
    pub taken_by: &'static str,
}

const EN: Texts = Texts {
    tagline: "AI chat widget with live human takeover",
    login_title: "Log in to aiwidget",
    username: "Username",
    password: "Password",
    log_in: "Log in",
    log_out: "Log out",
    wrong_credentials: "Wrong username or password.",
    too_many_attempts: "Too many attempts. Wait a little and try again.",
    projects: "Projects",
    users: "Operators",
    new_project: "New project",
    no_projects: "No projects yet. Create one for each site.",
    key_set: "API key set",
    key_missing: "No API key: only humans answer",
    key_unreadable: "The stored key does not decrypt: re-enter the key",
    origins_count: "allowed origins",
    save: "Save",
    saved: "Saved.",
    delete: "Delete",
    confirm_delete: "Delete this project with all its conversations?",
    loading: "Loading…",
    back: "Back",
    not_found: "Not found",
    section_basics: "Project",
    section_ai: "AI",
    section_widget: "Widget",
    section_origins: "Allowed origins",
    section_limits: "Limits",
    section_handoff: "Handoff to a human",
    name: "Name",
    api_key: "OpenAI API key",
    api_key_placeholder_set: "Saved: type a new key to replace it",
    remove_key: "Remove the key",
    base_url: "Base URL",
    base_url_hint: "A proxy or a compatible provider. Changing it asks for the key again.",
    api_style: "API style",
    model: "Model",
    model_unknown: "This key does not list this model. Check the name (it is saved anyway).",
    vector_stores: "Knowledge base (vector stores)",
    vector_stores_chat_warning: "File search exists only in the Responses style: with Chat Completions the vector stores are not used.",
    instructions: "Instructions",
    title: "Title",
    greeting: "Greeting",
    color: "Accent colour",
    position: "Position",
    right: "Right",
    left: "Left",
    language: "Language",
    browser_language: "The visitor's browser language",
    privacy_notice: "Privacy notice (shown before the first message)",
    origins_hint: "One per line, e.g. https://example.com or https://*.example.com",
    line: "Line",
    message_chars: "Message length (characters)",
    messages_per_minute: "Messages per visitor per minute",
    conversations_per_hour: "Conversations per IP per hour",
    daily_ai_messages: "AI messages per day",
    daily_ai_tokens: "AI tokens per day",
    ai_may_hand_off: "The AI may hand off to a human by itself",
    timeout_minutes: "Minutes a visitor waits for a human (empty: no limit)",
    timeout_action: "Then",
    action_ai: "the AI answers again",
    action_contact: "ask the visitor for a contact",
    retention_days: "Keep conversations for days (empty: until deleted)",
    embed_title: "Embed code",
    embed_hint: "Paste before </body> on every page of the site.",
    copy: "Copy",
    check_key: "Check the key",
    models_found: "chat models available with this key",
    copied: "Copied",
    fix_errors: "Some fields need attention.",
    display_name: "Display name",
    role: "Role",
    admin: "Admin",
    operator: "Operator",
    add_user: "Add an operator",
    change_user: "Change the user",
    password_keep: "Leave empty to keep the password; a new one signs the user out everywhere.",
    edit: "Change",
    cancel: "Cancel",
    user_projects: "Projects",
    status: "Status",
    inbox: InboxTexts {
        title: "Inbox",
        all_projects: "All projects",
        all_statuses: "All states",
        status_ai: "AI",
        status_waiting: "Waiting for a human",
        status_human: "Operator",
        status_closed: "Closed",
        search: "Search messages and contacts",
        empty: "No conversations here yet.",
        load_more: "Show more",
        pick: "Choose a conversation.",
        take_over: "Take over",
        release: "Release to AI",
        close: "Close",
        held_by: "Answered by",
        reply_placeholder: "Reply to the visitor…",
        send: "Send",
        visitor: "Visitor",
        ai: "AI",
        visitor_typing: "The visitor is typing…",
        page: "Page",
        referrer: "Came from",
        browser: "Browser",
        language: "Language",
        first_seen: "First seen",
        contact: "Contact",
        reason: "Why a human",
        interrupted: "interrupted",
        failed: "not answered",
        notifications: "Turn on notifications",
        alert_waiting: "A visitor is waiting for a human",
        alert_message: "New message from a visitor",
        held_elsewhere: "Another operator is answering.",
        taken_by: "Already answered by",
    },
};

const RU: Texts = Texts {
    tagline: "ИИ-чат для сайта с подключением оператора",
    login_title: "Вход в aiwidget",
    username: "Имя пользователя",
    password: "Пароль",
    log_in: "Войти",
    log_out: "Выйти",
    wrong_credentials: "Неверное имя пользователя или пароль.",
    too_many_attempts: "Слишком много попыток. Подождите немного.",
    projects: "Проекты",
    users: "Операторы",
    new_project: "Новый проект",
    no_projects: "Проектов пока нет. Создайте по одному на каждый сайт.",
    key_set: "Ключ API задан",
    key_missing: "Нет ключа API: отвечают только операторы",
    key_unreadable: "Сохранённый ключ не расшифровывается: введите ключ заново",
    origins_count: "разрешённых источников",
    save: "Сохранить",
    saved: "Сохранено.",
    delete: "Удалить",
    confirm_delete: "Удалить проект вместе со всеми диалогами?",
    loading: "Загрузка…",
    back: "Назад",
    not_found: "Не найдено",
    section_basics: "Проект",
    section_ai: "ИИ",
    section_widget: "Виджет",
    section_origins: "Разрешённые источники",
    section_limits: "Лимиты",
    section_handoff: "Передача оператору",
    name: "Название",
    api_key: "Ключ OpenAI API",
    api_key_placeholder_set: "Сохранён: введите новый, чтобы заменить",
    remove_key: "Удалить ключ",
    base_url: "Базовый URL",
    base_url_hint: "Прокси или совместимый провайдер. При смене нужно ввести ключ заново.",
    api_style: "Тип API",
    model: "Модель",
    model_unknown: "Этой модели нет в списке ключа. Проверьте название (сохранится в любом случае).",
    vector_stores: "База знаний (векторные хранилища)",
    vector_stores_chat_warning: "Поиск по файлам есть только в Responses: с Chat Completions хранилища не используются.",
    instructions: "Инструкции",
    title: "Заголовок",
    greeting: "Приветствие",
    color: "Цвет",
    position: "Положение",
    right: "Справа",
    left: "Слева",
    language: "Язык",
    browser_language: "Язык браузера посетителя",
    privacy_notice: "Уведомление о персональных данных (до первого сообщения)",
    origins_hint: "По одному в строке, например https://example.ru или https://*.example.ru",
    line: "Строка",
    message_chars: "Длина сообщения (символов)",
    messages_per_minute: "Сообщений от посетителя в минуту",
    conversations_per_hour: "Диалогов с одного IP в час",
    daily_ai_messages: "Ответов ИИ в сутки",
    daily_ai_tokens: "Токенов ИИ в сутки",
    ai_may_hand_off: "ИИ может сам позвать оператора",
    timeout_minutes: "Сколько минут ждать оператора (пусто: без ограничения)",
    timeout_action: "Затем",
    action_ai: "снова отвечает ИИ",
    action_contact: "попросить контакт посетителя",
    retention_days: "Хранить диалоги, дней (пусто: пока не удалят)",
    embed_title: "Код для вставки",
    embed_hint: "Вставьте перед </body> на каждой странице сайта.",
    copy: "Копировать",
    check_key: "Проверить ключ",
    models_found: "моделей для чата доступно с этим ключом",
    copied: "Скопировано",
    fix_errors: "Исправьте отмеченные поля.",
    display_name: "Отображаемое имя",
    role: "Роль",
    admin: "Администратор",
    operator: "Оператор",
    add_user: "Добавить оператора",
    change_user: "Изменить пользователя",
    password_keep: "Оставьте пустым, чтобы не менять; новый пароль завершит все сеансы.",
    edit: "Изменить",
    cancel: "Отмена",
    user_projects: "Проекты",
    status: "Состояние",
    inbox: InboxTexts {
        title: "Диалоги",
        all_projects: "Все проекты",
        all_statuses: "Все состояния",
        status_ai: "ИИ",
        status_waiting: "Ждёт оператора",
        status_human: "Оператор",
        status_closed: "Закрыт",
        search: "Поиск по сообщениям и контактам",
        empty: "Диалогов пока нет.",
        load_more: "Показать ещё",
        pick: "Выберите диалог.",
        take_over: "Перехватить",
        release: "Вернуть ИИ",
        close: "Закрыть",
        held_by: "Отвечает",
        reply_placeholder: "Ответ посетителю…",
        send: "Отправить",
        visitor: "Посетитель",
        ai: "ИИ",
        visitor_typing: "Посетитель печатает…",
        page: "Страница",
        referrer: "Откуда пришёл",
        browser: "Браузер",
        language: "Язык",
        first_seen: "Впервые",
        contact: "Контакт",
        reason: "Причина",
        interrupted: "прервано",
        failed: "без ответа",
        notifications: "Включить уведомления",
        alert_waiting: "Посетитель ждёт оператора",
        alert_message: "Новое сообщение посетителя",
        held_elsewhere: "Диалог ведёт другой оператор.",
        taken_by: "Диалог уже ведёт",
    },
};

#[cfg(test)]
mod tests {
    use super::{Lang, reason};

    #[cfg(feature = "ssr")]
    #[test]
    fn server_reasons_read_in_russian() {
        assert_eq!(
            reason(Lang::Ru, "a colour like #2563eb"),
            "цвет вида #2563eb"
        );
        assert_eq!(reason(Lang::Ru, "between 1 and 600"), "от 1 до 600");
        assert_eq!(
            reason(Lang::En, "a colour like #2563eb"),
            "a colour like #2563eb"
        );
        for error in [
            crate::origins::normalize("example.com"),
            crate::origins::normalize("ftp://x.com"),
            crate::origins::normalize("https://x.com/a"),
            crate::origins::normalize("https://u:p@x.com"),
            crate::origins::normalize("https://a.*.x.com"),
        ] {
            let english = error.expect_err("refused").to_string();
            assert_ne!(
                reason(Lang::Ru, &english),
                english,
                "untranslated: {english}"
            );
        }
    }

    #[test]
    fn the_browser_language_decides_unless_a_choice_was_stored() {
        let cases = [
            (None, Some("ru-RU,ru;q=0.9,en;q=0.8"), Lang::Ru),
            (None, Some("en-US,en;q=0.9"), Lang::En),
            (None, Some("de-DE,ru;q=0.5"), Lang::Ru),
            (None, Some("de-DE"), Lang::En),
            (None, None, Lang::En),
            (Some("aiw_lang=en; other=1"), Some("ru"), Lang::En),
            (Some("x=1; aiw_lang=ru"), Some("en"), Lang::Ru),
        ];
        for (cookie, accept, expected) in cases {
            assert_eq!(
                Lang::negotiate(cookie, accept),
                expected,
                "{cookie:?} {accept:?}"
            );
        }
    }
}
