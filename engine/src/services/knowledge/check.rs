//! The project check (`GET …/check`): does the key work, does the model
//! answer, can this key read each vector store of the project. Each finding
//! says why not in words, so that a site owner can fix it without reading
//! the provider's documentation. A failing key skips the other checks.
//!
//! The model check is one tiny call ("Reply with OK", at most
//! [`MODEL_CHECK_TOKENS`] tokens out, no knowledge base, no tools): its tokens
//! count in today's AI budget, not as an answer. With the budget spent it is
//! skipped (`ai_budget_spent`), which tells why the widget is silent.

use super::{Keyed, keyed, store_ids};
use crate::llm::{Account, LlmErrorKind, LlmEvent, LlmRequest, Turn, TurnRole};
use crate::services::auth::CurrentUser;
use crate::services::relay::history::estimate_tokens;
use crate::services::{limits, upstream};
use crate::state::AppState;
use contract::AppError;
use contract::knowledge::{CheckItem, ProjectCheck, VectorStoreCheck};
use contract::projects::ApiStyle;
use futures_util::StreamExt as _;
use uuid::Uuid;

/// The most tokens the model check's answer may use (OpenAI's smallest cap).
pub const MODEL_CHECK_TOKENS: u32 = 16;

/// What the model is asked.
const MODEL_CHECK_PROMPT: &str = "Reply with OK";

/// The reason of a check skipped because the key failed.
const KEY_FAILED: &str = "skipped: the key does not work";

/// Checks project `id` with its key (admins only).
///
/// # Errors
/// `403 admin_only`; `404 project_not_found`; `409 no_api_key` or
/// `api_key_unreadable`; `500` when the database fails. The provider's
/// refusals are findings, not errors.
#[tracing::instrument(name = "knowledge::check", skip_all, fields(project_id = %id))]
pub async fn run(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<ProjectCheck, AppError> {
    let keyed = keyed(state, user, id).await?;
    let account = keyed.account();
    let own = keyed.project.own_vector_store_id.clone();
    let stores = store_ids(&keyed.project);
    let key = match state
        .llm
        .list_models(account.base_url, account.api_key)
        .await
    {
        Ok(_) => passed(),
        Err(err) => refused(err.kind, &keyed.project.model),
    };
    if !key.ok {
        let vector_stores = stores
            .into_iter()
            .map(|id| VectorStoreCheck {
                own: own.as_ref() == Some(&id),
                id,
                result: skipped("skipped", KEY_FAILED),
            })
            .collect();
        return Ok(ProjectCheck {
            key,
            model: skipped("skipped", KEY_FAILED),
            vector_stores,
        });
    }
    // In a task of its own: a check abandoned by the admin still settles
    // what it reserved from the budget.
    let task = {
        let state = state.clone();
        let keyed = Keyed {
            project: keyed.project.clone(),
            api_key: keyed.api_key.clone(),
        };
        tokio::spawn(async move { model(&state, &keyed).await })
    };
    let model = task.await.map_err(|err| {
        tracing::error!(error = %err, "the model check failed");
        AppError::Internal
    })??;
    let vector_stores = futures_util::future::join_all(stores.into_iter().map(|id| {
        let own = own.as_ref() == Some(&id);
        vector_store(state, account, id, own)
    }))
    .await;
    Ok(ProjectCheck {
        key,
        model,
        vector_stores,
    })
}

/// Asks the model for "OK", counting its tokens in today's budget.
async fn model(state: &AppState, keyed: &Keyed) -> Result<CheckItem, AppError> {
    let project = &keyed.project;
    let estimate = i64::try_from(estimate_tokens(MODEL_CHECK_PROMPT))
        .unwrap_or(i64::MAX)
        .saturating_add(i64::from(MODEL_CHECK_TOKENS));
    let Some(reservation) = limits::reserve_ai_answer(&state.db, project, estimate).await? else {
        return Ok(skipped(
            "ai_budget_spent",
            "skipped: today's AI budget of this project is spent, so the widget's AI is silent \
             until midnight UTC (raise the daily limits to go on)",
        ));
    };
    let request = LlmRequest {
        base_url: project.openai_base_url.clone(),
        api_key: keyed.api_key.clone(),
        style: ApiStyle::parse(&project.api_style),
        model: project.model.clone(),
        instructions: String::new(),
        turns: vec![Turn {
            role: TurnRole::User,
            text: MODEL_CHECK_PROMPT.to_owned(),
        }],
        vector_store_ids: Vec::new(),
        handoff_tool: false,
        max_output_tokens: Some(MODEL_CHECK_TOKENS),
    };
    let mut stream = state.llm.stream(request);
    let mut outcome = Err(LlmErrorKind::StreamCut);
    while let Some(item) = stream.next().await {
        match item {
            Ok(LlmEvent::Delta(_)) => {}
            Ok(LlmEvent::Completed { usage, .. }) => {
                outcome = Ok(usage.input_tokens.saturating_add(usage.output_tokens));
                break;
            }
            Err(err) => {
                outcome = Err(err.kind);
                break;
            }
        }
    }
    drop(stream);
    // The tokens count; the answer does not (a check is not a visitor's answer).
    let used = *outcome.as_ref().unwrap_or(&0);
    let settled = limits::settle_ai_tokens(&state.db, &reservation, used).await;
    let refunded = limits::refund_ai_answer(&state.db, &reservation, 0).await;
    settled?;
    refunded?;
    Ok(match outcome {
        Ok(_) => passed(),
        Err(kind) => refused(kind, &project.model),
    })
}

/// Whether this key can read the vector store `id`.
async fn vector_store(
    state: &AppState,
    account: Account<'_>,
    id: String,
    own: bool,
) -> VectorStoreCheck {
    let result = match state.llm.read_vector_store(account, &id).await {
        Ok(()) => passed(),
        Err(err) => refused(err.kind, ""),
    };
    VectorStoreCheck { id, own, result }
}

/// A provider's refusal as the API and the playground show it: a stable
/// code and the words that say what to do, more precise than
/// [`upstream::error`] for the model and the vector stores.
#[must_use]
pub fn refusal(kind: LlmErrorKind, model: &str) -> AppError {
    let (code, message) = match kind {
        LlmErrorKind::ModelNotFound => (
            "upstream_model_not_found",
            format!(
                "the model `{model}` does not exist for this key, or the key may not use it: \
                 choose one from the list of models"
            ),
        ),
        LlmErrorKind::VectorStoreNotFound => (
            "upstream_vector_store_not_found",
            "this key cannot read the vector store: the key must belong to the organisation \
             and project that own the vector store (or the store was deleted)"
                .to_owned(),
        ),
        LlmErrorKind::BadRequest => (
            "upstream_bad_request",
            "the provider did not accept the request: check the model and the API style".to_owned(),
        ),
        other => return upstream::error(other),
    };
    AppError::Upstream {
        code: code.into(),
        message,
    }
}

fn passed() -> CheckItem {
    CheckItem {
        ok: true,
        code: None,
        reason: None,
    }
}

fn refused(kind: LlmErrorKind, model: &str) -> CheckItem {
    let error = refusal(kind, model);
    CheckItem {
        ok: false,
        code: Some(error.code().to_owned()),
        reason: Some(error.to_string()),
    }
}

fn skipped(code: &str, reason: &str) -> CheckItem {
    CheckItem {
        ok: false,
        code: Some(code.to_owned()),
        reason: Some(reason.to_owned()),
    }
}
