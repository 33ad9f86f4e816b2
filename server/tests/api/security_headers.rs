//! Security headers and the session cookie's name (issue 13, "Accounts"):
//! the dashboard cannot be framed and runs only its own scripts, the widget
//! stays embeddable anywhere, HSTS comes with https only, and an https
//! deployment takes only the `__Host-` cookie.

use crate::fixtures;
use crate::helpers::{ADMIN_PASSWORD, TestApp, TestDb, json, spawn_app, spawn_configured};
use crate::widget_client::ORIGIN;
use reqwest::Method;
use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};

/// A server whose `PUBLIC_URL` is `public_url`.
async fn spawn_at(public_url: &'static str) -> TestApp {
    spawn_configured(TestDb::new().await, ADMIN_PASSWORD, |settings| {
        settings.public_url = public_url.to_owned();
    })
    .await
}

/// The `nonce-…` source of a Content-Security-Policy.
fn policy_nonce(policy: &str) -> &str {
    policy
        .split(['\'', ' ', ';'])
        .find_map(|source| source.strip_prefix("nonce-"))
        .unwrap_or_else(|| panic!("no nonce in the policy: {policy}"))
}

/// Every `nonce="…"` of a page, in order.
fn page_nonces(html: &str) -> Vec<&str> {
    html.split("nonce=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// The value of a header, or "".
fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// The dashboard's pages cannot be framed, load only their own resources,
/// and run only the inline scripts carrying this response's nonce; a second
/// response has another nonce.
#[tokio::test]
async fn dashboard_pages_carry_a_csp_whose_nonce_is_on_their_scripts() {
    // Arrange
    let app = spawn_app().await;
    let mut nonces = Vec::new();
    for path in ["/admin/login", "/admin/login"] {
        // Act
        let response = app.get(path).await;
        // Assert
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(header(&headers, "x-frame-options"), "DENY");
        assert_eq!(header(&headers, "referrer-policy"), "same-origin");
        let policy = header(&headers, "content-security-policy").to_owned();
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "style-src 'self'",
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'self'",
        ] {
            assert!(policy.contains(directive), "{directive}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let script_src = policy
            .split(';')
            .map(str::trim)
            .find(|directive| directive.starts_with("script-src"))
            .unwrap_or_else(|| panic!("no script-src: {policy}"));
        assert!(script_src.contains("'self'") && script_src.contains("'wasm-unsafe-eval'"));
        let nonce = policy_nonce(&policy).to_owned();
        let html = response.text().await.expect("body");
        let on_page = page_nonces(&html);
        assert!(!on_page.is_empty(), "no script carries a nonce: {html}");
        assert!(
            on_page.iter().all(|n| *n == nonce),
            "{nonce} vs {on_page:?}"
        );
        let inline_scripts = html.matches("<script").count();
        let nonced_scripts = html.matches("<script nonce=").count()
            + html.matches("<script type=\"module\" nonce=").count();
        assert_eq!(
            inline_scripts, nonced_scripts,
            "a script without nonce: {html}"
        );
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "the nonce is per response");
}

/// HSTS comes only from a deployment whose `PUBLIC_URL` is https.
#[tokio::test]
async fn hsts_is_sent_only_with_an_https_public_url() {
    // Arrange
    let https = spawn_at("https://chat.example.com").await;
    let http = spawn_at("http://chat.example.com").await;
    for path in ["/admin/login", "/health", "/widget/widget.js"] {
        // Act
        let secure = https.get(path).await;
        let plain = http.get(path).await;
        // Assert
        assert_eq!(
            header(secure.headers(), "strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
        assert!(
            plain.headers().get("strict-transport-security").is_none(),
            "{path}"
        );
        assert_eq!(header(plain.headers(), "referrer-policy"), "same-origin");
    }
}

/// The widget's files and API answers may be framed and used anywhere: no
/// X-Frame-Options and no Content-Security-Policy on them.
#[tokio::test]
async fn widget_files_and_api_carry_no_frame_blocking_headers() {
    // Arrange
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let config = app
        .client
        .get(format!(
            "{}/api/v1/widget/config?project_id={project}",
            app.address
        ))
        .header("origin", ORIGIN)
        .send()
        .await
        .expect("sent");
    // Act
    let answers = [
        ("config", config),
        ("loader", app.get("/widget/widget.js").await),
        ("wasm", app.get("/widget/aiwidget-widget_bg.wasm").await),
    ];
    // Assert
    for (what, response) in answers {
        assert_eq!(response.status(), 200, "{what}");
        for name in ["x-frame-options", "content-security-policy"] {
            assert!(response.headers().get(name).is_none(), "{what}: {name}");
        }
    }
}

/// `GET /api/v1/admin/me` with only this cookie: the status.
async fn me_with_cookie(app: &TestApp, cookie: &str) -> u16 {
    let response = app
        .client
        .get(format!("{}/api/v1/admin/me", app.address))
        .header(COOKIE, cookie)
        .send()
        .await
        .expect("sent");
    response.status().as_u16()
}

/// On https only the `__Host-` cookie counts (a sibling subdomain or a plain
/// http page can plant an unprefixed one); on plain http the unprefixed
/// cookie is the session.
#[tokio::test]
async fn the_unprefixed_cookie_is_refused_on_https_and_accepted_on_http() {
    // Arrange
    let https = spawn_at("https://chat.example.com").await;
    let http = spawn_at("http://chat.example.com").await;
    let https_token = https.admin_token().await;
    let http_token = http.admin_token().await;
    // Act
    let planted = me_with_cookie(&https, &format!("aiw_session={https_token}")).await;
    let prefixed = me_with_cookie(&https, &format!("__Host-aiw_session={https_token}")).await;
    let plain = me_with_cookie(&http, &format!("aiw_session={http_token}")).await;
    // Assert
    assert_eq!(planted, 401, "the unprefixed cookie on https");
    assert_eq!(prefixed, 200, "the __Host- cookie on https");
    assert_eq!(plain, 200, "the unprefixed cookie on plain http");
}

/// Logout removes both cookies, the `__Host-` one with `Secure` (browsers
/// ignore a `__Host-` removal without it).
#[tokio::test]
async fn logout_removes_the_host_cookie_with_secure() {
    // Arrange
    let app = spawn_at("https://chat.example.com").await;
    let token = app.admin_token().await;
    // Act
    let response = app
        .authed(Method::POST, "/api/v1/admin/logout", &token)
        .send()
        .await
        .expect("sent");
    // Assert
    assert_eq!(response.status(), 204);
    let removals: Vec<&str> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    let host = removals
        .iter()
        .find(|cookie| cookie.starts_with("__Host-aiw_session="))
        .unwrap_or_else(|| panic!("no __Host- removal: {removals:?}"));
    for attribute in ["Secure", "Path=/", "Max-Age=0"] {
        assert!(host.contains(attribute), "{attribute}: {host}");
    }
    assert!(
        removals.iter().any(|c| c.starts_with("aiw_session=")),
        "{removals:?}"
    );
    let (status, _) = json(
        app.authed(Method::GET, "/api/v1/admin/me", &token)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 401);
}
