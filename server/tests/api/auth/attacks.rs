//! Attacks on the login (issue 13, "Accounts"): padded user names, many
//! addresses of one IPv6 /64, and bursts of failed logins that would each run
//! argon2 (19 MiB) at once.

use crate::helpers::{TestApp, json, spawn_app};
use axum::response::IntoResponse as _;
use contract::AppError;
use engine::services::auth;
use engine::services::passwords::HashGate;
use engine::services::throttle::LoginThrottle;
use engine::state::AppState;
use std::sync::Arc;
use std::time::Duration;

/// A failed login from `ip` (sent as the local proxy's `X-Forwarded-For`).
async fn login_from(app: &TestApp, ip: &str, username: &str) -> u16 {
    let response = app
        .client
        .post(format!("{}/api/v1/admin/login", app.address))
        .header("x-forwarded-for", ip)
        .json(&serde_json::json!({"username": username, "password": "guess"}))
        .send()
        .await
        .expect("request sent");
    response.status().as_u16()
}

/// The server's state with a login gate of one slot that never waits.
fn with_one_slot(app: &TestApp) -> AppState {
    let mut state = app.state().clone();
    state.login_throttle = Arc::new(LoginThrottle::with_gate(HashGate::new(1, Duration::ZERO)));
    state
}

/// `" admin"`, `"admin\t"`, `"ADMIN"` find `admin`, so they spend its
/// allowance: the 11th attempt is refused whatever the spelling.
#[tokio::test]
async fn padded_spellings_of_a_name_share_its_allowance() {
    // Arrange
    let app = spawn_app().await;
    let spellings = [" admin", "admin\t", "ADMIN", " Admin\n", "admin"];
    // Act: ten failures, two per spelling.
    for (attempt, name) in spellings.iter().cycle().take(10).enumerate() {
        let (status, body) = json(app.login(name, "guess").await).await;
        assert_eq!(status, 401, "attempt {} as {name:?}: {body}", attempt + 1);
    }
    // Assert
    for name in spellings {
        let (status, body) = json(app.login(name, "guess").await).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (429, Some("rate_limited")),
            "{name:?}"
        );
    }
}

/// Failed logins from `ip`, each for another name (so only the per-IP limit
/// counts), until one is refused; how many were answered `401` first.
async fn failures_until_refused(app: &TestApp, ip: &str, at_most: usize) -> usize {
    for attempt in 0..at_most {
        let status = login_from(app, ip, &format!("guess-{ip}-{attempt}")).await;
        if status == 429 {
            return attempt;
        }
        assert_eq!(status, 401, "attempt {} from {ip}", attempt + 1);
    }
    at_most
}

/// Two addresses of one IPv6 /64 share one per-IP allowance (30 in a burst,
/// then one every 2 s); an address of another /64 has its own.
#[tokio::test]
async fn ipv6_clients_of_one_64_share_the_per_ip_allowance() {
    // Arrange: spend the allowance of 2001:db8:1:1::/64 from one address.
    let app = spawn_app().await;
    let spent = failures_until_refused(&app, "2001:db8:1:1::1", 60).await;
    assert!(
        (30..60).contains(&spent),
        "{spent} failures before the limit"
    );
    // Act
    let same_64 = failures_until_refused(&app, "2001:db8:1:1:abcd::2", 10).await;
    let other_64 = login_from(&app, "2001:db8:1:2::1", "someone else").await;
    // Assert: at most what refilled meanwhile, where a fresh allowance is 30.
    assert!(
        same_64 < 10,
        "another address of the same /64: {same_64} passed"
    );
    assert_eq!(other_64, 401, "an address of another /64");
}

/// While every argon2 slot is taken, a failed login is answered `503 busy`
/// (with `Retry-After`) instead of starting one more argon2; once the slot
/// is free, logins are checked again.
#[tokio::test]
async fn failed_logins_beyond_the_slots_are_answered_busy() {
    // Arrange: the only slot held by a run that waits for the test.
    let app = spawn_app().await;
    let state = with_one_slot(&app);
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = tokio::spawn({
        let state = state.clone();
        async move {
            let hashes = state.login_throttle.hashes();
            hashes
                .run(move || {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv();
                })
                .await
        }
    });
    started_rx.await.expect("the slot is taken");
    // Act
    let busy = futures_util::future::join_all(
        ["admin", "nobody", "admin"].map(|name| auth::login(&state, name, "guess", None)),
    )
    .await;
    release_tx.send(()).expect("the holder waits");
    holder.await.expect("joined").expect("the holder ran");
    let after = auth::login(&state, "admin", "guess", None).await;
    // Assert
    for refused in busy {
        let refused = refused.expect_err("no slot was free");
        assert_eq!(
            refused,
            AppError::Busy {
                retry_after_secs: 1
            }
        );
        let response = refused.into_response();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "1");
    }
    assert_eq!(
        after.expect_err("a wrong password").code(),
        "invalid_credentials"
    );
    assert_eq!(state.login_throttle.hashes().verifications(), 1);
}

/// An unknown user costs one argon2 verification, like a known one (against
/// a fixed dummy hash), so timing does not tell which names exist.
#[tokio::test]
async fn an_unknown_user_runs_a_verification_like_a_known_one() {
    // Arrange
    let app = spawn_app().await;
    let state = with_one_slot(&app);
    let hashes = || state.login_throttle.hashes().verifications();
    // Act
    let unknown = auth::login(&state, "nobody-at-all", "guess", None).await;
    let after_unknown = hashes();
    let known = auth::login(&state, "admin", "guess", None).await;
    // Assert
    assert_eq!(unknown.expect_err("unknown").code(), "invalid_credentials");
    assert_eq!(
        known.expect_err("wrong password").code(),
        "invalid_credentials"
    );
    assert_eq!((after_unknown, hashes()), (1, 2));
}
