//! The commands of the `aiwidget` binary.
//!
//! # Layout
//! - this file: the command line, the env file, `serve`, `migrate`, `rotate-key`.
//! - `import_legacy`: `import-legacy`, the move from the Node.js version.
//! - `reset_admin`: `reset-admin`, the way back in without the admin's password.

mod import_legacy;
mod reset_admin;

use crate::{config, startup, telemetry};
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// aiwidget: an embeddable AI chat widget with live human takeover.
///
/// Configuration comes from the environment and `.env` (see `.env.example`),
/// or from the file given with `--env-file`. With nothing set it runs in
/// development on SQLite under `data/`.
#[derive(Debug, Parser)]
#[command(name = "aiwidget", version, about, long_about)]
pub struct Cli {
    /// Read the configuration from this file (KEY=value lines, the format of
    /// systemd's EnvironmentFile, e.g. /etc/aiwidget/aiwidget.env) instead of
    /// ./.env. Variables already set in the environment win.
    #[arg(long, global = true, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve the widget, the API and the dashboard.
    Serve,
    /// Migrate the database at DATABASE_URL to the newest schema, then exit.
    Migrate,
    /// Re-encrypt every project's OpenAI key with ENCRYPTION_KEY (generation
    /// ENCRYPTION_KEY_VERSION), reading older ones with PREVIOUS_ENCRYPTION_KEY.
    RotateKey,
    /// Copy the projects of the Node.js version (same ids, so pasted snippets
    /// keep working), with their conversations, into DATABASE_URL.
    ImportLegacy(ImportLegacy),
    /// Give the `admin` user a new password (generated and printed once, or
    /// read with --password-stdin), the admin role and no earlier session;
    /// re-creates `admin` if it was removed. Needs only DATABASE_URL.
    ResetAdmin(reset_admin::ResetAdmin),
}

/// The arguments of `import-legacy`.
#[derive(Debug, clap::Args)]
pub struct ImportLegacy {
    /// The Node.js version's database, e.g. postgres://user:password@old-host/olddb
    /// (or set LEGACY_DATABASE_URL, which keeps the password out of the shell's history).
    #[arg(
        long,
        value_name = "POSTGRES_URL",
        env = "LEGACY_DATABASE_URL",
        hide_env_values = true
    )]
    pub from: String,
    /// Show what would be imported, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Parses the command line and runs the command.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    // The env file first: it may set the log filter and format.
    let loaded = load_env_file(cli.env_file.as_deref());
    telemetry::init();
    let result = match (loaded, cli.command.unwrap_or(Command::Serve)) {
        (Err(err), _) => Err(err),
        (Ok(()), Command::Serve) => serve().await,
        (Ok(()), Command::Migrate) => migrate().await,
        (Ok(()), Command::RotateKey) => rotate_key().await,
        (Ok(()), Command::ImportLegacy(args)) => import_legacy(&args).await,
        (Ok(()), Command::ResetAdmin(args)) => reset_admin::run(&args, &environment()).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("aiwidget: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Sets the variables of `env_file`, or of `./.env` when none is given (a
/// missing `.env` is the normal case), without overriding the environment.
fn load_env_file(env_file: Option<&Path>) -> anyhow::Result<()> {
    match env_file {
        Some(path) => dotenvy::from_path(path)
            .with_context(|| format!("--env-file {}: cannot read it", path.display())),
        None => match dotenvy::dotenv() {
            Err(err) if !err.not_found() => Err(anyhow::anyhow!(".env: {err}")),
            _ => Ok(()),
        },
    }
}

fn environment() -> config::Env {
    std::env::vars().collect()
}

async fn serve() -> anyhow::Result<()> {
    let loaded = config::from_env(&environment())?;
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    let public_url = loaded.settings.public_url.clone();
    let application = startup::Application::build(loaded.settings).await?;
    if let Some(password) = loaded.generated_admin_password {
        // Printed once, on the terminal only: it is never logged.
        println!(
            "\n  Generated the admin password (shown once, kept in data/secrets.env):\n\n      user: admin\n      password: {password}\n"
        );
    }
    tracing::info!(port = application.port(), "listening");
    println!("  aiwidget is running: {public_url}/admin/\n");
    application.run_until(startup::shutdown_signal()).await?;
    Ok(())
}

async fn migrate() -> anyhow::Result<()> {
    let url = config::database_url(&environment());
    engine::db::migrate(&url).await?;
    println!("the database is migrated to the newest schema");
    Ok(())
}

async fn rotate_key() -> anyhow::Result<()> {
    let settings = config::for_command(&environment())?;
    engine::db::migrate(&settings.database_url).await?;
    let db = engine::db::connect(&settings.database_url).await?;
    let report = engine::services::api_keys::rotate(&db, settings.keyring()).await?;
    println!(
        "{} re-encrypted, {} already current, {} unreadable (generation {})",
        report.rotated, report.current, report.unreadable, settings.encryption_key_version
    );
    if report.unreadable > 0 {
        println!(
            "unreadable keys do not decrypt with ENCRYPTION_KEY or PREVIOUS_ENCRYPTION_KEY: re-enter them in the dashboard"
        );
    }
    Ok(())
}

async fn import_legacy(args: &ImportLegacy) -> anyhow::Result<()> {
    let settings = config::for_command(&environment())?;
    import_legacy::run(args, &settings).await
}
