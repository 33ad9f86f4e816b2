//! The SMTP transport: one pooled lettre client per configuration.

use super::settings::{MailSettings, Security};
use super::{Email, MailError};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::fmt;
use std::time::Duration;

/// How long connecting, and then each SMTP command, may take.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Sends mail through the configured relay, reusing its connections.
/// Cloning is cheap (the pool is shared).
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The relay's URL without the password, for `Debug`.
    relay: String,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("relay", &self.relay)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Builds the transport (no connection is made until the first send).
    /// Its connection pool runs on Tokio: create and drop it inside the
    /// runtime.
    ///
    /// # Panics
    /// Outside a Tokio runtime (lettre's pool spawns its cleaning task here
    /// and when the last clone is dropped).
    ///
    /// # Errors
    /// When TLS cannot be set up for the host (an English sentence without
    /// the password).
    pub fn new(settings: &MailSettings) -> Result<Self, String> {
        let host = settings.host.clone();
        let builder = match settings.security {
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&host),
            Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host),
            Security::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|err| format!("SMTP_URL: TLS cannot be set up for the relay ({err})"))?;
        let mut builder = builder.port(settings.port).timeout(Some(TIMEOUT));
        if let (Some(user), Some(password)) = (&settings.user, &settings.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from: settings.from.clone(),
            relay: settings.redacted_url(),
        })
    }

    /// Sends one message.
    ///
    /// # Errors
    /// [`MailError::Permanent`] for an invalid address or a `5xx` reply,
    /// [`MailError::Transient`] for anything worth retrying.
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let message = self.message(email)?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|err| classify(&err))
    }

    /// Connects, greets and authenticates, then says goodbye: a check of the
    /// configuration that sends nothing.
    ///
    /// # Errors
    /// As [`Mailer::send`].
    pub async fn check(&self) -> Result<(), MailError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(MailError::Transient(
                "the relay did not answer as an SMTP server".to_owned(),
            )),
            Err(err) => Err(classify(&err)),
        }
    }

    /// The message for `email`, from the configured sender.
    fn message(&self, email: &Email) -> Result<Message, MailError> {
        let to = email.to.trim().parse::<Mailbox>().map_err(|err| {
            MailError::Permanent(format!("invalid recipient `{}` ({err})", email.to))
        })?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .header(AutoSubmitted);
        let built = match &email.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                html.clone(),
            )),
            None => builder.singlepart(SinglePart::plain(email.text.clone())),
        };
        built.map_err(|err| MailError::Permanent(format!("the message cannot be built ({err})")))
    }
}

/// A `5xx` reply is permanent; everything else (connection, TLS, time-out,
/// `4xx`, a broken conversation) is worth retrying.
fn classify(err: &lettre::transport::smtp::Error) -> MailError {
    if err.is_permanent() {
        MailError::Permanent(err.to_string())
    } else {
        MailError::Transient(err.to_string())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): tells mail servers and
/// clients that no human wrote this, so that they send no vacation replies.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        if s.trim().eq_ignore_ascii_case("auto-generated") {
            Ok(Self)
        } else {
            Err(format!("unexpected Auto-Submitted value `{s}`").into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}
