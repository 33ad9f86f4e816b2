//! The mail module's tests: parsing `SMTP_URL`/`SMTP_FROM`, and sending
//! through the local sink (`fake-smtp`).

use super::{Email, MailError, MailSettings, Mailer, Security};
use fake_smtp::{FakeSmtp, Stage};
use secrecy::ExposeSecret;
use std::time::Duration;

const FROM: &str = "aiwidget <alerts@example.com>";

fn parse_err(url: &str, from: &str) -> String {
    MailSettings::parse(url, from).expect_err("refused")
}

/// A mailer for `url` from [`FROM`].
fn mailer(url: &str) -> Mailer {
    Mailer::new(&MailSettings::parse(url, FROM).expect("valid settings")).expect("mailer")
}

fn email(html: Option<&str>) -> Email {
    Email {
        to: "Оператор <operator@example.com>".to_owned(),
        subject: "Новое обращение: посетитель ждёт ответа".to_owned(),
        text: "Здравствуйте!\nПосетитель ждёт ответа уже 5 минут.".to_owned(),
        html: html.map(str::to_owned),
    }
}

/// `smtp://` is STARTTLS on 587 with percent-decoded credentials; `smtps://`
/// is TLS on 465; `tls=none` is plain on 25.
#[test]
fn urls_parse_into_security_port_and_decoded_credentials() {
    let starttls = MailSettings::parse(
        "smtp://user%40example.com:p%40ss%3Aw%C3%B6rd@smtp.example.com",
        FROM,
    )
    .expect("valid");
    assert_eq!(starttls.host(), "smtp.example.com");
    assert_eq!(
        (starttls.port(), starttls.security()),
        (587, Security::StartTls)
    );
    assert_eq!(starttls.user.as_deref(), Some("user@example.com"));
    let password = starttls.password.as_ref().expect("password");
    assert_eq!(password.expose_secret(), "p@ss:wörd");
    assert_eq!(starttls.from().to_string(), FROM);

    let tls = MailSettings::parse("smtps://u:p@mail.example.com:2465", FROM).expect("valid");
    assert_eq!((tls.port(), tls.security()), (2465, Security::Tls));
    let default_tls = MailSettings::parse("smtps://u:p@mail.example.com", FROM).expect("valid");
    assert_eq!(default_tls.port(), 465);

    let plain = MailSettings::parse("smtp://relay.internal?tls=none", "alerts@example.com")
        .expect("valid without credentials");
    assert_eq!((plain.port(), plain.security()), (25, Security::None));
    assert_eq!(plain.user, None);
}

/// `tls=none` with credentials is allowed only to this machine.
#[test]
fn tls_none_with_credentials_is_loopback_only() {
    for url in [
        "smtp://u:secret@127.0.0.1:2525?tls=none",
        "smtp://u:secret@localhost:2525?tls=none",
        "smtp://u:secret@[::1]:2525?tls=none",
    ] {
        let settings = MailSettings::parse(url, FROM).expect(url);
        assert_eq!(settings.security(), Security::None);
    }
    let ipv6 = MailSettings::parse("smtp://u:secret@[::1]:2525?tls=none", FROM).expect("valid");
    assert_eq!(ipv6.host(), "::1");

    let err = parse_err("smtp://u:secret@smtp.example.com:25?tls=none", FROM);
    assert!(
        err.contains("SMTP_URL") && err.contains("tls=none"),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
}

/// Each mistake gets a sentence naming its variable, never the password.
#[test]
fn mistakes_are_named_without_the_password() {
    let cases = [
        ("smtp://", "no host"),
        ("smtp:///", "no host"),
        ("smtp://u:secret@", "no host"),
        ("http://u:secret@smtp.example.com", "unknown scheme `http`"),
        ("not a url secret", "not a valid URL"),
        ("smtp://u:secret@h?tls=maybe", "tls=maybe"),
        ("smtp://u:secret@h?pool=1", "unknown parameter `pool`"),
        ("smtps://u:secret@h?tls=none", "cannot have `tls=none`"),
        ("smtp://:secret@h", "password but no user name"),
        ("smtp://u@h", "user name but no password"),
        ("smtp://u:secret@h/inbox", "path"),
        ("smtp://u:%FF%FEsecret@h", "password is not UTF-8"),
    ];
    for (url, expected) in cases {
        let err = parse_err(url, FROM);
        assert!(err.starts_with("SMTP_URL"), "{url}: {err}");
        assert!(err.contains(expected), "{url}: {err}");
        assert!(!err.contains("secret"), "{url}: {err}");
    }
    for from in ["", "aiwidget", "aiwidget <not an address>", "a@b@c"] {
        let err = parse_err("smtp://u:secret@smtp.example.com", from);
        assert!(err.starts_with("SMTP_FROM"), "{from}: {err}");
        assert!(!err.contains("secret"), "{from}: {err}");
    }
}

/// Email is off with neither variable, refused with only one.
#[test]
fn both_variables_or_neither() {
    assert!(matches!(
        MailSettings::from_env_values(None, None),
        Ok(None)
    ));
    assert!(matches!(
        MailSettings::from_env_values(Some(" "), Some("")),
        Ok(None)
    ));
    let only_url = MailSettings::from_env_values(Some("smtp://h"), None).expect_err("refused");
    assert!(only_url.contains("SMTP_FROM must be set"), "{only_url}");
    let only_from = MailSettings::from_env_values(None, Some(FROM)).expect_err("refused");
    assert!(only_from.contains("SMTP_URL must be set"), "{only_from}");
    let both = MailSettings::from_env_values(Some("smtp://h"), Some(FROM)).expect("valid");
    assert!(both.is_some());
}

/// Neither `Debug` (of the settings or the mailer) nor the redacted URL
/// shows the password.
#[tokio::test]
async fn the_password_never_shows() {
    let settings =
        MailSettings::parse("smtps://alerts:hunter%32@smtp.example.com", FROM).expect("valid");
    let mailer = Mailer::new(&settings).expect("mailer");
    for shown in [
        format!("{settings:?}"),
        format!("{settings:#?}"),
        format!("{mailer:?}"),
        settings.redacted_url(),
    ] {
        assert!(!shown.contains("hunter"), "{shown}");
    }
    assert!(format!("{settings:?}").contains("[redacted]"));
    assert_eq!(
        settings.redacted_url(),
        "smtps://alerts@smtp.example.com:465"
    );
}

/// A message with HTML arrives through the sink with its envelope, the
/// sender, the Cyrillic subject and both bodies intact, authenticated.
#[tokio::test]
async fn an_email_arrives_with_sender_subject_and_both_bodies() {
    // Arrange
    let sink = FakeSmtp::start().await;
    let url = format!(
        "smtp://alerts%40example.com:s3cret@127.0.0.1:{}?tls=none",
        sink.port()
    );
    let mailer = mailer(&url);
    let html = "<p>Посетитель <b>ждёт</b> ответа.</p>";

    // Act
    mailer.send(&email(Some(html))).await.expect("sent");

    // Assert
    let messages = sink.wait_messages(1, Duration::from_secs(5)).await;
    let message = &messages[0];
    assert_eq!(message.from, "alerts@example.com");
    assert_eq!(message.to, ["operator@example.com"]);
    assert_eq!(message.auth_user.as_deref(), Some("alerts@example.com"));
    assert_eq!(message.header("From").as_deref(), Some(FROM));
    assert_eq!(
        message.header("To").as_deref(),
        Some("Оператор <operator@example.com>")
    );
    assert_eq!(
        message.subject().as_deref(),
        Some("Новое обращение: посетитель ждёт ответа")
    );
    assert_eq!(
        message.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let content_type = message.header("Content-Type").unwrap_or_default();
    assert!(
        content_type.starts_with("multipart/alternative"),
        "{content_type}"
    );
    assert_eq!(
        message.text_body().as_deref(),
        Some("Здравствуйте!\nПосетитель ждёт ответа уже 5 минут.")
    );
    assert_eq!(message.html_body().as_deref(), Some(html));
}

/// Without HTML the message is a single UTF-8 text part.
#[tokio::test]
async fn a_text_only_email_is_a_single_part() {
    let sink = FakeSmtp::start().await;

    mailer(&sink.url()).send(&email(None)).await.expect("sent");

    let messages = sink.wait_messages(1, Duration::from_secs(5)).await;
    let content_type = messages[0].header("Content-Type").unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert_eq!(messages[0].auth_user, None);
    assert_eq!(
        messages[0].text_body().as_deref(),
        Some("Здравствуйте!\nПосетитель ждёт ответа уже 5 минут.")
    );
    assert_eq!(messages[0].html_body(), None);
}

/// `5xx` replies are permanent, `4xx` transient; an invalid address is
/// permanent without a connection.
#[tokio::test]
async fn refusals_are_sorted_into_permanent_and_transient() {
    let sink = FakeSmtp::start().await;
    let mailer = mailer(&sink.url());

    sink.reject_next(550, "5.1.1 No such user");
    let unknown = mailer.send(&email(None)).await;
    sink.reject_next_at(Stage::Data, 554, "5.7.1 Content refused");
    let refused = mailer.send(&email(None)).await;
    sink.reject_next(451, "4.3.0 Try again later");
    let later = mailer.send(&email(None)).await;
    let bad = Email {
        to: "not an address".to_owned(),
        ..email(None)
    };
    let invalid = mailer.send(&bad).await;

    assert!(
        matches!(&unknown, Err(MailError::Permanent(text)) if text.contains("No such user")),
        "{unknown:?}"
    );
    assert!(
        matches!(&refused, Err(MailError::Permanent(_))),
        "{refused:?}"
    );
    assert!(matches!(&later, Err(MailError::Transient(_))), "{later:?}");
    assert!(
        matches!(&invalid, Err(MailError::Permanent(_))),
        "{invalid:?}"
    );
    assert!(sink.messages().is_empty());
}

/// A relay that is down, or not listening at all, is a transient failure.
#[tokio::test]
async fn a_relay_that_is_down_is_transient() {
    let sink = FakeSmtp::start().await;
    sink.set_down(true);
    let down = mailer(&sink.url()).send(&email(None)).await;

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let refused = mailer(&format!("smtp://127.0.0.1:{port}?tls=none"))
        .send(&email(None))
        .await;

    assert!(matches!(&down, Err(MailError::Transient(_))), "{down:?}");
    assert!(
        matches!(&refused, Err(MailError::Transient(_))),
        "{refused:?}"
    );
    sink.set_down(false);
    assert_eq!(mailer(&sink.url()).check().await, Ok(()));
}

/// `smtp://` without `tls=none` requires STARTTLS: a relay that does not
/// offer it gets nothing, not even the password.
#[tokio::test]
async fn starttls_is_required_without_tls_none() {
    let sink = FakeSmtp::start().await;
    let url = format!("smtp://alerts:s3cret@127.0.0.1:{}", sink.port());

    let result = mailer(&url).send(&email(None)).await;

    assert!(
        matches!(&result, Err(MailError::Transient(_))),
        "{result:?}"
    );
    assert!(!format!("{result:?}").contains("s3cret"));
    assert!(sink.messages().is_empty());
}
