//! Rows inserted straight through the entities, for tests of the schema
//! itself (the services that make these rows come with their features).

use chrono::Utc;
use engine::db::entities::{conversations, events, messages, projects, users, visitors};
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, Set};
use serde_json::json;
use uuid::Uuid;

pub(crate) async fn project(db: &DatabaseConnection) -> Uuid {
    let now = Utc::now();
    projects::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set("Test site".into()),
        openai_api_key_ciphertext: Set(None),
        openai_api_key_hint: Set(None),
        openai_base_url: Set("https://api.openai.com/v1".into()),
        api_style: Set("responses".into()),
        model: Set("gpt-4.1-mini".into()),
        vector_store_ids: Set(json!([])),
        instructions: Set(String::new()),
        allowed_origins: Set(json!(["https://example.com"])),
        widget_title: Set("Chat".into()),
        widget_greeting: Set(String::new()),
        widget_color: Set("#2563eb".into()),
        widget_position: Set("right".into()),
        widget_locale: Set(None),
        privacy_notice: Set(None),
        limit_message_chars: Set(2000),
        limit_messages_per_minute: Set(10),
        limit_conversations_per_hour: Set(20),
        limit_daily_ai_messages: Set(1000),
        limit_daily_ai_tokens: Set(2_000_000),
        handoff_ai_allowed: Set(true),
        handoff_timeout_minutes: Set(Some(5)),
        handoff_timeout_action: Set("ai".into()),
        retention_days: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("project inserted")
    .id
}

pub(crate) async fn conversation(db: &DatabaseConnection, project_id: Uuid) -> Uuid {
    let now = Utc::now();
    let visitor = visitors::ActiveModel {
        id: Set(Uuid::new_v4()),
        project_id: Set(project_id),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
        locale: Set(Some("ru".into())),
        user_agent: Set(None),
        ip_hash: Set(None),
        contact_name: Set(None),
        contact_email: Set(None),
        contact_phone: Set(None),
        search_text: Set(String::new()),
    }
    .insert(db)
    .await
    .expect("visitor inserted");
    conversations::ActiveModel {
        id: Set(Uuid::new_v4()),
        project_id: Set(project_id),
        visitor_id: Set(visitor.id),
        status: Set("ai".into()),
        assigned_user_id: Set(None),
        page_url: Set(Some("https://example.com/pricing".into())),
        referrer: Set(None),
        last_message_at: Set(now),
        last_message_preview: Set(None),
        operator_unread: Set(0),
        visitor_unread: Set(0),
        handoff_reason: Set(None),
        handoff_deadline_at: Set(None),
        ai_lease_owner: Set(None),
        ai_lease_expires_at: Set(None),
        closed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("conversation inserted")
    .id
}

pub(crate) struct NewMessage<'a> {
    pub conversation_id: Uuid,
    pub text: &'a str,
    pub status: &'a str,
    pub client_message_id: Option<&'a str>,
    pub author_user_id: Option<Uuid>,
}

pub(crate) async fn message(db: &DatabaseConnection, new: NewMessage<'_>) -> Result<Uuid, DbErr> {
    let now = Utc::now();
    messages::ActiveModel {
        id: Set(Uuid::new_v4()),
        conversation_id: Set(new.conversation_id),
        role: Set(if new.author_user_id.is_some() {
            "operator"
        } else {
            "visitor"
        }
        .into()),
        text: Set(new.text.into()),
        status: Set(new.status.into()),
        author_user_id: Set(new.author_user_id),
        author_name: Set(None),
        sources: Set(None),
        tool_calls: Set(None),
        error_kind: Set(None),
        input_tokens: Set(None),
        output_tokens: Set(None),
        client_message_id: Set(new.client_message_id.map(str::to_owned)),
        search_text: Set(contract::text::search_text(new.text)),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map(|message| message.id)
}

pub(crate) fn visitor_message(conversation_id: Uuid, text: &str) -> NewMessage<'_> {
    NewMessage {
        conversation_id,
        text,
        status: "complete",
        client_message_id: None,
        author_user_id: None,
    }
}

pub(crate) async fn event(db: &DatabaseConnection, project_id: Uuid, conversation_id: Uuid) -> i64 {
    events::ActiveModel {
        project_id: Set(project_id),
        conversation_id: Set(Some(conversation_id)),
        kind: Set("status".into()),
        payload: Set(json!({"status": "ai"})),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("event inserted")
    .id
}

pub(crate) async fn operator(db: &DatabaseConnection) -> Uuid {
    let now = Utc::now();
    users::ActiveModel {
        id: Set(Uuid::new_v4()),
        username: Set(format!("op-{}", Uuid::new_v4().simple())),
        display_name: Set("Operator".into()),
        password_hash: Set("$argon2id$unused".into()),
        role: Set("operator".into()),
        token_version: Set(0),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("operator inserted")
    .id
}
