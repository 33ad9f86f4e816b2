//! Configuration from the environment (and `.env`), checked before anything starts.
//!
//! With nothing set the server starts in development on SQLite under `data/`,
//! generates its secrets into `data/secrets.env` and prints the admin password
//! once. In production (`PUBLIC_URL` is https, or `AIWIDGET_ENV=production`) a
//! missing or weak secret stops the start with a message naming each one.
//! `.env.example` explains every variable.
//!
//! # Layout
//! - this file: the settings, read and checked.
//! - `secrets`: the three secrets and the key generations.
//! - `command`: what `rotate-key` and `import-legacy` need; never generates a secret.

use crate::telemetry::{LOG_FORMAT, LogFormat};
use engine::state::{Environment, Settings};
use secrecy::{SecretBox, SecretString};
use secrets::{
    Secrets, check_admin_password, check_encryption_key, check_jwt_secret, key_generation,
};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The database when `DATABASE_URL` is not set: a file under `data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/aiwidget.db?mode=rwc";
const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:3000";
const DEFAULT_SITE_DIR: &str = "target/site";
const DEFAULT_DATA_DIR: &str = "data";
const SECRETS_FILE: &str = "secrets.env";
const MIN_JWT_SECRET_BYTES: usize = 32;

/// The variables read from the environment, by name.
pub type Env = HashMap<String, String>;

/// Settings plus what the operator must be told once.
#[derive(Debug)]
pub struct Loaded {
    /// The checked settings.
    pub settings: Settings,
    /// The admin password, when it was generated during this load (print it once).
    pub generated_admin_password: Option<String>,
    /// Non-fatal remarks (a short secret in development, …).
    pub warnings: Vec<String>,
}

/// Why the configuration was refused: one line per variable.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration was refused:")?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Reads `.env` (when present) and the process environment, then [`from_env`].
///
/// # Errors
/// [`ConfigError`] naming every variable that is missing, weak or malformed.
pub fn load() -> Result<Loaded, ConfigError> {
    // A missing .env is the normal case; a malformed one is reported by name.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        return Err(ConfigError(vec![format!(".env: {err}")]));
    }
    from_env(&std::env::vars().collect())
}

/// The database URL alone, for commands that need nothing else (`migrate`).
#[must_use]
pub fn database_url(env: &Env) -> String {
    non_empty(env, "DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// Builds [`Settings`] from `env`; in development, missing secrets are taken
/// from (or generated into) `DATA_DIR/secrets.env`.
///
/// # Errors
/// [`ConfigError`] naming every variable that is missing, weak or malformed.
pub fn from_env(env: &Env) -> Result<Loaded, ConfigError> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();

    let listen_addr = listen_addr(env, &mut problems);
    let public_url = public_url(env, listen_addr, &mut problems);
    let environment = environment(env, &public_url, &mut problems);

    let mut secrets = Secrets::from_env(env);
    let mut generated_admin_password = None;
    if environment == Environment::Development {
        let data_dir = PathBuf::from(
            non_empty(env, "DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned()),
        );
        match secrets.fill_for_development(&data_dir) {
            Ok(generated) => generated_admin_password = generated,
            Err(err) => problems.push(err),
        }
    }

    let admin_password = check_admin_password(&secrets, &mut problems, &mut warnings);
    let jwt_secret = check_jwt_secret(&secrets, environment, &mut problems, &mut warnings);
    let encryption_key = check_encryption_key(&secrets, &mut problems);
    let (encryption_key_version, previous_encryption_key) = key_generation(env, &mut problems);
    let allow_private_upstreams = flag(env, "ALLOW_PRIVATE_UPSTREAMS", &mut problems);
    let ai_call = ai_call(env, &mut problems);
    let telegram = alerts::telegram(env, &public_url, &mut problems);
    let mail = alerts::mail(env, &mut problems);
    // Read by logging before this check (`telemetry`); refused here by name.
    if let Err(problem) = LogFormat::parse(env.get(LOG_FORMAT).map(String::as_str)) {
        problems.push(problem);
    }

    if !problems.is_empty() {
        return Err(ConfigError(problems));
    }
    let (Some(listen_addr), Some(admin_password), Some(jwt_secret), Some(encryption_key)) =
        (listen_addr, admin_password, jwt_secret, encryption_key)
    else {
        return Err(ConfigError(vec![
            "internal: a checked value is missing".into(),
        ]));
    };
    let site_dir = non_empty(env, "SITE_DIR")
        .or_else(|| non_empty(env, "LEPTOS_SITE_ROOT"))
        .unwrap_or_else(|| DEFAULT_SITE_DIR.to_owned());
    Ok(Loaded {
        settings: Settings {
            environment,
            database_url: database_url(env),
            listen_addr,
            public_url,
            site_dir: PathBuf::from(site_dir),
            admin_password: SecretString::from(admin_password),
            jwt_secret: SecretString::from(jwt_secret),
            encryption_key: SecretBox::new(Box::new(encryption_key)),
            encryption_key_version,
            previous_encryption_key: previous_encryption_key
                .map(|key| SecretBox::new(Box::new(key))),
            allow_private_upstreams,
            ai_call,
            sweep_every: SWEEP_EVERY,
            metrics_token: non_empty(env, "METRICS_TOKEN").map(SecretString::from),
            telegram,
            mail,
        },
        generated_admin_password,
        warnings,
    })
}

fn non_empty(env: &Env, name: &str) -> Option<String> {
    env.get(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// `LISTEN_ADDR` wins over `LEPTOS_SITE_ADDR` (set by `cargo leptos watch`).
fn listen_addr(env: &Env, problems: &mut Vec<String>) -> Option<SocketAddr> {
    let (name, raw) = match (
        non_empty(env, "LISTEN_ADDR"),
        non_empty(env, "LEPTOS_SITE_ADDR"),
    ) {
        (Some(value), _) => ("LISTEN_ADDR", value),
        (None, Some(value)) => ("LEPTOS_SITE_ADDR", value),
        (None, None) => ("LISTEN_ADDR", DEFAULT_LISTEN_ADDR.to_owned()),
    };
    if let Ok(addr) = raw.parse() {
        Some(addr)
    } else {
        problems.push(format!(
            "{name}: `{raw}` is not an address with a port, e.g. 127.0.0.1:3000"
        ));
        None
    }
}

/// `PUBLIC_URL` without a trailing slash; by default the listen address over http.
fn public_url(env: &Env, listen_addr: Option<SocketAddr>, problems: &mut Vec<String>) -> String {
    let Some(raw) = non_empty(env, "PUBLIC_URL") else {
        let addr = listen_addr.map_or_else(
            || DEFAULT_LISTEN_ADDR.to_owned(),
            |addr| {
                if addr.ip().is_unspecified() {
                    format!("127.0.0.1:{}", addr.port())
                } else {
                    addr.to_string()
                }
            },
        );
        return format!("http://{addr}");
    };
    match url::Url::parse(&raw) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.path() == "/"
                && url.query().is_none() =>
        {
            url.origin().ascii_serialization()
        }
        _ => {
            problems.push(format!(
                "PUBLIC_URL: `{raw}` must be an http(s) origin without a path, e.g. https://chat.example.com"
            ));
            raw.trim_end_matches('/').to_owned()
        }
    }
}

fn environment(env: &Env, public_url: &str, problems: &mut Vec<String>) -> Environment {
    match non_empty(env, "AIWIDGET_ENV").as_deref() {
        Some("production") => Environment::Production,
        Some("development") | None if public_url.starts_with("https://") => Environment::Production,
        Some("development") | None => Environment::Development,
        Some(other) => {
            problems.push(format!(
                "AIWIDGET_ENV: `{other}` is neither `development` nor `production`"
            ));
            Environment::Production
        }
    }
}

/// How often the "nobody came in N minutes" deadlines are checked.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// The AI call's time-outs: `AI_FIRST_BYTE_TIMEOUT_SECS` (default 60) and
/// `AI_IDLE_TIMEOUT_SECS` (default 30), 1 to 600 seconds each.
fn ai_call(env: &Env, problems: &mut Vec<String>) -> engine::llm::CallPolicy {
    let mut policy = engine::llm::CallPolicy::default();
    let mut seconds = |name: &str, slot: &mut std::time::Duration| {
        if let Some(value) = non_empty(env, name) {
            match value.parse::<u64>() {
                Ok(secs) if (1..=600).contains(&secs) => {
                    *slot = std::time::Duration::from_secs(secs);
                }
                _ => problems.push(format!("{name}: `{value}` is not 1 to 600 seconds")),
            }
        }
    };
    seconds("AI_FIRST_BYTE_TIMEOUT_SECS", &mut policy.first_byte);
    seconds("AI_IDLE_TIMEOUT_SECS", &mut policy.idle);
    policy
}

fn flag(env: &Env, name: &str, problems: &mut Vec<String>) -> bool {
    match non_empty(env, name)
        .map(|value| value.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("false" | "0" | "no") => false,
        Some("true" | "1" | "yes") => true,
        Some(other) => {
            problems.push(format!("{name}: `{other}` is not true or false"));
            false
        }
    }
}

mod alerts;
mod command;
mod secrets;

pub use command::{CommandSettings, MISSING_KEY, for_command};
pub(crate) use secrets::random_password;
#[cfg(test)]
mod tests;
