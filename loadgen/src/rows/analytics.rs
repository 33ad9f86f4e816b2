//! Row `analytics`: the owner's numbers on a year of a busy project
//! (`docs/analytics.md`). A year ending yesterday of [`PER_DAY`]
//! conversations a day is written straight into the database the server
//! runs on (with the server's own entities), then timed through the API:
//! `GET /api/v1/admin/stats` for the whole year and for the default 30
//! days, and the year's CSV export.
//!
//! Each day's conversations: 6 in 10 answered by the AI alone, 2 in 10 where
//! the visitor asked for a human who answered within minutes, 1 in 10 the AI
//! handed off and nobody came, 1 in 10 an operator took over unasked; every
//! seventh rated. Four to six messages each.

use super::Stack;
use crate::cli::Cli;
use crate::report::{Column, Line, Report};
use crate::stats::Summary;
use anyhow::{Context, Result};
use chrono::{DateTime, Duration as Days, Utc};
use engine::db::entities::{conversations, messages, usage_daily, visitors};
use sea_orm::{ConnectionTrait, Database, EntityTrait, IntoActiveModel, TransactionTrait};
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Conversations a day: a busy small-business site.
pub(crate) const PER_DAY: usize = 200;
/// Days of data.
const DAYS: i64 = 365;
/// Rows per insert statement (SQLite takes up to 32,766 values in one).
const BATCH: usize = 500;
/// Timed requests of each kind.
const SAMPLES: usize = 10;

/// Measures the row on one database.
///
/// # Errors
/// When the stack cannot start, the data cannot be written or a request fails.
pub(crate) async fn run(cli: &Cli, spec: &str, work: &Path, report: &mut Report) -> Result<()> {
    let Stack {
        server: _server,
        http: _http,
        admin,
        env: _env,
        fake: _fake,
        db,
    } = Stack::start(cli, spec, work).await?;
    let project: Uuid = admin
        .create_project("Analytics", None)
        .await?
        .parse()
        .context("project id")?;
    let today = Utc::now().date_naive();
    let first = today - Days::days(DAYS);
    let started = Instant::now();
    let written = write_year(
        &db.url,
        project,
        first.and_hms_opt(0, 0, 0).context("day")?.and_utc(),
    )
    .await?;
    eprintln!(
        "analytics: {} conversations, {} messages written in {:.0} s",
        written.0,
        written.1,
        started.elapsed().as_secs_f64()
    );
    let year = format!(
        "/api/v1/admin/stats?project_id={project}&from={first}&to={}",
        today - Days::days(1)
    );
    let month = format!("/api/v1/admin/stats?project_id={project}");
    let export = format!(
        "/api/v1/admin/conversations/export.csv?project_id={project}&from={first}&to={}",
        today - Days::days(1)
    );
    let (year_time, _) = timed(&admin, &year, SAMPLES).await?;
    let (month_time, _) = timed(&admin, &month, SAMPLES).await?;
    let (export_time, bytes) = timed(&admin, &export, 3).await?;
    let column = Column::Db(db.engine);
    report.put(
        Line::StatsYear,
        column,
        format!(
            "**{year_time}** ({} conversations, {} messages)",
            written.0, written.1
        ),
    );
    report.put(Line::StatsMonth, column, format!("**{month_time}**"));
    report.put(
        Line::ExportYear,
        column,
        format!("**{export_time}**, {:.1} MB", bytes as f64 / 1e6),
    );
    Ok(())
}

/// `samples` GETs of `path` one after another (after one not counted).
async fn timed(
    admin: &crate::client::Admin,
    path: &str,
    samples: usize,
) -> Result<(Summary, usize)> {
    let bytes = admin.read(path).await?;
    let mut times: Vec<Duration> = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        admin.read(path).await?;
        times.push(start.elapsed());
    }
    Ok((Summary::of(&times).context("no sample")?, bytes))
}

/// Writes [`DAYS`] days of conversations from `first`; returns how many
/// conversations and messages.
async fn write_year(url: &str, project: Uuid, first: DateTime<Utc>) -> Result<(usize, usize)> {
    let db = Database::connect(url)
        .await
        .context("connecting to the database")?;
    let mut totals = (0, 0);
    // A week per transaction: few commits, bounded memory.
    for week in 0..=(DAYS / 7) {
        let days = (week * 7)..((week + 1) * 7).min(DAYS);
        let mut day_rows = DayRows::default();
        for day in days {
            day_rows.add_day(project, first + Days::days(day));
        }
        totals.0 += day_rows.conversations.len();
        totals.1 += day_rows.messages.len();
        let txn = db.begin().await?;
        insert(&txn, day_rows.visitors).await?;
        insert(&txn, day_rows.conversations).await?;
        insert(&txn, day_rows.messages).await?;
        insert(&txn, day_rows.usage).await?;
        txn.commit().await?;
    }
    Ok(totals)
}

async fn insert<M>(db: &impl ConnectionTrait, rows: Vec<M>) -> Result<()>
where
    M: IntoActiveModel<<<M as sea_orm::ModelTrait>::Entity as EntityTrait>::ActiveModel>
        + sea_orm::ModelTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows
            .by_ref()
            .take(BATCH)
            .map(IntoActiveModel::into_active_model)
            .collect();
        <M as sea_orm::ModelTrait>::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The rows of some days.
#[derive(Default)]
struct DayRows {
    visitors: Vec<visitors::Model>,
    conversations: Vec<conversations::Model>,
    messages: Vec<messages::Model>,
    usage: Vec<usage_daily::Model>,
}

impl DayRows {
    fn add_day(&mut self, project: Uuid, start: DateTime<Utc>) {
        let mut ai_messages = 0;
        for n in 0..PER_DAY {
            let at = start + Days::seconds(i64::try_from(n).unwrap_or(0) * 86_400 / PER_DAY as i64);
            let kind = n % 10;
            let visitor = visitor(project, at);
            let id = Uuid::now_v7();
            let mut conversation = conversation(id, project, visitor.id, at);
            let second = |s: i64| at + Days::seconds(s);
            let mut said = vec![
                ("visitor", second(0)),
                ("ai", second(5)),
                ("visitor", second(60)),
                ("ai", second(65)),
            ];
            match kind {
                6 | 7 => {
                    conversation.handoff_at = Some(second(70));
                    conversation.handoff_by = Some("visitor".into());
                    let reply = second(70 + 30 * i64::try_from(n % 9 + 1).unwrap_or(1));
                    conversation.first_human_reply_at = Some(reply);
                    said.push(("operator", reply));
                }
                8 => {
                    conversation.handoff_at = Some(second(66));
                    conversation.handoff_by = Some("ai".into());
                    conversation.handoff_timed_out_at = Some(second(366));
                }
                9 => {
                    conversation.first_human_reply_at = Some(second(90));
                    said.push(("operator", second(90)));
                }
                _ => {}
            }
            if n % 7 == 0 {
                conversation.rating_score = Some(i32::try_from(n % 5 + 1).unwrap_or(5));
                conversation.rated_at = Some(second(400));
            }
            ai_messages += said.iter().filter(|(role, _)| *role == "ai").count();
            for (role, written) in said {
                self.messages.push(message(id, role, written));
            }
            self.visitors.push(visitor);
            self.conversations.push(conversation);
        }
        let ai_messages = i32::try_from(ai_messages).unwrap_or(i32::MAX);
        self.usage.push(usage_daily::Model {
            project_id: project,
            day: start.format("%Y-%m-%d").to_string(),
            ai_messages,
            ai_tokens: i64::from(ai_messages) * 900,
        });
    }
}

fn visitor(project: Uuid, at: DateTime<Utc>) -> visitors::Model {
    visitors::Model {
        id: Uuid::new_v4(),
        project_id: project,
        first_seen_at: at,
        last_seen_at: at,
        locale: Some("ru-RU".into()),
        user_agent: None,
        ip_hash: None,
        contact_name: None,
        contact_email: None,
        contact_phone: None,
        search_text: String::new(),
        consent_version: None,
        consent_at: None,
    }
}

fn conversation(id: Uuid, project: Uuid, visitor: Uuid, at: DateTime<Utc>) -> conversations::Model {
    let end = at + Days::seconds(400);
    conversations::Model {
        id,
        project_id: project,
        visitor_id: visitor,
        status: "closed".into(),
        assigned_user_id: None,
        page_url: Some("https://shop.example/catalog".into()),
        referrer: None,
        last_message_at: end,
        last_message_preview: Some("Спасибо!".into()),
        operator_unread: 0,
        visitor_unread: 0,
        handoff_reason: None,
        handoff_deadline_at: None,
        ai_lease_owner: None,
        ai_lease_expires_at: None,
        closed_at: Some(end),
        summary: None,
        summary_at: None,
        rating_score: None,
        rating_comment: None,
        rated_at: None,
        handoff_at: None,
        handoff_by: None,
        handoff_timed_out_at: None,
        first_human_reply_at: None,
        created_at: at,
        updated_at: end,
    }
}

fn message(conversation: Uuid, role: &str, at: DateTime<Utc>) -> messages::Model {
    let text = "Сколько идёт доставка в Казань и можно ли оплатить картой при получении?";
    messages::Model {
        id: Uuid::now_v7(),
        conversation_id: conversation,
        role: role.into(),
        text: text.into(),
        status: "complete".into(),
        author_user_id: None,
        author_name: None,
        sources: None,
        tool_calls: None,
        error_kind: None,
        input_tokens: None,
        output_tokens: None,
        client_message_id: None,
        search_text: text.to_lowercase(),
        completed_at: Some(at),
        translation: None,
        translation_lang: None,
        created_at: at,
        updated_at: at,
    }
}
