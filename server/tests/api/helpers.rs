//! `spawn_app`, [`TestApp`] and [`TestDb`]: the harness every test uses.

use aiwidget::startup::Application;
use contract::auth::{Role, UserInput};
use engine::db::entities::users;
use engine::services::auth::CurrentUser;
use engine::state::{AppState, Environment, Settings};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryFilter,
};
use secrecy::{SecretBox, SecretString};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The JWT secret every test server signs with.
pub(crate) const JWT_SECRET: &str = "test-jwt-secret-that-is-long-enough-0123";

/// The admin password every test server starts with.
pub(crate) const ADMIN_PASSWORD: &str = "test admin password";

/// A fresh database for one test: a SQLite file in a temp folder, or a new
/// PostgreSQL database on the server of `TEST_DATABASE_URL`.
pub(crate) struct TestDb {
    /// The URL the server connects to.
    pub url: String,
    /// Keeps the SQLite file's folder alive for the test.
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Makes the database (empty: the server migrates it).
    pub(crate) async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if !base.is_empty() => Self::postgres(&base).await,
            _ => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/test.db", dir.path().display());
        Self {
            url,
            _dir: Some(dir),
        }
    }

    /// A new database on the PostgreSQL server at `base`.
    pub(crate) async fn postgres(base: &str) -> Self {
        let name = format!("aiw_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(base)
            .await
            .expect("TEST_DATABASE_URL answers");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        admin.close().await.expect("close");
        let mut url = url::Url::parse(base).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        Self {
            url: url.to_string(),
            _dir: None,
        }
    }

    /// The same database, for another server (or process) to share.
    pub(crate) fn shared(&self) -> Self {
        Self {
            url: self.url.clone(),
            _dir: None,
        }
    }

    /// True when the suite runs on PostgreSQL.
    pub(crate) fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }
}

/// A running server and what tests need to talk to it.
pub(crate) struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The server's own pool (the same database the test made).
    pub db: DatabaseConnection,
    /// The server's state, for calling the engine's services as the server
    /// does (`None` for a server in another process: see [`attach`]).
    state: Option<AppState>,
    /// The database, kept alive for the test.
    pub test_db: TestDb,
    /// The built-asset folder the server serves from.
    pub site_dir: PathBuf,
    /// A client that does not follow redirects.
    pub client: reqwest::Client,
    _site: tempfile::TempDir,
}

/// Starts a server on port 0 with a fresh database.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_on(TestDb::new().await, ADMIN_PASSWORD).await
}

/// Starts a server on an existing database (a restart) with `admin_password`.
pub(crate) async fn spawn_app_on(test_db: TestDb, admin_password: &str) -> TestApp {
    spawn_configured(test_db, admin_password, |_| {}).await
}

/// Starts a server as production runs it (private upstreams refused).
pub(crate) async fn spawn_production_app() -> TestApp {
    spawn_configured(TestDb::new().await, ADMIN_PASSWORD, |settings| {
        settings.environment = Environment::Production;
        settings.allow_private_upstreams = false;
    })
    .await
}

/// Starts a server with [`settings`] changed by `configure`.
pub(crate) async fn spawn_configured(
    test_db: TestDb,
    admin_password: &str,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        aiwidget::telemetry::init();
    }
    let site = tempfile::tempdir().expect("temp dir");
    write_site(site.path());
    let mut settings = settings(&test_db.url, site.path(), admin_password);
    configure(&mut settings);
    let application = Application::build(settings)
        .await
        .expect("the server builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let state = application.state().clone();
    tokio::spawn(application.run_until(std::future::pending()));
    TestApp {
        address,
        db: state.db.clone(),
        state: Some(state),
        test_db,
        site_dir: site.path().to_owned(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        _site: site,
    }
}

/// A [`TestApp`] for a server already listening at `address` on `test_db`
/// (another process); `site_dir` is the folder it serves.
pub(crate) async fn attach(test_db: TestDb, address: String, site: tempfile::TempDir) -> TestApp {
    let db = engine::db::connect(&test_db.url).await.expect("database");
    TestApp {
        address,
        db,
        state: None,
        test_db,
        site_dir: site.path().to_owned(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        _site: site,
    }
}

/// Writes a stand-in for the built assets into `dir` (see [`spawn_app`]).
pub(crate) fn stand_in_site(dir: &Path) {
    write_site(dir);
}

/// Settings as production would have them, on a random port.
pub(crate) fn settings(database_url: &str, site_dir: &Path, admin_password: &str) -> Settings {
    Settings {
        environment: Environment::Development,
        database_url: database_url.to_owned(),
        listen_addr: "127.0.0.1:0".parse().expect("address"),
        public_url: "http://127.0.0.1".to_owned(),
        site_dir: site_dir.to_owned(),
        admin_password: SecretString::from(admin_password.to_owned()),
        jwt_secret: SecretString::from(JWT_SECRET.to_owned()),
        encryption_key: SecretBox::new(Box::new([7u8; 32])),
        encryption_key_version: 1,
        previous_encryption_key: None,
        allow_private_upstreams: true,
        ai_call: engine::llm::CallPolicy {
            first_byte: Duration::from_secs(2),
            idle: Duration::from_secs(2),
            max_retries: 2,
            max_retry_wait: Duration::from_secs(3),
            allow_private: false,
        },
        sweep_every: Duration::from_millis(100),
        metrics_token: None,
        telegram: None,
        mail: None,
    }
}

/// A stand-in for the built assets: the files a real build puts in SITE_DIR.
fn write_site(dir: &Path) {
    let widget = dir.join("widget");
    std::fs::create_dir_all(&widget).expect("widget dir");
    std::fs::write(widget.join("widget.js"), "console.log('loader');").expect("loader");
    std::fs::write(widget.join("aiwidget-widget_bg.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    std::fs::write(pkg.join("aiwidget.css"), "body{}").expect("css");
}

impl TestApp {
    /// `GET {address}{path}`.
    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// A request with any method to `{address}{path}`.
    pub(crate) async fn request(&self, method: reqwest::Method, path: &str) -> reqwest::Response {
        self.client
            .request(method, format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// Calls a dashboard server function without arguments, as the browser does.
    pub(crate) async fn call_server_fn(&self, path: &str) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .expect("request sent")
    }

    /// `POST /api/v1/admin/login` with these credentials.
    pub(crate) async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/admin/login", self.address))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("request sent")
    }

    /// A Bearer token of the seeded `admin`.
    pub(crate) async fn admin_token(&self) -> String {
        let (status, body) = json(self.login("admin", ADMIN_PASSWORD).await).await;
        assert_eq!(status, 200, "admin login: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A request with a Bearer token.
    pub(crate) fn authed(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(token)
    }

    /// The state of the server this test runs in its own process.
    pub(crate) fn state(&self) -> &AppState {
        self.state
            .as_ref()
            .expect("the server runs in the test's process")
    }

    /// The seeded `admin` as the services see a signed-in admin: for making
    /// what a test needs through the engine's services, without a login
    /// (logins are throttled per user).
    pub(crate) async fn admin(&self) -> CurrentUser {
        let row = users::Entity::find()
            .filter(users::Column::Username.eq("admin"))
            .one(&self.db)
            .await
            .expect("query")
            .expect("the seeded admin");
        engine::services::auth::user_of(&self.db, row)
            .await
            .expect("the admin as a signed-in user")
    }

    /// A user with `role`, a password, and membership of `projects`, made by
    /// the service behind `POST /api/v1/admin/users`; returns their token.
    pub(crate) async fn user_token(&self, role: &str, projects: &[uuid::Uuid]) -> String {
        let username = format!("{role}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let input = UserInput {
            username: Some(username.clone()),
            display_name: Some(format!("Test {role}")),
            password: Some("operator password".to_owned()),
            role: Some(Role::parse(role)),
            project_ids: Some(projects.to_vec()),
            ..UserInput::default()
        };
        engine::services::people::create(self.state(), &self.admin().await, &input)
            .await
            .expect("user created");
        let (status, body) = json(self.login(&username, "operator password").await).await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// `POST /api/v1/admin/projects` as `token`; the status and body.
    pub(crate) async fn create_project(
        &self,
        token: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .authed(reqwest::Method::POST, "/api/v1/admin/projects", token)
            .json(&body)
            .send()
            .await
            .expect("request sent");
        json(response).await
    }

    /// Stops the test's database handle and the server's pool with it.
    pub(crate) async fn close_database(&self) {
        self.db.clone().close().await.expect("pool closes");
    }
}

/// A request to `path` as `token` with an optional JSON body; the status
/// and the JSON answer (`null` when the body is empty or not JSON).
pub(crate) async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = app.authed(method, path, token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// The status and JSON body of a response (`null` for a `204 No Content`).
pub(crate) async fn json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    if status == 204 {
        return (status, serde_json::Value::Null);
    }
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

/// True once `condition` holds, polled every 100 ms for up to 15 s (a loaded CI machine
/// needs more than 5: it returns as soon as the condition holds).
pub(crate) async fn eventually(condition: impl Fn() -> bool) -> bool {
    for _ in 0..150 {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    condition()
}

/// Waits until the async `condition` holds, polled every 50 ms for up to
/// 15 s (it returns as soon as it holds).
///
/// # Panics
/// Naming `what`, when it never held.
pub(crate) async fn wait_until<Check, Done>(what: &str, condition: Check)
where
    Check: Fn() -> Done,
    Done: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(condition().await, "never happened: {what}");
}
