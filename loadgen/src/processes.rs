//! The processes a row measures: the aiwidget server binary and the fake
//! OpenAI, started as `tests/fuzz/run.sh` starts them, killed when dropped.

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// What every instance of one row's server shares: the binary, the database
/// and the secrets (a second instance or a restart must read the same data).
#[derive(Debug, Clone)]
pub(crate) struct ServerEnv {
    /// The `aiwidget` binary.
    pub(crate) bin: PathBuf,
    /// `DATABASE_URL`.
    pub(crate) database_url: String,
    /// `SITE_DIR` (the built dashboard and widget; may be absent).
    pub(crate) site_dir: PathBuf,
    /// The working directory (logs, `DATA_DIR`).
    pub(crate) work: PathBuf,
    /// `ADMIN_PASSWORD`.
    pub(crate) password: String,
    jwt_secret: String,
    encryption_key: String,
}

impl ServerEnv {
    /// Fresh secrets for a new database.
    ///
    /// # Errors
    /// When no random bytes can be read.
    pub(crate) fn new(
        bin: &Path,
        database_url: &str,
        site_dir: &Path,
        work: &Path,
    ) -> Result<Self> {
        let base64 = base64::engine::general_purpose::STANDARD;
        // Absolute: the server runs in `work`, where relative paths would not resolve.
        let absolute = |path: &Path| std::path::absolute(path).context("an absolute path");
        Ok(Self {
            bin: absolute(bin)?,
            database_url: database_url.to_owned(),
            site_dir: absolute(site_dir)?,
            work: work.to_owned(),
            password: crate::system::random_hex(12)?,
            jwt_secret: base64.encode(crate::system::random_bytes(48)?),
            encryption_key: base64.encode(crate::system::random_bytes(32)?),
        })
    }
}

/// A running `aiwidget serve`.
#[derive(Debug)]
pub(crate) struct Server {
    child: Child,
    /// Its process id, for `/proc/<pid>/status`.
    pub(crate) pid: u32,
    /// `http://127.0.0.1:<port>`.
    pub(crate) base: String,
    /// From the spawn to the first `200` on `/health`.
    pub(crate) ready_in: Duration,
}

impl Server {
    /// Starts an instance on a free port and waits (up to 60 s) for the first
    /// `200` on `/health`, polled every 2 ms.
    ///
    /// # Errors
    /// When it cannot be spawned, exits, or never answers.
    pub(crate) async fn start(env: &ServerEnv, name: &str) -> Result<Self> {
        let port = crate::system::free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        let log_path = env.work.join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path).context("creating the server's log")?;
        let started = Instant::now();
        let mut child = Command::new(&env.bin)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .env("DATABASE_URL", &env.database_url)
            .env("DATA_DIR", env.work.join("data"))
            .env("ADMIN_PASSWORD", &env.password)
            .env("JWT_SECRET", &env.jwt_secret)
            .env("ENCRYPTION_KEY", &env.encryption_key)
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("PUBLIC_URL", &base)
            .env("SITE_DIR", &env.site_dir)
            .env("ALLOW_PRIVATE_UPSTREAMS", "true")
            .env("RUST_LOG", "warn")
            .current_dir(&env.work)
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("duplicating the log")?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", env.bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let probe = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .context("building the /health client")?;
        let health = format!("{base}/health");
        loop {
            if let Ok(answer) = probe.get(&health).send().await
                && answer.status().is_success()
            {
                break;
            }
            if let Some(status) = child.try_wait().context("polling the server")? {
                bail!("{name} exited ({status}): {}", tail(&log_path));
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("{name} did not answer /health in 60 s: {}", tail(&log_path));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(Self {
            child,
            pid,
            base,
            ready_in: started.elapsed(),
        })
    }

    /// Resident memory now, in KiB.
    ///
    /// # Errors
    /// When `/proc` cannot be read.
    pub(crate) fn rss_kib(&self) -> Result<u64> {
        crate::system::rss_kib(self.pid)
    }

    /// Stops it as a service manager would: SIGTERM, then SIGKILL after 10 s.
    ///
    /// # Errors
    /// When it cannot be signalled or waited for.
    pub(crate) async fn stop(mut self) -> Result<()> {
        let pid = Pid::from_raw(i32::try_from(self.pid).context("a pid beyond i32")?);
        kill(pid, Signal::SIGTERM).context("sending SIGTERM")?;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            self.child.kill().await.context("killing the server")?;
        }
        Ok(())
    }
}

/// The last lines of a log, for an error message.
pub(crate) fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// A running `fake-openai`.
#[derive(Debug)]
pub(crate) struct Fake {
    _child: Child,
    /// `http://127.0.0.1:<port>/v1`.
    pub(crate) base_url: String,
}

/// The key the fake accepts.
pub(crate) const FAKE_KEY: &str = "sk-test-valid-key-0000";

impl Fake {
    /// Starts the fake; `delta_ms` is the pause between its words
    /// (`FAKE_OPENAI_DELTA_MS`), 0 to answer at once.
    ///
    /// # Errors
    /// When it cannot be spawned or prints no URL within 10 s.
    pub(crate) async fn start(bin: &Path, delta_ms: u64) -> Result<Self> {
        let mut child = Command::new(bin)
            .env("FAKE_OPENAI_DELTA_MS", delta_ms.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().context("the fake's stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .context("the fake printed no URL in 10 s")?
            .context("reading the fake's URL")?
            .context("the fake exited before printing its URL")?;
        Ok(Self {
            _child: child,
            base_url: line.trim().to_owned(),
        })
    }
}
