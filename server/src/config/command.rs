//! Configuration of the commands that read or write encrypted keys
//! (`rotate-key`, `import-legacy`): the database and the key generations.
//!
//! Unlike `serve`, a command never generates a secret: a key made up for one
//! run would encrypt every key it writes with a key the server does not have.
//! It takes `ENCRYPTION_KEY` from the environment (and the env file), or, in
//! development, from the `DATA_DIR/secrets.env` that `serve` generated, and
//! refuses to run when neither has one.

use super::secrets::{decode_key, key_generation, stored_secret};
use super::{
    ConfigError, DEFAULT_DATA_DIR, Env, database_url, environment, listen_addr, non_empty,
    public_url,
};
use engine::services::api_keys::Keyring;
use engine::state::Environment;
use secrecy::SecretBox;
use std::path::PathBuf;

/// What a command that touches encrypted keys works with.
#[derive(Debug)]
pub struct CommandSettings {
    /// `DATABASE_URL`: the aiwidget database.
    pub database_url: String,
    /// `ENCRYPTION_KEY`, decoded.
    pub encryption_key: SecretBox<[u8; 32]>,
    /// `ENCRYPTION_KEY_VERSION` (default 1).
    pub encryption_key_version: u8,
    /// `PREVIOUS_ENCRYPTION_KEY`, during a rotation.
    pub previous_encryption_key: Option<SecretBox<[u8; 32]>>,
}

impl CommandSettings {
    /// The keys for the projects' API keys.
    #[must_use]
    pub fn keyring(&self) -> Keyring<'_> {
        Keyring::of(
            self.encryption_key_version,
            &self.encryption_key,
            self.previous_encryption_key.as_ref(),
        )
    }
}

/// The refusal when no key is found: how to run the command with the server's configuration.
pub const MISSING_KEY: &str = "ENCRYPTION_KEY is not set: run the command with the server's configuration, \
     e.g. `sudo aiwidget --env-file /etc/aiwidget/aiwidget.env import-legacy --from postgres://…` \
     (in development, start `aiwidget serve` once: it keeps its key in DATA_DIR/secrets.env). \
     Commands never make a key up: one made up now would leave every key they write unreadable";

/// Builds [`CommandSettings`] from `env`: the key as given, else (development
/// only) as stored in `DATA_DIR/secrets.env`; nothing is ever generated or written.
///
/// # Errors
/// [`ConfigError`] naming `ENCRYPTION_KEY` when it is missing or malformed, and
/// any other malformed variable the command reads.
pub fn for_command(env: &Env) -> Result<CommandSettings, ConfigError> {
    let mut problems = Vec::new();
    let listen_addr = listen_addr(env, &mut problems);
    let public_url = public_url(env, listen_addr, &mut problems);
    let environment = environment(env, &public_url, &mut problems);
    let encoded = match non_empty(env, "ENCRYPTION_KEY") {
        Some(key) => Some(key),
        None if environment == Environment::Development => {
            let data_dir = PathBuf::from(
                non_empty(env, "DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned()),
            );
            stored_secret(&data_dir, "ENCRYPTION_KEY").unwrap_or_else(|problem| {
                problems.push(problem);
                None
            })
        }
        None => None,
    };
    if encoded.is_none() {
        problems.push(MISSING_KEY.to_owned());
    }
    let encryption_key =
        encoded.and_then(|encoded| decode_key("ENCRYPTION_KEY", &encoded, &mut problems));
    let (encryption_key_version, previous_encryption_key) = key_generation(env, &mut problems);
    match encryption_key {
        Some(key) if problems.is_empty() => Ok(CommandSettings {
            database_url: database_url(env),
            encryption_key: SecretBox::new(Box::new(key)),
            encryption_key_version,
            previous_encryption_key: previous_encryption_key
                .map(|key| SecretBox::new(Box::new(key))),
        }),
        _ => Err(ConfigError(problems)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    const GOOD_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn a_missing_key_is_refused_and_nothing_is_written() {
        let data = tempfile::tempdir().expect("temp dir");
        let dir = data.path().to_str().expect("utf-8 path");
        let Err(ConfigError(problems)) = for_command(&env(&[("DATA_DIR", dir)])) else {
            panic!("expected a refusal");
        };
        assert_eq!(problems, vec![MISSING_KEY.to_owned()]);
        assert!(!data.path().join("secrets.env").exists());
    }

    #[test]
    fn development_takes_the_key_serve_stored() {
        let data = tempfile::tempdir().expect("temp dir");
        let dir = data.path().to_str().expect("utf-8 path");
        std::fs::write(
            data.path().join("secrets.env"),
            format!("# generated\nENCRYPTION_KEY={GOOD_KEY}\n"),
        )
        .expect("write");
        let settings = for_command(&env(&[("DATA_DIR", dir)])).expect("the stored key");
        assert_eq!(settings.encryption_key.expose_secret()[1], 1);
    }

    #[test]
    fn production_never_reads_the_development_file() {
        let data = tempfile::tempdir().expect("temp dir");
        let dir = data.path().to_str().expect("utf-8 path");
        std::fs::write(
            data.path().join("secrets.env"),
            format!("ENCRYPTION_KEY={GOOD_KEY}\n"),
        )
        .expect("write");
        let vars = env(&[("DATA_DIR", dir), ("AIWIDGET_ENV", "production")]);
        assert!(for_command(&vars).is_err());
    }

    #[test]
    fn a_given_key_needs_no_other_secret() {
        let vars = env(&[("AIWIDGET_ENV", "production"), ("ENCRYPTION_KEY", GOOD_KEY)]);
        let settings = for_command(&vars).expect("the key is enough");
        assert_eq!(settings.encryption_key_version, 1);
        assert!(settings.previous_encryption_key.is_none());
    }

    #[test]
    fn a_malformed_key_is_named() {
        let vars = env(&[("ENCRYPTION_KEY", "not base64!")]);
        let Err(ConfigError(problems)) = for_command(&vars) else {
            panic!("expected a refusal");
        };
        assert!(problems[0].starts_with("ENCRYPTION_KEY"), "{problems:?}");
    }
}
