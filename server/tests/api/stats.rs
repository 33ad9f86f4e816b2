//! The owner's numbers (`docs/analytics.md`): `GET /api/v1/admin/stats` over
//! conversations that really happened (the AI alone, a visitor's handoff
//! answered by a human, the AI's handoff that timed out, a rating), its days
//! in the project's time zone, who may read it, and the conversations' CSV
//! export with formulas neutralised.

use crate::helpers::{TestApp, json, wait_until};
use crate::operator_client::Operator;
use crate::takeover::waiting::expire_deadlines;
use crate::widget_client::{Widget, post, shop};
use chrono::{DateTime, Utc};
use engine::db::entities::{conversations, messages, usage_daily};
use reqwest::Method;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

/// `GET path` as the holder of `token`.
async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    json(
        app.authed(Method::GET, path, token)
            .send()
            .await
            .expect("sent"),
    )
    .await
}

/// The sum over the days of the count at `pointer` (`/conversations`, …).
fn sum_of_days(stats: &Value, pointer: &str) -> u64 {
    stats["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|day| {
            day.pointer(pointer)
                .and_then(Value::as_u64)
                .expect("a count")
        })
        .sum()
}

/// Three conversations as visitors have them: one the AI answers alone and
/// the visitor rates; one where the visitor asks for a human who answers;
/// one the AI hands off and nobody comes to. The figures count each as it
/// was, today in the project's zone, and the days add up to the totals.
#[tokio::test]
async fn the_figures_count_what_visitors_and_operators_did() {
    // Arrange
    let (app, fake, id) = shop(json!({
        "time_zone": "Europe/Moscow",
        "widget": {"rating_after": "both"},
        "handoff": {"timeout_minutes": 5, "timeout_action": "contact"},
    }))
    .await;
    let admin = Operator::admin(&app).await;
    fake.set_reply("Заказ в пути.");

    // Act: the AI alone, then the visitor ends the chat and rates it.
    let alone = Widget::open(&app, &id).await;
    alone.send("Где мой заказ?").await;
    alone.events(Some(0)).await.until_answer().await;
    alone.action("close").await;
    let (rated, rating) = json(
        post(
            &app,
            "/api/v1/widget/rating",
            Some(&alone.token),
            &json!({"score": 5}),
        )
        .await,
    )
    .await;
    // The visitor asks for a human, who takes over and answers.
    let asked = Widget::open(&app, &id).await;
    asked.send("Позовите человека").await;
    asked.events(Some(0)).await.until_answer().await;
    asked.action("handoff").await;
    let asked_id = asked.conversation_id();
    admin.action(&asked_id, "takeover").await;
    let (sent, _) = admin.send(&asked_id, "Здравствуйте, я Анна.").await;
    // The AI hands off; nobody comes; the visitor leaves a contact whose
    // name a spreadsheet would run.
    fake.set_handoff(Some("refund"));
    let handed = Widget::open(&app, &id).await;
    handed.send("Верните деньги").await;
    handed.events(Some(0)).await.until_answer().await;
    fake.set_handoff(None);
    let handed_id = handed.conversation_id();
    wait_until("the AI's handoff", || async {
        admin.conversation(&handed_id).await.1["conversation"]["status"] == "waiting_human"
    })
    .await;
    expire_deadlines(&app).await;
    let stats_path = format!("/api/v1/admin/stats?project_id={id}");
    // The sweep has acted, and both handoffs' summaries (AI calls counted in
    // the budget too) are written.
    wait_until("the deadline's sweep and the summaries", || async {
        let timed_out = get(&app, &admin.token, &stats_path).await.1["totals"]["handed_to_human"]
            ["timed_out"]
            == 1;
        let mut summarised = true;
        for conversation in [&asked_id, &handed_id] {
            let (_, detail) = admin.conversation(conversation).await;
            summarised &= detail["conversation"]["summary"].is_string();
        }
        timed_out && summarised
    })
    .await;
    let (contact, _) = json(
        post(
            &app,
            "/api/v1/widget/contact",
            Some(&handed.token),
            &json!({"name": "=1+2", "email": "ivan@example.ru"}),
        )
        .await,
    )
    .await;
    let (status, stats) = get(&app, &admin.token, &stats_path).await;

    // Assert
    assert_eq!((rated, sent, contact), (201, 201, 200), "{rating}");
    assert_eq!(status, 200, "{stats}");
    let totals = &stats["totals"];
    assert_eq!(totals["conversations"], 3, "{stats}");
    // Three messages, and the contact form the visitor sent as a fourth.
    assert_eq!(totals["visitor_messages"], 4, "{stats}");
    assert_eq!(totals["ai_alone"], 1, "{stats}");
    assert_eq!(
        totals["handed_to_human"],
        json!({"total": 2, "visitor_asked": 1, "ai_handed_off": 1, "timed_out": 1}),
    );
    let wait = totals["median_first_reply_seconds"]
        .as_u64()
        .expect("a wait");
    assert!(wait < 60, "the human answered at once: {wait} s");
    assert_eq!(totals["ratings"], json!({"count": 1, "average": 5.0}));
    // The AI usage is the budget's stored count (answers and summaries).
    let usage = usage_daily::Entity::find_by_id((
        id.parse::<uuid::Uuid>().expect("uuid"),
        Utc::now().format("%Y-%m-%d").to_string(),
    ))
    .one(&app.db)
    .await
    .expect("read")
    .expect("today's usage");
    assert!(usage.ai_messages >= 3, "three answers at least: {usage:?}");
    assert_eq!(totals["ai_messages"], usage.ai_messages, "{stats}");
    assert_eq!(totals["ai_tokens"], usage.ai_tokens, "{stats}");
    assert_eq!(stats["budget"]["daily_ai_messages"], 1000);
    assert_eq!(stats["time_zone"], "Europe/Moscow");
    assert_eq!(stats["project_ids"], json!([id]));
    // The last 30 days by default, today (in Moscow) the last of them.
    let days = stats["days"].as_array().expect("days");
    assert_eq!(days.len(), 30);
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Moscow)
        .date_naive()
        .to_string();
    assert_eq!(days[29]["date"], today);
    assert_eq!(stats["to"], today);
    for pointer in [
        "/conversations",
        "/visitor_messages",
        "/ai_alone",
        "/handed_to_human/total",
        "/handed_to_human/timed_out",
        "/ratings/count",
        "/ai_messages",
    ] {
        assert_eq!(
            Some(sum_of_days(&stats, pointer)),
            totals.pointer(pointer).and_then(Value::as_u64),
            "{pointer}"
        );
    }

    // The visitor's export carries when and why they first waited.
    let (_, detail) = admin.conversation(&asked_id).await;
    let visitor_id = detail["visitor"]["id"].as_str().expect("visitor id");
    let (_, export) = get(
        &app,
        &admin.token,
        &format!("/api/v1/admin/visitors/{visitor_id}/export"),
    )
    .await;
    let exported = &export["conversations"][0];
    assert_eq!(exported["handoff_by"], "visitor", "{export}");
    assert!(exported["handoff_at"].is_string(), "{export}");

    // The CSV: admins only, one row per conversation, formulas neutralised.
    let response = app
        .authed(
            Method::GET,
            &format!("/api/v1/admin/conversations/export.csv?project_id={id}"),
            &admin.token,
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment; filename=\"conversations-")
    );
    let csv = response.text().await.expect("text");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("conversation_id,project,started_at,date,status"));
    let handed_row = lines
        .iter()
        .find(|line| line.starts_with(&handed_id))
        .expect("the handed conversation's row");
    assert!(
        handed_row.contains(",'=1+2,ivan@example.ru,"),
        "{handed_row}"
    );
    assert!(handed_row.contains(",ai,true,"), "{handed_row}");
    let alone_row = lines
        .iter()
        .find(|line| line.starts_with(&alone.conversation_id()))
        .expect("the rated conversation's row");
    assert!(alone_row.contains(",closed,"), "{alone_row}");
    assert!(alone_row.ends_with(",false,,5,,"), "{alone_row}");
}

/// Operators read the numbers of their own projects only; the CSV, which
/// holds visitors' contacts, is for admins; a bad period is a clear `400`.
#[tokio::test]
async fn who_may_read_and_what_a_period_may_be() {
    // Arrange
    let (app, _fake, id) = shop(json!({})).await;
    let admin = Operator::admin(&app).await;
    let (_, other) = app
        .create_project(&admin.token, json!({"name": "Other"}))
        .await;
    let other = other["id"].as_str().expect("id").to_owned();
    let member = Operator::member_of(&app, &[&id]).await;

    // Act
    let (own, own_stats) = get(
        &app,
        &member.token,
        &format!("/api/v1/admin/stats?project_id={id}"),
    )
    .await;
    let (all, all_stats) = get(&app, &member.token, "/api/v1/admin/stats").await;
    let (foreign, refused) = get(
        &app,
        &member.token,
        &format!("/api/v1/admin/stats?project_id={other}"),
    )
    .await;
    let (csv, csv_refused) = get(
        &app,
        &member.token,
        "/api/v1/admin/conversations/export.csv",
    )
    .await;
    let (bad_day, bad_day_body) =
        get(&app, &admin.token, "/api/v1/admin/stats?from=2026-13-01").await;
    let (reversed, reversed_body) = get(
        &app,
        &admin.token,
        "/api/v1/admin/stats?from=2026-05-02&to=2026-05-01",
    )
    .await;
    let (too_long, too_long_body) = get(
        &app,
        &admin.token,
        "/api/v1/admin/stats?from=2025-01-01&to=2026-01-02",
    )
    .await;
    let (far, far_body) = get(&app, &admin.token, "/api/v1/admin/stats?to=+262142-12-31").await;
    let (year, year_stats) = get(
        &app,
        &admin.token,
        "/api/v1/admin/stats?from=2024-01-01&to=2024-12-31",
    )
    .await;

    // Assert
    assert_eq!(own, 200, "{own_stats}");
    assert_eq!(own_stats["totals"]["conversations"], 0);
    assert_eq!(
        own_stats["totals"]["median_first_reply_seconds"],
        Value::Null
    );
    assert_eq!(own_stats["totals"]["ratings"]["average"], Value::Null);
    assert_eq!(all, 200, "{all_stats}");
    assert_eq!(
        all_stats["project_ids"],
        json!([id]),
        "only the member's project"
    );
    assert_eq!(
        (foreign, refused["error"].as_str()),
        (404, Some("project_not_found"))
    );
    assert_eq!(
        (csv, csv_refused["error"].as_str()),
        (403, Some("admin_only"))
    );
    assert_eq!(bad_day, 400, "{bad_day_body}");
    assert!(bad_day_body["fields"]["from"].is_string(), "{bad_day_body}");
    assert_eq!(reversed, 400, "{reversed_body}");
    assert!(reversed_body["fields"]["from"].is_string());
    assert_eq!(too_long, 400, "{too_long_body}");
    assert!(too_long_body["fields"]["to"].is_string());
    assert_eq!(
        far, 400,
        "a year chrono reads, none a period can hold: {far_body}"
    );
    assert!(far_body["fields"]["to"].is_string(), "{far_body}");
    assert_eq!(year, 200, "{year_stats}");
    assert_eq!(year_stats["days"].as_array().map(Vec::len), Some(366));
    assert_eq!(year_stats["time_zone"], "UTC", "two projects, both on UTC");
}

/// Days are the project's: in Kathmandu (UTC+5:45) a conversation started
/// at 23:55 belongs to that day, its messages to the day each was written
/// (one before midnight, one after), and the AI usage to the budget's UTC day.
#[tokio::test]
async fn days_are_counted_in_the_projects_time_zone() {
    // Arrange
    let (app, _fake, id) = shop(json!({"time_zone": "Asia/Kathmandu"})).await;
    let admin = Operator::admin(&app).await;
    let widget = Widget::open(&app, &id).await;
    widget.send("Первое").await;
    widget.events(Some(0)).await.until_answer().await;
    let after = widget.last_event_id().await;
    widget.send("Второе").await;
    widget.events(Some(after)).await.until_answer().await;
    let conversation: uuid::Uuid = widget.conversation_id().parse().expect("uuid");
    let at = |text: &str| -> DateTime<Utc> { text.parse().expect("a time") };
    // 2026-03-10 23:55 in Kathmandu.
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::CreatedAt,
            Expr::value(at("2026-03-10T18:10:00Z")),
        )
        .filter(conversations::Column::Id.eq(conversation))
        .exec(&app.db)
        .await
        .expect("moved");
    let visitor_messages = messages::Entity::find()
        .filter(messages::Column::ConversationId.eq(conversation))
        .filter(messages::Column::Role.eq("visitor"))
        .order_by_asc(messages::Column::CreatedAt)
        .all(&app.db)
        .await
        .expect("messages");
    assert_eq!(visitor_messages.len(), 2);
    // 23:57 on the 10th and 00:01 on the 11th, Kathmandu time.
    for (message, written) in visitor_messages
        .into_iter()
        .zip(["2026-03-10T18:12:00Z", "2026-03-10T18:16:00Z"])
    {
        let mut active: messages::ActiveModel = message.into();
        active.created_at = Set(at(written));
        active.update(&app.db).await.expect("moved");
    }
    let project: uuid::Uuid = id.parse().expect("uuid");
    usage_daily::ActiveModel {
        project_id: Set(project),
        day: Set("2026-03-11".into()),
        ai_messages: Set(7),
        ai_tokens: Set(700),
    }
    .insert(&app.db)
    .await
    .expect("usage");

    // Act
    let (status, stats) = get(
        &app,
        &admin.token,
        &format!("/api/v1/admin/stats?project_id={id}&from=2026-03-09&to=2026-03-12"),
    )
    .await;

    // Assert
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["time_zone"], "Asia/Kathmandu");
    let days = stats["days"].as_array().expect("days");
    let figures = |index: usize, field: &str| days[index][field].as_u64().expect("count");
    assert_eq!(days[1]["date"], "2026-03-10");
    assert_eq!(
        (figures(1, "conversations"), figures(1, "visitor_messages")),
        (1, 1),
        "{stats}"
    );
    assert_eq!(
        (figures(2, "conversations"), figures(2, "visitor_messages")),
        (0, 1),
        "{stats}"
    );
    assert_eq!(
        (figures(2, "ai_messages"), figures(2, "ai_tokens")),
        (7, 700)
    );
    assert_eq!(
        (figures(0, "conversations"), figures(3, "visitor_messages")),
        (0, 0)
    );
    assert_eq!(stats["totals"]["visitor_messages"], 2);
    assert_eq!(stats["totals"]["ai_alone"], 1);

    // A conversation from before the handoff columns that waited for a
    // human (its reason kept) counts as handed, by no cause, not as the AI's.
    conversations::Entity::update_many()
        .col_expr(conversations::Column::HandoffReason, Expr::value("refund"))
        .filter(conversations::Column::Id.eq(conversation))
        .exec(&app.db)
        .await
        .expect("reason");
    let (_, before) = get(
        &app,
        &admin.token,
        &format!("/api/v1/admin/stats?project_id={id}&from=2026-03-09&to=2026-03-12"),
    )
    .await;
    assert_eq!(before["totals"]["ai_alone"], 0, "{before}");
    assert_eq!(
        before["totals"]["handed_to_human"],
        json!({"total": 1, "visitor_asked": 0, "ai_handed_off": 0, "timed_out": 0}),
    );
}
