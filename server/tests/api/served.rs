//! `aiwidget serve` in a process of its own, as systemd runs it: for what
//! an in-process server cannot show (its own metrics, its log, being killed
//! and started again on the same database).

use crate::helpers::{ADMIN_PASSWORD, JWT_SECRET, TestApp, TestDb, attach, stand_in_site};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `ENCRYPTION_KEY` of [7; 32], as the in-process servers have it.
pub(crate) const ENCRYPTION_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

/// The binary with the environment of a small production-like install
/// (private upstreams allowed: the fake provider listens on loopback).
pub(crate) fn aiwidget(site: &Path, database_url: &str, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aiwidget"));
    command
        .arg("serve")
        .current_dir(site)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("JWT_SECRET", JWT_SECRET)
        .env("ENCRYPTION_KEY", ENCRYPTION_KEY)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("SITE_DIR", site)
        .env("ALLOW_PRIVATE_UPSTREAMS", "true")
        .stdout(Stdio::null());
    command
}

/// A child process, killed (and waited for) when dropped.
pub(crate) struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A served process on a port of its own; its stderr goes to `log`.
pub(crate) struct Served {
    pub app: TestApp,
    pub log: PathBuf,
    child: Option<Running>,
    port: u16,
    configure: fn(&mut Command),
}

impl Served {
    /// Serves `test_db` with the usual environment.
    pub(crate) async fn start(test_db: &TestDb) -> Self {
        Self::start_with(test_db, |_| {}).await
    }

    /// Serves `test_db` with the environment changed by `configure`.
    pub(crate) async fn start_with(test_db: &TestDb, configure: fn(&mut Command)) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let site = tempfile::tempdir().expect("site dir");
        stand_in_site(site.path());
        let log = site.path().join("stderr.log");
        let address = format!("http://127.0.0.1:{port}");
        let app = attach(test_db.shared(), address, site).await;
        let mut served = Self {
            app,
            log,
            child: None,
            port,
            configure,
        };
        served.spawn().await;
        served
    }

    /// Starts the process (again, on the same port, site and database) and
    /// waits for its first `200` on `/health`.
    async fn spawn(&mut self) {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let mut command = aiwidget(&self.app.site_dir, &self.app.test_db.url, self.port);
        (self.configure)(&mut command);
        self.child = Some(Running(
            command.stderr(stderr).spawn().expect("aiwidget starts"),
        ));
        for _ in 0..400 {
            if self
                .app
                .client
                .get(format!("{}/health", self.app.address))
                .send()
                .await
                .is_ok_and(|response| response.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        panic!(
            "aiwidget on port {} did not answer /health: {log}",
            self.port
        );
    }

    /// Kills the process with SIGKILL (no shutdown of any kind) and starts
    /// it again at once.
    pub(crate) async fn kill_and_restart(&mut self) {
        if let Some(mut running) = self.child.take() {
            running.0.kill().expect("SIGKILL sent");
            running.0.wait().expect("reaped");
        }
        self.spawn().await;
    }
}
