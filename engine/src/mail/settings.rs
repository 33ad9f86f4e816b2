//! `SMTP_URL` and `SMTP_FROM`, parsed and checked (see the module docs of
//! [`crate::mail`] for the forms).

use lettre::message::Mailbox;
use secrecy::SecretString;
use std::fmt;
use std::net::IpAddr;

/// The error for a URL without a host.
const NO_HOST: &str = "SMTP_URL has no host: write smtp://host:port";

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtps://`: TLS from the first byte.
    Tls,
    /// `smtp://`: plain text upgraded with STARTTLS, which is required.
    StartTls,
    /// `smtp://…?tls=none`: no encryption (a relay on the same machine).
    None,
}

/// The parsed `SMTP_URL` and `SMTP_FROM`. Its `Debug` never shows the
/// password.
#[derive(Clone)]
pub struct MailSettings {
    /// The relay's host name or IP address (without IPv6 brackets).
    pub(super) host: String,
    /// The relay's port.
    pub(super) port: u16,
    /// How the connection is protected.
    pub(super) security: Security,
    /// The user name, percent-decoded; with it always a password.
    pub(super) user: Option<String>,
    /// The password, percent-decoded.
    pub(super) password: Option<SecretString>,
    /// The sender of every message.
    pub(super) from: Mailbox,
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl MailSettings {
    /// Reads the two variables as the environment gives them: `Ok(None)`
    /// when both are unset or empty (email off), an error when only one is
    /// set or either is invalid.
    ///
    /// # Errors
    /// An English sentence naming the variable at fault, never the password.
    pub fn from_env_values(
        smtp_url: Option<&str>,
        smtp_from: Option<&str>,
    ) -> Result<Option<Self>, String> {
        fn given(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|v| !v.is_empty())
        }
        match (given(smtp_url), given(smtp_from)) {
            (None, None) => Ok(None),
            (Some(url), Some(from)) => Self::parse(url, from).map(Some),
            (Some(_), None) => Err("SMTP_FROM must be set when SMTP_URL is".to_owned()),
            (None, Some(_)) => Err("SMTP_URL must be set when SMTP_FROM is".to_owned()),
        }
    }

    /// Parses `SMTP_URL` and `SMTP_FROM`.
    ///
    /// # Errors
    /// An English sentence naming the variable at fault; it never contains
    /// the password (nor the URL, which may hold it).
    pub fn parse(smtp_url: &str, from: &str) -> Result<Self, String> {
        let url = url::Url::parse(smtp_url.trim()).map_err(|err| match err {
            url::ParseError::EmptyHost => NO_HOST.to_owned(),
            err => format!("SMTP_URL is not a valid URL ({err})"),
        })?;
        let scheme_is_tls = match url.scheme() {
            "smtps" => true,
            "smtp" => false,
            other => {
                return Err(format!(
                    "SMTP_URL has the unknown scheme `{other}`: use smtp:// (STARTTLS) or smtps:// (TLS)"
                ));
            }
        };
        let host = url
            .host_str()
            .map(|host| host.trim_start_matches('[').trim_end_matches(']'))
            .filter(|host| !host.is_empty())
            .ok_or(NO_HOST)?
            .to_owned();
        if !matches!(url.path(), "" | "/") {
            return Err("SMTP_URL must not have a path after the host and port".to_owned());
        }
        let no_tls = tls_none(&url)?;
        let security = match (scheme_is_tls, no_tls) {
            (true, true) => return Err("SMTP_URL: smtps:// cannot have `tls=none`".to_owned()),
            (true, false) => Security::Tls,
            (false, false) => Security::StartTls,
            (false, true) => Security::None,
        };
        let default_port = match security {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::None => 25,
        };
        let user = Some(percent_decode(url.username(), "user name")?).filter(|u| !u.is_empty());
        let password = url
            .password()
            .map(|raw| percent_decode(raw, "password"))
            .transpose()?;
        let password = match (&user, password) {
            (Some(_), Some(password)) => Some(SecretString::from(password)),
            (None, None) => None,
            (Some(_), None) => return Err("SMTP_URL has a user name but no password".to_owned()),
            (None, Some(_)) => return Err("SMTP_URL has a password but no user name".to_owned()),
        };
        if security == Security::None && user.is_some() && !is_loopback(&host) {
            return Err(
                "SMTP_URL: `tls=none` would send the password unencrypted; it is allowed with \
                 credentials only to a relay on this machine (localhost, 127.0.0.1, ::1)"
                    .to_owned(),
            );
        }
        let from = from.trim().parse::<Mailbox>().map_err(|err| {
            format!(
                "SMTP_FROM `{}` is not a valid sender ({err}): write `Name <alerts@example.com>` \
                 or `alerts@example.com`",
                from.trim()
            )
        })?;
        Ok(Self {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            user,
            password,
            from,
        })
    }

    /// The relay's host.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The relay's port (given, or the default of the scheme).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the connection is protected.
    #[must_use]
    pub fn security(&self) -> Security {
        self.security
    }

    /// The sender of every message.
    #[must_use]
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// The URL without its password, safe to log: e.g.
    /// `smtp://alerts@smtp.example.com:587` or `smtp://127.0.0.1:25?tls=none`.
    #[must_use]
    pub fn redacted_url(&self) -> String {
        let scheme = match self.security {
            Security::Tls => "smtps",
            Security::StartTls | Security::None => "smtp",
        };
        let user = self
            .user
            .as_ref()
            .map(|user| format!("{user}@"))
            .unwrap_or_default();
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let query = if self.security == Security::None {
            "?tls=none"
        } else {
            ""
        };
        format!("{scheme}://{user}{host}:{}{query}", self.port)
    }
}

/// Whether the query asks for `tls=none`; `tls=required` (the default) is
/// accepted too, anything else refused.
fn tls_none(url: &url::Url) -> Result<bool, String> {
    let mut none = false;
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("tls", "none") => none = true,
            ("tls", "required") => none = false,
            ("tls", other) => {
                return Err(format!(
                    "SMTP_URL has `tls={other}`: only `tls=none` (a relay on this machine) or \
                     `tls=required` is known"
                ));
            }
            (other, _) => {
                return Err(format!(
                    "SMTP_URL has the unknown parameter `{other}`: only `tls` is known"
                ));
            }
        }
    }
    Ok(none)
}

/// Whether `host` names this machine.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `%XX` escapes decoded; the result must be UTF-8. `what` names the field
/// in the error, which never shows its value.
fn percent_decode(raw: &str, what: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(digits) = bytes.get(i + 1..i + 3)
            && digits.iter().all(u8::is_ascii_hexdigit)
            && let Some(byte) = std::str::from_utf8(digits)
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| format!("SMTP_URL: the {what} is not UTF-8 once percent-decoded"))
}
