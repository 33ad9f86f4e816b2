//! The LiteLLM proxy in front of the same fake upstream: the well-known
//! alternative for the relay rows. Configured with a YAML file (one model,
//! `openai/gpt-4o-mini` at the fake's base URL) rather than command-line
//! flags, which change between LiteLLM versions.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// The key clients present to the proxy.
pub(crate) const PROXY_KEY: &str = "sk-loadgen-master";

/// A running `litellm` proxy.
#[derive(Debug)]
pub(crate) struct Proxy {
    _child: Child,
    /// `http://127.0.0.1:<port>/v1`.
    pub(crate) base_url: String,
    /// The installed `litellm` package's version.
    pub(crate) version: String,
}

/// `--litellm PATH`, else the venv that `docs/PERFORMANCE.md` installs.
pub(crate) fn find(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = given {
        return Some(path.to_owned());
    }
    let home = std::env::var_os("HOME")?;
    let path = Path::new(&home).join(".cache/aiwidget-ci/litellm/bin/litellm");
    path.is_file().then_some(path)
}

impl Proxy {
    /// Starts the proxy on a free port and waits (up to 180 s: it imports a
    /// lot) for its liveliness probe.
    ///
    /// # Errors
    /// When it cannot start or never answers.
    pub(crate) async fn start(bin: &Path, upstream: &str, work: &Path) -> Result<Self> {
        let port = crate::system::free_port()?;
        let config = work.join("litellm.yaml");
        std::fs::write(
            &config,
            format!(
                "model_list:\n  - model_name: gpt-4o-mini\n    litellm_params:\n      \
                 model: openai/gpt-4o-mini\n      api_base: {upstream}\n      api_key: {}\n\
                 general_settings:\n  master_key: {PROXY_KEY}\n\
                 litellm_settings:\n  telemetry: false\n  drop_params: true\n",
                crate::processes::FAKE_KEY
            ),
        )
        .context("writing litellm.yaml")?;
        let log =
            std::fs::File::create(work.join("litellm.log")).context("creating litellm.log")?;
        let child = Command::new(bin)
            .args(["--config", &config.to_string_lossy(), "--host", "127.0.0.1"])
            .args(["--port", &port.to_string()])
            .env("LITELLM_LOG", "ERROR")
            .env("LITELLM_TELEMETRY", "False")
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("duplicating the log")?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let base = format!("http://127.0.0.1:{port}");
        let probe = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(answer) = probe.get(format!("{base}/health/liveliness")).send().await
                && answer.status().is_success()
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(180) {
                bail!(
                    "LiteLLM did not answer in 180 s (see {})",
                    work.join("litellm.log").display()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(Self {
            _child: child,
            base_url: format!("{base}/v1"),
            version: version(bin).await,
        })
    }
}

/// The version pip installed, from the Python beside the `litellm` script.
async fn version(bin: &Path) -> String {
    let python = bin.with_file_name("python");
    let output = Command::new(python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('litellm'))",
        ])
        .output()
        .await;
    match output {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        }
        _ => "unknown version".to_owned(),
    }
}
