//! Admin login, sessions, logout and throttling (`docs/architecture.md`, "Security").

mod attacks;

use crate::helpers::{ADMIN_PASSWORD, TestDb, json, spawn_app, spawn_app_on};
use reqwest::Method;
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};

/// `admin` logs in with ADMIN_PASSWORD: a token, the user, and the cookie.
#[tokio::test]
async fn admin_logs_in_with_admin_password() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.login("admin", ADMIN_PASSWORD).await;
    // Assert
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .expect("ascii")
        .to_owned();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["user"]["role"], "admin");
    assert!(
        body["token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(cookie.starts_with("__Host-aiw_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
}

/// The token works as a Bearer and the cookie works for the dashboard.
#[tokio::test]
async fn me_answers_with_a_bearer_token_or_the_session_cookie() {
    let app = spawn_app().await;
    let response = app.login("admin", ADMIN_PASSWORD).await;
    let cookie = response.headers()[SET_COOKIE].to_str().expect("ascii");
    let cookie = cookie.split(';').next().expect("name=value").to_owned();
    let token = json(response).await.1["token"]
        .as_str()
        .expect("token")
        .to_owned();

    let by_bearer = app
        .authed(Method::GET, "/api/v1/admin/me", &token)
        .send()
        .await;
    let (status, body) = json(by_bearer.expect("sent")).await;
    assert_eq!((status, body["username"].as_str()), (200, Some("admin")));

    let by_cookie = app
        .client
        .get(format!("{}/api/v1/admin/me", app.address))
        .header(COOKIE, cookie)
        .send()
        .await
        .expect("sent");
    let (status, body) = json(by_cookie).await;
    assert_eq!((status, body["username"].as_str()), (200, Some("admin")));
}

/// Wrong passwords and unknown users get the same answer.
#[tokio::test]
async fn wrong_credentials_get_401_invalid_credentials() {
    let app = spawn_app().await;
    for (username, password) in [("admin", "wrong password"), ("nobody", ADMIN_PASSWORD)] {
        let (status, body) = json(app.login(username, password).await).await;
        assert_eq!(status, 401, "{username}");
        assert_eq!(body["error"], "invalid_credentials", "{username}");
    }
}

/// Missing or absurd fields are refused before any password is checked.
#[tokio::test]
async fn login_validates_its_fields() {
    let app = spawn_app().await;
    let long = "x".repeat(65);
    for (username, password, why) in [
        ("", "x", "empty username"),
        ("admin", "", "empty password"),
        (long.as_str(), "x", "username over 64 characters"),
    ] {
        let (status, body) = json(app.login(username, password).await).await;
        assert_eq!(status, 400, "{why}");
        assert_eq!(body["error"], "validation_failed", "{why}");
    }
}

/// Repeated attempts for one user are throttled, with the time to wait.
#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after() {
    let app = spawn_app().await;
    for attempt in 1..=10 {
        let (status, _) = json(app.login("admin", "guess").await).await;
        assert_eq!(status, 401, "attempt {attempt}");
    }
    let response = app.login("admin", "guess").await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    let (status, body) = json(response).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"], "rate_limited");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Even the right password waits: the limit is on attempts.
    let (status, _) = json(app.login("admin", ADMIN_PASSWORD).await).await;
    assert_eq!(status, 429);
}

/// Logout revokes every session of the user.
#[tokio::test]
async fn logout_revokes_the_session() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let other_session = app.admin_token().await;
    let response = app
        .authed(Method::POST, "/api/v1/admin/logout", &token)
        .send()
        .await;
    assert_eq!(response.expect("sent").status(), 204);
    for session in [token, other_session] {
        let response = app
            .authed(Method::GET, "/api/v1/admin/me", &session)
            .send()
            .await;
        let (status, body) = json(response.expect("sent")).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"], "invalid_token");
    }
}

/// A cookie-authenticated write from another origin is refused; from the
/// dashboard's own origin it passes.
#[tokio::test]
async fn cookie_writes_must_come_from_the_public_origin() {
    let app = spawn_app().await;
    let response = app.login("admin", ADMIN_PASSWORD).await;
    let cookie = response.headers()[SET_COOKIE].to_str().expect("ascii");
    let cookie = cookie.split(';').next().expect("name=value").to_owned();
    let logout = |origin: Option<&'static str>| {
        let mut request = app
            .client
            .post(format!("{}/api/v1/admin/logout", app.address))
            .header(COOKIE, cookie.clone());
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        request.send()
    };
    for origin in [Some("https://evil.example"), None] {
        let (status, body) = json(logout(origin).await.expect("sent")).await;
        assert_eq!(status, 403, "{origin:?}");
        assert_eq!(body["error"], "origin_mismatch", "{origin:?}");
    }
    let response = logout(Some("http://127.0.0.1")).await.expect("sent");
    assert_eq!(response.status(), 204);
}

/// Without credentials, or with garbage, the admin API answers 401.
#[tokio::test]
async fn me_without_a_valid_session_is_401() {
    let app = spawn_app().await;
    let (status, body) = json(app.get("/api/v1/admin/me").await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_token"))
    );
    let response = app
        .authed(Method::GET, "/api/v1/admin/me", "not.a.jwt")
        .send()
        .await;
    assert_eq!(response.expect("sent").status(), 401);
}

/// A token signed with the right secret but for visitors is not an admin session.
#[tokio::test]
async fn a_visitor_audience_token_is_refused_as_an_admin_token() {
    // Arrange: a well-signed token that claims the admin's id, audience visitor.
    let app = spawn_app().await;
    let admin = json(app.login("admin", ADMIN_PASSWORD).await).await.1["user"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "sub": admin, "aud": "aiwidget:visitor", "iat": now, "exp": now + 600, "tv": 0
    });
    let secret = crate::helpers::JWT_SECRET.as_bytes();
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("signed");
    // Act
    let response = app
        .authed(Method::GET, "/api/v1/admin/me", &forged)
        .send()
        .await;
    // Assert
    assert_eq!(response.expect("sent").status(), 401);
}

/// Changing ADMIN_PASSWORD and restarting signs out the old sessions.
#[tokio::test]
async fn a_new_admin_password_revokes_old_sessions() {
    let before = spawn_app_on(TestDb::new().await, ADMIN_PASSWORD).await;
    let token = before.admin_token().await;
    let after = spawn_app_on(before.test_db, "the new admin password").await;
    let response = after
        .authed(Method::GET, "/api/v1/admin/me", &token)
        .send()
        .await;
    assert_eq!(response.expect("sent").status(), 401);
    let (status, _) = json(after.login("admin", "the new admin password").await).await;
    assert_eq!(status, 200);
}
