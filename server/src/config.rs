//! Configuration from the environment (and `.env`), checked before anything starts.
//!
//! With nothing set the server starts in development on SQLite under `data/`,
//! generates its secrets into `data/secrets.env` and prints the admin password
//! once. In production (`PUBLIC_URL` is https, or `AIWIDGET_ENV=production`) a
//! missing or weak secret stops the start with a message naming each one.
//! `.env.example` explains every variable.

use app::state::{Environment, Settings};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::Rng as _;
use secrecy::{SecretBox, SecretString};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
    match raw.parse() {
        Ok(addr) => Some(addr),
        Err(_) => {
            problems.push(format!(
                "{name}: `{raw}` is not an address with a port, e.g. 127.0.0.1:3000"
            ));
            None
        }
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
fn ai_call(env: &Env, problems: &mut Vec<String>) -> app::llm::CallPolicy {
    let mut policy = app::llm::CallPolicy::default();
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

/// The three secrets, as given or as generated for development.
#[derive(Default)]
struct Secrets {
    admin_password: Option<String>,
    jwt_secret: Option<String>,
    encryption_key: Option<String>,
}

impl Secrets {
    fn from_env(env: &Env) -> Self {
        Self {
            admin_password: non_empty(env, "ADMIN_PASSWORD"),
            jwt_secret: non_empty(env, "JWT_SECRET"),
            encryption_key: non_empty(env, "ENCRYPTION_KEY"),
        }
    }

    /// Takes missing secrets from `data_dir/secrets.env`, generating and saving
    /// the ones it lacks. Returns the admin password when it was generated now.
    fn fill_for_development(&mut self, data_dir: &Path) -> Result<Option<String>, String> {
        if self.admin_password.is_some()
            && self.jwt_secret.is_some()
            && self.encryption_key.is_some()
        {
            return Ok(None);
        }
        let path = data_dir.join(SECRETS_FILE);
        let mut stored = read_secrets_file(&path)?;
        let admin_was_stored = stored.contains_key("ADMIN_PASSWORD");
        let mut generated_admin_password = None;
        let mut changed = false;
        let mut take = |slot: &mut Option<String>, name: &str, make: fn() -> String| {
            if slot.is_none() {
                let value = stored.entry(name.to_owned()).or_insert_with(|| {
                    changed = true;
                    make()
                });
                *slot = Some(value.clone());
                return true;
            }
            false
        };
        take(&mut self.jwt_secret, "JWT_SECRET", || random_base64(48));
        take(&mut self.encryption_key, "ENCRYPTION_KEY", || {
            random_base64(32)
        });
        if take(&mut self.admin_password, "ADMIN_PASSWORD", random_password) && !admin_was_stored {
            generated_admin_password = self.admin_password.clone();
        }
        if changed {
            write_secrets_file(&path, &stored)?;
        }
        Ok(generated_admin_password)
    }
}

fn random_base64(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill(buffer.as_mut_slice());
    BASE64.encode(buffer)
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn read_secrets_file(path: &Path) -> Result<std::collections::BTreeMap<String, String>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
            .collect()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(err) => Err(format!("{}: cannot read: {err}", path.display())),
    }
}

fn write_secrets_file(
    path: &Path,
    secrets: &std::collections::BTreeMap<String, String>,
) -> Result<(), String> {
    let fail = |err: std::io::Error| format!("{}: cannot write: {err}", path.display());
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(fail)?;
    }
    let mut text = String::from(
        "# Generated by aiwidget for development. Keep private; delete to regenerate.\n",
    );
    for (key, value) in secrets {
        text.push_str(&format!("{key}={value}\n"));
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path).map_err(fail)?, text.as_bytes()).map_err(fail)
}

fn check_admin_password(
    secrets: &Secrets,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let Some(password) = secrets.admin_password.clone() else {
        problems
            .push("ADMIN_PASSWORD: not set; production needs the first admin's password".into());
        return None;
    };
    if password.chars().count() < 12 {
        warnings.push("ADMIN_PASSWORD is shorter than 12 characters".into());
    }
    Some(password)
}

fn check_jwt_secret(
    secrets: &Secrets,
    environment: Environment,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let Some(secret) = secrets.jwt_secret.clone() else {
        problems.push(
            "JWT_SECRET: not set; production needs at least 32 random bytes (openssl rand -base64 48)"
                .into(),
        );
        return None;
    };
    if secret.len() < MIN_JWT_SECRET_BYTES {
        let message = format!(
            "JWT_SECRET: {} bytes is too short to sign sessions safely; use at least {MIN_JWT_SECRET_BYTES} (openssl rand -base64 48)",
            secret.len()
        );
        if environment == Environment::Production {
            problems.push(message);
            return None;
        }
        warnings.push(message);
    }
    Some(secret)
}

fn check_encryption_key(secrets: &Secrets, problems: &mut Vec<String>) -> Option<[u8; 32]> {
    let Some(encoded) = secrets.encryption_key.as_deref() else {
        problems.push(
            "ENCRYPTION_KEY: not set; production needs 32 random bytes in standard base64 (openssl rand -base64 32)"
                .into(),
        );
        return None;
    };
    decode_key("ENCRYPTION_KEY", encoded, problems)
}

/// Standard base64 of exactly 32 bytes, or a problem naming `name`.
fn decode_key(name: &str, encoded: &str, problems: &mut Vec<String>) -> Option<[u8; 32]> {
    let decoded = BASE64.decode(encoded).ok();
    match decoded.as_deref().map(<[u8; 32]>::try_from) {
        Some(Ok(key)) => Some(key),
        Some(Err(_)) => {
            problems.push(format!(
                "{name}: decodes to {} bytes, must be exactly 32 (openssl rand -base64 32)",
                decoded.map_or(0, |bytes| bytes.len())
            ));
            None
        }
        None => {
            problems.push(format!(
                "{name}: not valid standard base64 (openssl rand -base64 32)"
            ));
            None
        }
    }
}

/// `ENCRYPTION_KEY_VERSION` (1 to 255, default 1) and, from version 2 on,
/// the optional `PREVIOUS_ENCRYPTION_KEY` of the generation before.
fn key_generation(env: &Env, problems: &mut Vec<String>) -> (u8, Option<[u8; 32]>) {
    let version = match non_empty(env, "ENCRYPTION_KEY_VERSION") {
        None => 1,
        Some(raw) => match raw.parse::<u8>() {
            Ok(version) if version >= 1 => version,
            _ => {
                problems.push(format!(
                    "ENCRYPTION_KEY_VERSION: `{raw}` is not a generation number from 1 to 255"
                ));
                1
            }
        },
    };
    let previous = non_empty(env, "PREVIOUS_ENCRYPTION_KEY").and_then(|encoded| {
        if version < 2 {
            problems.push(
                "PREVIOUS_ENCRYPTION_KEY: set ENCRYPTION_KEY_VERSION to the new generation (2 or more) as well"
                    .into(),
            );
            return None;
        }
        decode_key("PREVIOUS_ENCRYPTION_KEY", &encoded, problems)
    });
    (version, previous)
}

#[cfg(test)]
mod tests;
