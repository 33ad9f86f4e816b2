//! Sending one alert: who it goes to now (re-checked), what it says (read
//! now), and the channel's call; the outcome is settled by `dispatch`.

use super::dispatch::{EMAIL_GAP, QUIET_RECHECK, SENT};
use super::render::{self, Context};
use super::settings::{Choices, locale_of};
use super::{AlertKind, EMAIL, TELEGRAM};
use crate::db::entities::{alerts, conversations, messages, projects, users, visitors};
use crate::mail::{Email, MailError};
use crate::services::auth;
use crate::state::AppState;
use crate::telegram::{self, SendMessage};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::time::Duration;
use uuid::Uuid;

/// How sending one alert ended.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Sent (a Telegram alert with its chat and message).
    Sent {
        chat_id: Option<i64>,
        message_id: Option<i64>,
    },
    /// Not sent, on purpose: why.
    Skipped(String),
    /// Not now, without counting a try (quiet hours, the email gap).
    Delay {
        until: DateTime<Utc>,
        reason: String,
    },
    /// Tried and failed for now: wait `after` (Telegram's) or back off;
    /// `counts` when it was a real try.
    Retry {
        after: Duration,
        error: String,
        counts: bool,
    },
    /// Refused for good: why.
    Failed(String),
}

pub(super) async fn send(state: &AppState, row: &alerts::Model) -> Result<Outcome, sea_orm::DbErr> {
    let Some(user) = users::Entity::find_by_id(row.user_id)
        .one(&state.db)
        .await?
    else {
        return Ok(Outcome::Skipped("the user was removed".into()));
    };
    let may_see = match auth::user_of(&state.db, user.clone()).await {
        Ok(current) => current.can_see(row.project_id),
        Err(err) => {
            return Ok(Outcome::Retry {
                after: Duration::ZERO,
                error: err.to_string(),
                counts: true,
            });
        }
    };
    if !may_see {
        return Ok(Outcome::Skipped("the user may not see the project".into()));
    }
    if awaits_summary(state, row).await? {
        let until = (Utc::now() + chrono::Duration::seconds(1))
            .min(row.created_at + crate::services::copilot::summary::ALERT_WAIT);
        return Ok(Outcome::Delay {
            until,
            reason: "waiting for the conversation's summary".into(),
        });
    }
    let Some(context) = context_of(state, row).await? else {
        return Ok(Outcome::Skipped("the conversation is gone".into()));
    };
    let locale = locale_of(&user);
    let quiet = Choices::of(&user).is_quiet(Utc::now());
    match row.channel.as_str() {
        TELEGRAM => Ok(send_telegram(state, &user, &context, locale, quiet).await),
        EMAIL if quiet => Ok(Outcome::Delay {
            until: Utc::now() + QUIET_RECHECK,
            reason: "quiet hours".into(),
        }),
        EMAIL => {
            if let Some(last) = last_email(state, row).await? {
                return Ok(Outcome::Delay {
                    until: last + EMAIL_GAP,
                    reason: "an email about this conversation went out less than 5 minutes ago"
                        .into(),
                });
            }
            Ok(send_email(state, &user, &context, locale).await)
        }
        other => Ok(Outcome::Failed(format!("unknown channel {other}"))),
    }
}

async fn send_telegram(
    state: &AppState,
    user: &users::Model,
    context: &Context,
    locale: &str,
    quiet: bool,
) -> Outcome {
    let (Some(telegram), Some(chat_id)) = (&state.telegram, user.telegram_chat_id) else {
        return Outcome::Skipped("Telegram is not set up or not linked".into());
    };
    let (text, keyboard) = render::telegram(context, locale);
    let message = SendMessage {
        reply_markup: Some(keyboard),
        disable_notification: quiet,
        ..SendMessage::html(chat_id, text)
    };
    match telegram.bot.send_message(&message).await {
        Ok(sent) => Outcome::Sent {
            chat_id: Some(chat_id),
            message_id: Some(sent.message_id),
        },
        Err(telegram::Error::RetryAfter(after)) => {
            telegram.pause_for(after);
            Outcome::Retry {
                after,
                error: format!("Telegram asked to wait {} s", after.as_secs()),
                counts: false,
            }
        }
        Err(telegram::Error::Unavailable(error)) => Outcome::Retry {
            after: Duration::ZERO,
            error,
            counts: true,
        },
        Err(err @ telegram::Error::Refused { code: 403, .. }) => {
            // The operator blocked the bot: their chat is unlinked (they can
            // link it again), so that later alerts are not refused one by one.
            if let Err(db) = crate::services::telegram::link::clear(&state.db, user.id).await {
                tracing::warn!(error = %db, "a blocked chat could not be unlinked");
            }
            Outcome::Failed(err.to_string())
        }
        Err(err @ telegram::Error::Refused { .. }) => Outcome::Failed(err.to_string()),
    }
}

async fn send_email(
    state: &AppState,
    user: &users::Model,
    context: &Context,
    locale: &str,
) -> Outcome {
    let (Some(mailer), Some(to)) = (&state.mailer, &user.email) else {
        return Outcome::Skipped("email is not set up or the user has no address".into());
    };
    let (subject, text) = render::email(context, locale);
    let email = Email {
        to: to.clone(),
        subject,
        text,
        html: None,
    };
    match mailer.send(&email).await {
        Ok(()) => Outcome::Sent {
            chat_id: None,
            message_id: None,
        },
        Err(MailError::Transient(error)) => Outcome::Retry {
            after: Duration::ZERO,
            error,
            counts: true,
        },
        Err(MailError::Permanent(error)) => Outcome::Failed(error),
    }
}

/// What the alert is about, read now: `None` when the conversation is gone.
async fn context_of(
    state: &AppState,
    row: &alerts::Model,
) -> Result<Option<Context>, sea_orm::DbErr> {
    let Some(conversation) = conversations::Entity::find_by_id(row.conversation_id)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let project = projects::Entity::find_by_id(row.project_id)
        .one(&state.db)
        .await?
        .map_or_else(String::new, |project| project.name);
    let visitor = visitors::Entity::find_by_id(conversation.visitor_id)
        .one(&state.db)
        .await?;
    let mut recent = messages::Entity::find()
        .filter(messages::Column::ConversationId.eq(conversation.id))
        .filter(messages::Column::Text.ne(""))
        .order_by_desc(messages::Column::CreatedAt)
        .limit(render::QUOTED)
        .all(&state.db)
        .await?;
    recent.reverse();
    Ok(Some(Context {
        kind: AlertKind::parse(&row.kind),
        conversation_id: conversation.id,
        project,
        visitor: visitor_label(visitor.as_ref(), conversation.visitor_id),
        summary: conversation.summary.clone(),
        messages: recent
            .into_iter()
            .map(|message| (message.role, message.author_name, message.text))
            .collect(),
        dashboard_url: format!(
            "{}/admin/inbox?conversation={}",
            state.settings.public_url, conversation.id
        ),
    }))
}

/// Whether a "waiting for a human" alert should wait for the summary of its
/// conversation: one is being made (the project has a key and no attempt
/// ended since the alert was raised), for at most `summary::ALERT_WAIT`.
async fn awaits_summary(state: &AppState, row: &alerts::Model) -> Result<bool, sea_orm::DbErr> {
    let wait = crate::services::copilot::summary::ALERT_WAIT;
    if AlertKind::parse(&row.kind) != AlertKind::WaitingHuman || Utc::now() >= row.created_at + wait
    {
        return Ok(false);
    }
    let Some(conversation) = conversations::Entity::find_by_id(row.conversation_id)
        .one(&state.db)
        .await?
    else {
        return Ok(false);
    };
    if conversation
        .summary_at
        .is_some_and(|ended| ended >= row.created_at)
    {
        return Ok(false);
    }
    Ok(projects::Entity::find_by_id(row.project_id)
        .one(&state.db)
        .await?
        .is_some_and(|project| project.openai_api_key_ciphertext.is_some()))
}

fn visitor_label(visitor: Option<&visitors::Model>, id: Uuid) -> String {
    visitor
        .and_then(|visitor| {
            [
                &visitor.contact_name,
                &visitor.contact_email,
                &visitor.contact_phone,
            ]
            .into_iter()
            .find_map(Clone::clone)
        })
        .unwrap_or_else(|| format!("#{}", &id.simple().to_string()[..8]))
}

/// When the last email about this alert's conversation went to its user,
/// if less than [`EMAIL_GAP`] ago.
async fn last_email(
    state: &AppState,
    row: &alerts::Model,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    Ok(alerts::Entity::find()
        .filter(alerts::Column::UserId.eq(row.user_id))
        .filter(alerts::Column::ConversationId.eq(row.conversation_id))
        .filter(alerts::Column::Channel.eq(EMAIL))
        .filter(alerts::Column::Status.eq(SENT))
        .filter(alerts::Column::SentAt.gt(Utc::now() - EMAIL_GAP))
        .order_by_desc(alerts::Column::SentAt)
        .one(&state.db)
        .await?
        .and_then(|sent| sent.sent_at))
}
