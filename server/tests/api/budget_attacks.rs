//! Attacks on the site owner's money, tried as an attacker would: many
//! visitors behind one address, requests sent all at once, concurrent AI
//! calls racing for the last of the daily tokens, a budget spent while the
//! visitor keeps writing. The counts must stay within the limits on both
//! databases.

use crate::helpers::{TestApp, json as read_json};
use crate::widget_client::{ORIGIN, Widget, shop};
use engine::db::entities::{conversations, messages, usage_daily};
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;

/// `POST path` from the widget's origin as the client at `ip` (the local
/// proxy's `X-Forwarded-For`, as nginx sends it).
async fn post_from(
    app: &TestApp,
    ip: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .header("origin", ORIGIN)
        .header("x-forwarded-for", ip)
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    read_json(request.send().await.expect("sent")).await
}

/// A new visitor's token, opened from `ip`.
async fn visitor_from(app: &TestApp, project_id: &str, ip: &str) -> String {
    let (status, session) = post_from(
        app,
        ip,
        "/api/v1/widget/session",
        None,
        json!({"project_id": project_id}),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    session["visitor_token"].as_str().expect("token").to_owned()
}

async fn visitor_messages(app: &TestApp) -> u64 {
    messages::Entity::find()
        .filter(messages::Column::Role.eq("visitor"))
        .count(&app.db)
        .await
        .expect("count")
}

/// Ten visitors behind one address, each within their own limit, write at
/// once: only `messages_per_ip_per_minute` of their messages are stored,
/// and a visitor at another address is not affected.
#[tokio::test]
async fn many_visitors_behind_one_address_share_its_message_limit() {
    // Arrange
    let (app, _fake, id) =
        shop(json!({"limits": {"messages_per_ip_per_minute": 5, "messages_per_minute": 10}})).await;
    let attacker = "198.51.100.7";
    let mut tokens = Vec::new();
    for _ in 0..10 {
        tokens.push(visitor_from(&app, &id, attacker).await);
    }

    // Act
    let sends = tokens.iter().map(|token| {
        post_from(
            &app,
            attacker,
            "/api/v1/widget/messages",
            Some(token),
            json!({"text": "Сколько стоит доставка?"}),
        )
    });
    let statuses: Vec<u16> = join_all(sends).await.into_iter().map(|(s, _)| s).collect();
    let bystander = visitor_from(&app, &id, "203.0.113.50").await;
    let (bystander_status, _) = post_from(
        &app,
        "203.0.113.50",
        "/api/v1/widget/messages",
        Some(&bystander),
        json!({"text": "Здравствуйте"}),
    )
    .await;

    // Assert
    let accepted = statuses.iter().filter(|status| **status == 202).count();
    let refused = statuses.iter().filter(|status| **status == 429).count();
    assert_eq!((accepted, refused), (5, 5), "{statuses:?}");
    assert_eq!(
        bystander_status, 202,
        "another address has its own allowance"
    );
    assert_eq!(visitor_messages(&app).await, 6);
}

/// Twelve sessions from one address at once, with room for three new
/// conversations an hour: three are opened, nine refused, on PostgreSQL too
/// (where the check once raced: every concurrent session passed it).
#[tokio::test]
async fn concurrent_sessions_from_one_address_stay_within_the_hourly_limit() {
    // Arrange
    let (app, _fake, id) = shop(json!({"limits": {"conversations_per_hour": 3}})).await;
    // Act
    let sessions = (0..12).map(|_| {
        post_from(
            &app,
            "198.51.100.8",
            "/api/v1/widget/session",
            None,
            json!({"project_id": id}),
        )
    });
    let statuses: Vec<u16> = join_all(sessions)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();

    // Assert
    let opened = statuses.iter().filter(|status| **status == 200).count();
    let refused = statuses.iter().filter(|status| **status == 429).count();
    assert_eq!((opened, refused), (3, 9), "{statuses:?}");
    let stored = conversations::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 3);
}

/// IPv6 visitors are one client per /64: new addresses of one network do
/// not get new allowances.
#[tokio::test]
async fn an_ipv6_network_is_one_address_for_the_limits() {
    let (app, _fake, id) = shop(json!({"limits": {"conversations_per_hour": 2}})).await;
    visitor_from(&app, &id, "2001:db8:7:7::1").await;
    visitor_from(&app, &id, "2001:db8:7:7::2").await;
    let (status, body) = post_from(
        &app,
        "2001:db8:7:7:abcd::3",
        "/api/v1/widget/session",
        None,
        json!({"project_id": id}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("rate_limited"))
    );
    visitor_from(&app, &id, "2001:db8:7:8::1").await;
}

/// Six visitors ask at once while today's token budget has room for two
/// answers at their cap: the tokens are reserved before each call, so only
/// two calls reach the provider (counting at the end let all six through).
#[tokio::test]
async fn concurrent_answers_cannot_overspend_the_token_budget() {
    // Arrange
    let (app, fake, id) =
        shop(json!({"limits": {"daily_ai_tokens": 5000, "max_output_tokens": 2000}})).await;
    fake.set_delta_delay(Duration::from_millis(300));
    let mut widgets = Vec::new();
    for n in 0..6 {
        let ip = format!("203.0.113.{}", 10 + n);
        widgets.push((ip.clone(), visitor_from(&app, &id, &ip).await));
    }

    // Act
    let sends = widgets.iter().map(|(ip, token)| {
        post_from(
            &app,
            ip,
            "/api/v1/widget/messages",
            Some(token),
            json!({"text": "Какие у вас часы работы?"}),
        )
    });
    for (status, body) in join_all(sends).await {
        assert_eq!(status, 202, "{body}");
    }
    let answered = crate::helpers::eventually(|| fake.completed_streams() >= 2).await;
    // Every run has ended (answered, or told the budget is spent) once no
    // conversation holds an AI lease.
    let db = app.db.clone();
    let settled = async {
        loop {
            let leased = conversations::Entity::find()
                .filter(conversations::Column::AiLeaseOwner.is_not_null())
                .count(&db)
                .await
                .expect("count");
            if leased == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), settled)
        .await
        .expect("every run ended");

    // Assert
    assert!(answered, "two answers were streamed");
    assert_eq!(
        fake.requests().len(),
        2,
        "two calls fit the reserved budget"
    );
    let usage = usage_daily::Entity::find()
        .all(&app.db)
        .await
        .expect("usage");
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].ai_messages, 2);
    assert!(
        (1..=5000).contains(&usage[0].ai_tokens),
        "settled to what was used: {}",
        usage[0].ai_tokens
    );
}

/// The cap on each answer reaches the provider in both styles.
#[tokio::test]
async fn the_cap_on_each_answer_is_sent_to_the_provider() {
    for (style, field) in [
        ("responses", "max_output_tokens"),
        ("chat_completions", "max_tokens"),
    ] {
        let (app, fake, id) =
            shop(json!({"api_style": style, "limits": {"max_output_tokens": 321}})).await;
        let widget = Widget::open(&app, &id).await;
        let mut events = widget.events(None).await;
        widget.send("Привет").await;
        events.until_answer().await;
        let requests = fake.requests();
        let body = requests[0].body.as_ref().expect("a JSON body");
        assert_eq!(body[field], 321, "{style}: {body}");
    }
}

/// Once the budget is spent, a visitor who keeps writing is told once and
/// the sweep does not restart the AI for them (it did every 10 s for an hour).
#[tokio::test]
async fn a_spent_budget_is_not_restarted_by_the_sweep() {
    // Arrange
    let (app, fake, id) = shop(json!({"limits": {"daily_ai_messages": 1}})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    widget.send("Первый").await;
    events.until_answer().await;
    widget.send("Второй").await;
    events.until_answer().await;
    widget.send("Третий").await;
    events
        .until(|f| f.event == "typing" && f.data["active"] == false)
        .await;
    // The visitor wrote last, long enough ago for the sweep to look at it.
    let past = chrono::Utc::now() - chrono::Duration::minutes(2);
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::LastMessageAt,
            sea_orm::sea_query::Expr::value(past),
        )
        .exec(&app.db)
        .await
        .expect("backdated");

    // Act
    let restarted = engine::services::deadlines::rescue_unanswered(app.state())
        .await
        .expect("sweep");

    // Assert
    assert_eq!(restarted, 0, "no restart while the budget is spent");
    assert_eq!(fake.requests().len(), 1);
}

/// One client flooding the widget's API is cut off in memory, before the
/// database, after its burst; a visitor at another address is served.
#[tokio::test]
async fn a_flooding_client_is_cut_off_and_others_are_served() {
    // Arrange
    let (app, _fake, id) = shop(json!({})).await;
    let path = format!("{}/api/v1/widget/config?project_id={id}", app.address);
    let get_from = |ip: &'static str| {
        app.client
            .get(&path)
            .header("origin", ORIGIN)
            .header("x-forwarded-for", ip)
            .send()
    };

    // Act: far more than the burst, as fast as the client can
    let flood = join_all((0..400).map(|_| get_from("198.51.100.66"))).await;
    let bystander = get_from("203.0.113.77").await.expect("sent");

    // Assert
    let statuses: Vec<u16> = flood
        .into_iter()
        .map(|response| response.expect("sent").status().as_u16())
        .collect();
    let served = statuses.iter().filter(|status| **status == 200).count();
    let refused = statuses.iter().filter(|status| **status == 429).count();
    assert_eq!(served + refused, 400, "{statuses:?}");
    assert!(
        (engine::services::flood::BURST as usize..400).contains(&served),
        "the burst is served, the flood is not: {served} served"
    );
    assert_eq!(bystander.status(), 200, "another address is unaffected");
}

/// Tokens left for less than one capped answer count as a spent budget
/// (no reservation could be made, so the sweep must not restart anything),
/// and a cap larger than the whole day's tokens is refused when saved.
#[tokio::test]
async fn a_budget_without_room_for_one_answer_is_spent() {
    // Arrange
    let (app, _fake, id) =
        shop(json!({"limits": {"daily_ai_tokens": 10000, "max_output_tokens": 2000}})).await;
    let row = engine::db::entities::projects::Entity::find_by_id(
        uuid::Uuid::parse_str(&id).expect("uuid"),
    )
    .one(&app.db)
    .await
    .expect("query")
    .expect("the project");
    let limits = |db| engine::services::limits::budget_spent(db, &row);
    let before = limits(&app.db).await.expect("read");

    // Act: 8,500 tokens used, 1,500 left for answers capped at 2,000
    engine::services::limits::reserve_ai_answer(&app.db, &row, 8500)
        .await
        .expect("reserved")
        .expect("room");
    let after = limits(&app.db).await.expect("read");
    let token = app.admin_token().await;
    let (status, refused) = read_json(
        app.authed(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/projects/{id}"),
            &token,
        )
        .json(&json!({"limits": {"max_output_tokens": 20000}}))
        .send()
        .await
        .expect("sent"),
    )
    .await;

    // Assert
    assert!(!before, "a fresh day has room");
    assert!(after, "1,500 tokens cannot hold an answer capped at 2,000");
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["fields"]["limits.max_output_tokens"].is_string(),
        "{refused}"
    );
}
