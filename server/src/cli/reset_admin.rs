//! `aiwidget reset-admin`: the way back in when the admin's password is lost.
//!
//! It needs only `DATABASE_URL` (no `ENCRYPTION_KEY`: no key is read). The
//! new password is generated and printed once, or read from standard input
//! with `--password-stdin`; `ADMIN_PASSWORD` is neither read nor changed.

use crate::config;
use anyhow::Context as _;
use engine::services::users;
use std::io::BufRead as _;

/// The arguments of `reset-admin`.
#[derive(Debug, clap::Args)]
pub struct ResetAdmin {
    /// Read the new password (10 characters or more) from the first line of
    /// standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Migrates the database, resets `admin` and prints what was done.
pub(super) async fn run(args: &ResetAdmin, env: &config::Env) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        read_password()?
    } else {
        crate::config::random_password()
    };
    let url = config::database_url(env);
    engine::db::migrate(&url).await?;
    let db = engine::db::connect(&url)
        .await
        .context("connecting to the database")?;
    let reset = users::reset_admin(&db, &password)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let done = match (reset.created, reset.promoted) {
        (true, _) => "there was no `admin` user: created it, with the admin role",
        (false, true) => "reset the password of `admin` and gave it the admin role back",
        (false, false) => "reset the password of `admin`",
    };
    println!("{done}; every earlier session of `admin` is signed out");
    if !args.password_stdin {
        // Printed once, on the terminal only: it is never logged.
        println!("\n    user: admin\n    password: {password}\n");
        println!("Sign in at /admin/ and change it in Users if you like: restarts keep it.");
    }
    Ok(())
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.chars().count() < 10 {
        anyhow::bail!("--password-stdin: the password must have at least 10 characters");
    }
    Ok(password)
}
