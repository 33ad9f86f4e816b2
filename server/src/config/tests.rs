//! The configuration rules (`docs/architecture.md`, "Configuration"), one test per rule.

use super::*;
use secrecy::ExposeSecret;

const GOOD_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const GOOD_JWT: &str = "0123456789abcdef0123456789abcdef0123";

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

fn production(extra: &[(&str, &str)]) -> Env {
    let mut vars = env(&[
        ("AIWIDGET_ENV", "production"),
        ("ADMIN_PASSWORD", "a long admin password"),
        ("JWT_SECRET", GOOD_JWT),
        ("ENCRYPTION_KEY", GOOD_KEY),
    ]);
    vars.extend(env(extra));
    vars
}

fn refusal(vars: &Env) -> Vec<String> {
    match from_env(vars) {
        Ok(_) => panic!("expected the configuration to be refused"),
        Err(ConfigError(problems)) => problems,
    }
}

#[test]
fn production_with_every_secret_starts() {
    let loaded = from_env(&production(&[])).expect("valid production configuration");
    assert_eq!(loaded.settings.environment, Environment::Production);
    assert_eq!(loaded.settings.encryption_key.expose_secret()[1], 1);
    assert_eq!(loaded.generated_admin_password, None);
}

#[test]
fn production_refuses_each_missing_secret_by_name() {
    for name in ["ADMIN_PASSWORD", "JWT_SECRET", "ENCRYPTION_KEY"] {
        let mut vars = production(&[]);
        vars.remove(name);
        let problems = refusal(&vars);
        assert_eq!(problems.len(), 1, "{name}: {problems:?}");
        assert!(problems[0].starts_with(name), "{name}: {problems:?}");
    }
}

#[test]
fn production_reports_every_problem_at_once() {
    let mut vars = production(&[("JWT_SECRET", "short")]);
    vars.remove("ENCRYPTION_KEY");
    let problems = refusal(&vars);
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn an_https_public_url_means_production() {
    let vars = env(&[("PUBLIC_URL", "https://chat.example.com")]);
    let problems = refusal(&vars);
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn production_refuses_a_jwt_secret_under_32_bytes() {
    let problems = refusal(&production(&[(
        "JWT_SECRET",
        "0123456789abcdef0123456789abcde",
    )]));
    assert!(
        problems[0].contains("31 bytes is too short"),
        "{problems:?}"
    );
}

#[test]
fn malformed_encryption_keys_are_refused_with_the_reason() {
    let cases = [
        ("not base64 at all!", "not valid standard base64"),
        (
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
            "decodes to 30 bytes",
        ),
        (
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==",
            "decodes to 34 bytes",
        ),
        (
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "not valid standard base64",
        ),
    ];
    for (key, reason) in cases {
        let problems = refusal(&production(&[("ENCRYPTION_KEY", key)]));
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("ENCRYPTION_KEY") && p.contains(reason)),
            "{key}: expected `{reason}` in {problems:?}"
        );
    }
}

#[test]
fn an_unknown_environment_name_is_refused() {
    let problems = refusal(&production(&[("AIWIDGET_ENV", "staging")]));
    assert!(problems[0].starts_with("AIWIDGET_ENV"), "{problems:?}");
}

#[test]
fn listen_addr_wins_over_the_leptos_site_addr() {
    let loaded = from_env(&production(&[
        ("LISTEN_ADDR", "127.0.0.1:4000"),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:5000"),
    ]))
    .expect("valid");
    assert_eq!(loaded.settings.listen_addr.port(), 4000);

    let loaded = from_env(&production(&[("LEPTOS_SITE_ADDR", "127.0.0.1:5000")])).expect("valid");
    assert_eq!(loaded.settings.listen_addr.port(), 5000);

    let loaded = from_env(&production(&[])).expect("valid");
    assert_eq!(loaded.settings.listen_addr.to_string(), "127.0.0.1:3000");
}

#[test]
fn defaults_are_sqlite_under_data_and_the_site_under_target() {
    let loaded = from_env(&production(&[])).expect("valid");
    assert_eq!(loaded.settings.database_url, DEFAULT_DATABASE_URL);
    assert_eq!(loaded.settings.site_dir, PathBuf::from("target/site"));
    assert_eq!(loaded.settings.public_url, "http://127.0.0.1:3000");
}

#[test]
fn public_url_is_reduced_to_its_origin_and_paths_are_refused() {
    let loaded = from_env(&production(&[(
        "PUBLIC_URL",
        "https://Chat.Example.com:443/",
    )]))
    .expect("valid");
    assert_eq!(loaded.settings.public_url, "https://chat.example.com");

    let problems = refusal(&production(&[("PUBLIC_URL", "https://example.com/chat")]));
    assert!(problems[0].starts_with("PUBLIC_URL"), "{problems:?}");
}

#[test]
fn bad_listen_addr_and_flag_values_are_named() {
    let problems = refusal(&production(&[
        ("LISTEN_ADDR", "localhost"),
        ("ALLOW_PRIVATE_UPSTREAMS", "maybe"),
    ]));
    assert!(
        problems.iter().any(|p| p.starts_with("LISTEN_ADDR")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("ALLOW_PRIVATE_UPSTREAMS")),
        "{problems:?}"
    );
}

#[test]
fn development_generates_secrets_once_and_reuses_them() {
    let data = tempfile::tempdir().expect("tempdir");
    let vars = env(&[("DATA_DIR", data.path().to_str().expect("utf-8 path"))]);

    let first = from_env(&vars).expect("development starts with nothing set");
    let password = first
        .generated_admin_password
        .clone()
        .expect("password generated");
    assert_eq!(first.settings.environment, Environment::Development);
    assert_eq!(first.settings.admin_password.expose_secret(), password);
    assert!(first.settings.jwt_secret.expose_secret().len() >= 32);

    let second = from_env(&vars).expect("second start");
    assert_eq!(second.generated_admin_password, None, "printed only once");
    assert_eq!(second.settings.admin_password.expose_secret(), password);
    assert_eq!(
        second.settings.jwt_secret.expose_secret(),
        first.settings.jwt_secret.expose_secret()
    );
    assert_eq!(
        second.settings.encryption_key.expose_secret(),
        first.settings.encryption_key.expose_secret()
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.path().join("secrets.env"))
            .expect("secrets file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "secrets file readable by others: {mode:o}");
    }
}

#[test]
fn development_keeps_given_secrets_and_generates_only_the_rest() {
    let data = tempfile::tempdir().expect("tempdir");
    let vars = env(&[
        ("DATA_DIR", data.path().to_str().expect("utf-8 path")),
        ("ADMIN_PASSWORD", "given password"),
    ]);
    let loaded = from_env(&vars).expect("valid");
    assert_eq!(loaded.generated_admin_password, None);
    assert_eq!(
        loaded.settings.admin_password.expose_secret(),
        "given password"
    );
}

#[test]
fn development_warns_about_a_short_jwt_secret_but_starts() {
    let data = tempfile::tempdir().expect("tempdir");
    let vars = env(&[
        ("DATA_DIR", data.path().to_str().expect("utf-8 path")),
        ("JWT_SECRET", "short"),
    ]);
    let loaded = from_env(&vars).expect("development tolerates it");
    assert!(
        loaded.warnings.iter().any(|w| w.starts_with("JWT_SECRET")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn a_rotation_names_the_generation_and_the_previous_key() {
    let loaded = from_env(&production(&[
        ("ENCRYPTION_KEY_VERSION", "2"),
        ("PREVIOUS_ENCRYPTION_KEY", GOOD_KEY),
    ]))
    .expect("valid");
    let keyring = loaded.settings.keyring();
    assert_eq!(keyring.version, 2);
    assert!(keyring.previous.is_some());

    for (vars, name) in [
        (
            vec![("ENCRYPTION_KEY_VERSION", "0")],
            "ENCRYPTION_KEY_VERSION",
        ),
        (
            vec![("ENCRYPTION_KEY_VERSION", "x")],
            "ENCRYPTION_KEY_VERSION",
        ),
        (
            vec![("PREVIOUS_ENCRYPTION_KEY", GOOD_KEY)],
            "PREVIOUS_ENCRYPTION_KEY",
        ),
        (
            vec![
                ("ENCRYPTION_KEY_VERSION", "2"),
                ("PREVIOUS_ENCRYPTION_KEY", "short"),
            ],
            "PREVIOUS_ENCRYPTION_KEY",
        ),
    ] {
        let problems = refusal(&production(&vars));
        assert!(
            problems.iter().any(|p| p.starts_with(name)),
            "{name}: {problems:?}"
        );
    }
}

/// `LOG_FORMAT` is `text` or `json`; anything else is refused by name.
/// `METRICS_TOKEN` is optional, kept as a secret.
#[test]
fn log_format_is_checked_and_the_metrics_token_is_read() {
    let problems = refusal(&production(&[("LOG_FORMAT", "xml")]));
    assert!(
        problems.iter().any(|p| p.starts_with("LOG_FORMAT")),
        "{problems:?}"
    );
    let loaded = from_env(&production(&[
        ("LOG_FORMAT", "json"),
        ("METRICS_TOKEN", "scrape-token"),
    ]))
    .expect("valid");
    let token = loaded.settings.metrics_token.expect("the token");
    assert_eq!(token.expose_secret(), "scrape-token");
    let none = from_env(&production(&[])).expect("valid");
    assert!(none.settings.metrics_token.is_none());
}
