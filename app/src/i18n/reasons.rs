//! The server's field reasons (written in English) in Russian.

/// The server's field reasons in Russian.
pub(super) const REASONS_RU: &[(&str, &str)] = &[
    (
        "choose an embedding model on the project page: a chat_completions provider has no file_search, so aiwidget searches the knowledge base itself",
        "выберите модель эмбеддингов на странице проекта: у провайдера chat_completions нет file_search, поэтому aiwidget ищет по базе знаний сам",
    ),
    (
        "today's AI token budget is spent: the embedding goes on tomorrow, or when the project's daily token limit is raised",
        "дневной бюджет токенов ИИ исчерпан: пересчёт продолжится завтра или после увеличения дневного лимита токенов проекта",
    ),
    (
        "the provider has no embeddings endpoint (POST /embeddings): a knowledge base on chat_completions needs one; choose a provider that has it, or use the responses style",
        "у провайдера нет эндпоинта эмбеддингов (POST /embeddings): базе знаний на chat_completions он нужен; выберите провайдера, у которого он есть, или стиль responses",
    ),
    (
        "an embedding model name of 1 to 200 characters without spaces, or null",
        "название модели эмбеддингов от 1 до 200 символов без пробелов или пусто",
    ),
    (
        "a title of 1 to 100 characters is required",
        "нужно название от 1 до 100 символов",
    ),
    (
        "a shortcut of 1 to 32 letters, digits, `-` or `_` is required",
        "нужна команда из 1–32 букв, цифр, `-` или `_`",
    ),
    (
        "a text of 1 to 4000 characters is required",
        "нужен текст от 1 до 4000 символов",
    ),
    (
        "another canned reply of this project has this shortcut",
        "у другого шаблона этого проекта уже есть такая команда",
    ),
    (
        "the suggestion was cut off before it was complete",
        "черновик оборвался, не дописавшись",
    ),
    (
        "the model answered nothing: try again, or raise the project's answer limit if the model thinks before it writes",
        "модель ничего не ответила: попробуйте ещё раз или увеличьте предел длины ответа проекта, если модель сначала рассуждает",
    ),
    (
        "nothing has been said in this conversation yet",
        "в этом разговоре ещё ничего не сказано",
    ),
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
    (
        "the visitor asked for a human",
        "посетитель попросил человека",
    ),
    (
        "the operator who held it was removed",
        "оператор, который вёл разговор, удалён",
    ),
    // The knowledge base (`docs/knowledge.md`).
    (
        "only an admin can do this",
        "это может только администратор",
    ),
    ("no such project", "такого проекта нет"),
    ("no such file", "такого файла нет"),
    ("no such website", "такого сайта нет"),
    ("no such question", "такого вопроса нет"),
    (
        "this project has no API key: enter one on the project page first",
        "у проекта нет ключа API: сначала введите его на странице проекта",
    ),
    (
        "the stored key does not decrypt with this ENCRYPTION_KEY: re-enter the key",
        "сохранённый ключ не расшифровывается этим ENCRYPTION_KEY: введите ключ заново",
    ),
    (
        "files of this type are not supported (PDF, DOCX, TXT, Markdown, HTML and CSV are)",
        "файлы этого типа не поддерживаются (поддерживаются PDF, DOCX, TXT, Markdown, HTML и CSV)",
    ),
    (
        "the file is too large (the limit is 20 MB)",
        "файл слишком большой (предел 20 МБ)",
    ),
    (
        "the file contains no text (a scanned document has to be recognised first)",
        "в файле нет текста (отсканированный документ сначала нужно распознать)",
    ),
    (
        "reading the file took too long",
        "чтение файла заняло слишком много времени",
    ),
    (
        "the file needs a name with an extension (PDF, DOCX, TXT, Markdown, HTML or CSV)",
        "нужно имя файла с расширением (PDF, DOCX, TXT, Markdown, HTML или CSV)",
    ),
    ("the request body is too large", "запрос слишком большой"),
    (
        "a multipart form with the file in a field named `file` is required",
        "нужна multipart-форма с файлом в поле `file`",
    ),
    (
        "a question of 1 to 1000 characters is required",
        "нужен вопрос от 1 до 1000 символов",
    ),
    (
        "an answer of 1 to 10000 characters is required",
        "нужен ответ от 1 до 10000 символов",
    ),
    ("from 1 to 500 pages", "от 1 до 500 страниц"),
    (
        "a web address such as https://example.com/sitemap.xml is required",
        "нужен адрес вида https://example.ru/sitemap.xml",
    ),
    (
        "the address must start with http:// or https://",
        "адрес должен начинаться с http:// или https://",
    ),
    (
        "the address must not contain a user name or password",
        "в адресе не должно быть логина и пароля",
    ),
    (
        "the address is on a private network (allowed only with ALLOW_PRIVATE_UPSTREAMS=true)",
        "адрес в частной сети (разрешено только с ALLOW_PRIVATE_UPSTREAMS=true)",
    ),
    ("not a web address", "это не веб-адрес"),
    (
        "the address is on a private network",
        "адрес в частной сети",
    ),
    ("disallowed by robots.txt", "запрещено в robots.txt"),
    ("too many redirects", "слишком много перенаправлений"),
    ("not a sitemap", "это не карта сайта"),
    ("too large", "слишком большая"),
    ("timed out", "нет ответа вовремя"),
    ("cannot connect", "не удаётся подключиться"),
    ("network error", "ошибка сети"),
    ("no text on the page", "на странице нет текста"),
    ("the page cannot be read", "страницу не удаётся прочитать"),
    (
        "the server cannot make web requests",
        "сервер не может делать веб-запросы",
    ),
    (
        "the provider cancelled the processing of the file",
        "провайдер отменил обработку файла",
    ),
    ("the server could not be reached", "сервер недоступен"),
    (
        "an email address such as name@example.com",
        "адрес почты вида name@example.com",
    ),
    ("`en` or `ru`", "`en` или `ru`"),
    ("HH:MM, e.g. 22:00", "ЧЧ:ММ, например 22:00"),
    ("HH:MM, e.g. 08:00", "ЧЧ:ММ, например 08:00"),
    ("must differ from `from`", "должно отличаться от начала"),
    (
        "an IANA time zone such as Europe/Moscow",
        "часовой пояс IANA, например Europe/Moscow",
    ),
    (
        "this server has no Telegram bot: set TELEGRAM_BOT_TOKEN",
        "у сервера нет бота Telegram: задайте TELEGRAM_BOT_TOKEN",
    ),
    (
        "Telegram cannot be reached now; try again later",
        "Telegram сейчас недоступен; попробуйте позже",
    ),
];

/// Reasons that end in a detail (a name, an address, a status): the English
/// start in Russian, the detail kept.
pub(super) const PREFIXES_RU: &[(&str, &str)] = &[
    (
        "the provider does not know the embedding model ",
        "провайдер не знает модель эмбеддингов ",
    ),
    (
        "the file could not be read: ",
        "файл не удаётся прочитать: ",
    ),
    (
        "the file could not be processed: ",
        "файл не удаётся обработать: ",
    ),
    (
        "the provider could not process the file: ",
        "провайдер не смог обработать файл: ",
    ),
    ("not an HTML page ", "это не HTML-страница "),
    (
        "redirects off the site, to ",
        "перенаправляет на другой сайт: ",
    ),
    ("the same page as ", "та же страница, что и "),
];

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::REASONS_RU;

    /// The reasons the engine gives for a bad email address or alerts
    /// language, read in Russian next to the fields of "My alerts".
    #[test]
    fn alert_setting_reasons_of_the_engine_have_a_russian_text() {
        use engine::services::alerts::settings::{checked_email, checked_locale};
        let mut errors = std::collections::BTreeMap::new();
        checked_email(Some("not an email"), &mut errors);
        checked_locale("de", &mut errors);
        assert_eq!(errors.len(), 2);
        for english in errors.values() {
            assert!(
                REASONS_RU.iter().any(|(en, _)| en == english),
                "untranslated: {english}"
            );
        }
    }

    /// The reasons a conversation waits for a human, as the engine stores
    /// them, read in Russian in the inbox.
    #[test]
    fn handoff_reasons_of_the_engine_have_a_russian_text() {
        for english in [
            engine::services::takeover::OPERATOR_REMOVED,
            "the visitor asked for a human",
        ] {
            assert!(
                REASONS_RU.iter().any(|(en, _)| *en == english),
                "untranslated: {english}"
            );
        }
    }

    /// The reasons of the knowledge base, as the engine words them, read in
    /// Russian on the knowledge page (a changed English text shows here).
    #[test]
    fn knowledge_reasons_of_the_engine_have_a_russian_text() {
        use engine::knowledge::crawl::Failure;
        use engine::knowledge::extract::ExtractError;
        let limit_mb = (engine::knowledge::extract::MAX_FILE_BYTES / (1024 * 1024)) as u64;
        let english = [
            ExtractError::Unsupported.to_string(),
            ExtractError::TooLarge { limit_mb }.to_string(),
            ExtractError::NoText.to_string(),
            ExtractError::TimedOut.to_string(),
            ExtractError::Unreadable("encrypted".into()).to_string(),
            Failure::NotWeb.to_string(),
            Failure::RobotsDisallowed.to_string(),
            Failure::TooManyRedirects.to_string(),
            Failure::NotSitemap.to_string(),
            Failure::Timeout.to_string(),
            Failure::Unreachable.to_string(),
            Failure::Empty.to_string(),
            Failure::Unreadable.to_string(),
        ];
        for text in english {
            assert_ne!(
                crate::i18n::reason(crate::i18n::Lang::Ru, &text),
                text,
                "untranslated: {text}"
            );
        }
    }
}
