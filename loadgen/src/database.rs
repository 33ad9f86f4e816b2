//! The database a server runs on: a temp SQLite file, or a fresh PostgreSQL
//! database created (and dropped at the end) with `psql` on the server named
//! by `--database postgres://…`.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// Which engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Engine {
    /// A file next to the run's other temp files.
    Sqlite,
    /// A database of its own on a PostgreSQL server.
    Postgres,
}

impl Engine {
    /// The table's column name.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// A database for one row's servers; a PostgreSQL one is dropped with it.
#[derive(Debug)]
pub(crate) struct Database {
    /// Which engine.
    pub(crate) engine: Engine,
    /// What the servers get as `DATABASE_URL`.
    pub(crate) url: String,
    /// For PostgreSQL: the URL `psql` connects to for the drop, and the name.
    created: Option<(String, String)>,
}

impl Database {
    /// `spec` is `sqlite` or a `postgres://` URL naming a server (its path, a
    /// database to connect to for `CREATE DATABASE`, e.g. `/postgres`).
    ///
    /// # Errors
    /// An unknown spec, or `psql` failing to create the database.
    pub(crate) fn create(spec: &str, dir: &Path) -> Result<Self> {
        if spec == "sqlite" {
            let file = dir.join(format!("loadgen-{}.db", crate::system::random_hex(6)?));
            return Ok(Self {
                engine: Engine::Sqlite,
                url: format!("sqlite://{}?mode=rwc", file.display()),
                created: None,
            });
        }
        let mut url = url::Url::parse(spec).with_context(|| format!("--database {spec}"))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            bail!("--database takes `sqlite` or a postgres:// URL, not {spec}");
        }
        let admin = url.to_string();
        let name = format!("loadgen_{}", crate::system::random_hex(6)?);
        psql(&admin, &format!("CREATE DATABASE {name}"))?;
        url.set_path(&name);
        Ok(Self {
            engine: Engine::Postgres,
            url: url.to_string(),
            created: Some((admin, name)),
        })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.created
            && let Err(err) = psql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
        {
            eprintln!("loadgen: could not drop database {name}: {err:#}");
        }
    }
}

fn psql(url: &str, sql: &str) -> Result<()> {
    let output = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql])
        .output()
        .context("running psql (is the PostgreSQL client installed?)")?;
    if !output.status.success() {
        bail!(
            "psql: {sql}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
