//! The commands of the `aiwidget` binary.

use crate::{config, startup, telemetry};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// aiwidget: an embeddable AI chat widget with live human takeover.
///
/// Configuration comes from the environment and `.env` (see `.env.example`).
/// With nothing set it runs in development on SQLite under `data/`.
#[derive(Debug, Parser)]
#[command(name = "aiwidget", version, about, long_about)]
pub struct Cli {
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
}

/// Parses the command line and runs the command.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Migrate => migrate().await,
        Command::RotateKey => rotate_key().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("aiwidget: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let loaded = config::load()?;
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
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        anyhow::bail!(".env: {err}");
    }
    let url = config::database_url(&std::env::vars().collect());
    engine::db::migrate(&url).await?;
    println!("the database is migrated to the newest schema");
    Ok(())
}

async fn rotate_key() -> anyhow::Result<()> {
    let loaded = config::load()?;
    let settings = loaded.settings;
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
