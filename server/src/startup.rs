//! Building and running the server: migrate, connect, repair, seed, bind.

use crate::http;
use anyhow::Context as _;
use axum::ServiceExt;
use axum::extract::Request;
use engine::mail::Mailer;
use engine::services::telegram::Telegram;
use engine::services::{maintenance, users};
use engine::state::{AppState, Settings};
use leptos::config::LeptosOptions;
use secrecy::ExposeSecret as _;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::Layer as _;
use tower_http::normalize_path::NormalizePathLayer;

/// A server that is migrated, seeded and bound, but not yet serving: tests
/// build one on port 0 and read the port before running it.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
    leptos_options: LeptosOptions,
}

impl Application {
    /// Migrates the database (under an advisory lock on PostgreSQL), connects,
    /// marks messages a crash left streaming as interrupted, applies
    /// `ADMIN_PASSWORD` (creates the first admin; resets `admin`'s password
    /// only when the value changed since the last start), and binds `LISTEN_ADDR`.
    ///
    /// # Errors
    /// Any step that fails, with what it was doing.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        engine::db::migrate(&settings.database_url)
            .await
            .context("migrating the database")?;
        let bus = engine::services::bus::Bus::default();
        let db = engine::db::connect_as(&settings.database_url, bus.instance())
            .await
            .context("connecting to the database")?;
        let released = engine::services::lease::release_dead(&db, bus.instance())
            .await
            .context("releasing the AI leases of instances that are gone")?;
        if released > 0 {
            tracing::info!(
                released,
                "AI leases of instances that are gone were released"
            );
        }
        // No stream is open yet: the events are stored, nobody to tell now.
        let (interrupted, _) = maintenance::interrupt_orphaned_streams(&db)
            .await
            .context("marking interrupted messages")?;
        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                "messages left streaming by the last run were marked interrupted"
            );
        }
        let seed = users::ensure_admin(&db, settings.admin_password.expose_secret())
            .await
            .context("seeding the admin user")?;
        match seed {
            users::AdminSeed::ChangedWithoutAdmin => tracing::warn!(
                "ADMIN_PASSWORD changed but there is no `admin` user (it was removed): nothing was reset; `aiwidget reset-admin` re-creates it"
            ),
            users::AdminSeed::PasswordChanged => tracing::warn!(
                "ADMIN_PASSWORD changed: the password of `admin` was reset and its sessions signed out"
            ),
            seed => tracing::info!(?seed, "admin user checked"),
        }
        let listener = TcpListener::bind(settings.listen_addr)
            .await
            .with_context(|| format!("binding {}", settings.listen_addr))?;
        let local_addr = listener.local_addr().context("reading the bound address")?;
        let leptos_options = leptos_options(&settings, local_addr);
        let allow_private = settings.allows_private_upstreams();
        let http = engine::services::upstream::http_client(allow_private)?;
        let llm = Arc::new(engine::llm::OpenAiProvider::new(
            http.clone(),
            engine::llm::CallPolicy {
                allow_private,
                ..settings.ai_call
            },
        ));
        let telegram = settings
            .telegram
            .as_ref()
            .map(|telegram| Arc::new(Telegram::new(telegram, &settings.jwt_secret)));
        let mailer = settings
            .mail
            .as_ref()
            .map(Mailer::new)
            .transpose()
            .map_err(anyhow::Error::msg)?
            .map(Arc::new);
        let state = AppState {
            db,
            settings: Arc::new(settings),
            http,
            flood_guard: Arc::default(),
            login_throttle: Arc::default(),
            hub: Arc::default(),
            llm,
            relay: Arc::default(),
            origin_cache: Arc::default(),
            typing_throttle: Arc::default(),
            bus: Arc::new(bus),
            presence: Arc::default(),
            knowledge_wake: Arc::default(),
            retrieval: Arc::default(),
            telegram,
            mailer,
            shutdown: tokio_util::sync::CancellationToken::new(),
            sweeps: tokio_util::task::TaskTracker::new(),
        };
        Ok(Self {
            listener,
            state,
            leptos_options,
        })
    }

    /// The port actually bound (useful with `LISTEN_ADDR=127.0.0.1:0`).
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|addr| addr.port())
            .unwrap_or(0)
    }

    /// The state handlers share (tests reach the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves (and sweeps handoff deadlines) until `shutdown` completes,
    /// then finishes requests in flight.
    ///
    /// # Errors
    /// An I/O error of the listener.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        engine::workers::start(&self.state);
        let stop = self.state.shutdown.clone();
        let relay = self.state.relay.clone();
        let sweeps = self.state.sweeps.clone();
        let router = http::router(self.state, self.leptos_options);
        // Event streams never end on their own: end them first, so that the
        // graceful shutdown can finish (clients reconnect to another instance).
        let shutdown = async move {
            shutdown.await;
            stop.cancel();
            relay.cancel_all();
        };
        // `/admin/` and `/admin` are one page; so are API paths with a trailing slash.
        let service = NormalizePathLayer::trim_trailing_slash().layer(router);
        axum::serve(
            self.listener,
            ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        // A sweep in progress finishes its transaction before the process ends.
        sweeps.close();
        if tokio::time::timeout(SWEEPS_FINISH, sweeps.wait())
            .await
            .is_err()
        {
            tracing::warn!("a sweep was still running at shutdown; it was cut short");
        }
        Ok(())
    }
}

/// How long the shutdown waits for a sweep in progress.
const SWEEPS_FINISH: std::time::Duration = std::time::Duration::from_secs(10);

fn leptos_options(settings: &Settings, site_addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("aiwidget")
        .site_root(settings.site_dir.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(site_addr)
        .build()
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
