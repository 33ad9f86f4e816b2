//! Who is calling the widget API: the project a widget names, the origins
//! it may run on, the visitor behind a token, and the config it draws with.

use super::consent::{self, Notice};
use crate::db::entities::{projects, visitors};
use crate::services::sessions;
use crate::state::AppState;
use contract::AppError;
use contract::origins;
use contract::widget::WidgetConfig;
use sea_orm::EntityTrait;
use secrecy::ExposeSecret as _;
use uuid::Uuid;

/// The project a widget names, if it exists.
///
/// # Errors
/// `404 project_not_found`.
pub async fn find_project(state: &AppState, id: Uuid) -> Result<projects::Model, AppError> {
    projects::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("project_not_found", "no such project"))
}

/// The widget may run on the project's allowed origins and on the
/// dashboard's own (its preview); an absent or `null` Origin is refused.
///
/// # Errors
/// `403 origin_not_allowed`.
pub fn check_origin(
    state: &AppState,
    project: &projects::Model,
    origin: Option<&str>,
) -> Result<(), AppError> {
    let origin = origin.and_then(origins::normalize_request_origin);
    let allowed = origin.as_deref().is_some_and(|origin| {
        is_dashboard_origin(state, origin)
            || allowed_origins(project)
                .iter()
                .any(|allowed| origins::matches(allowed, origin))
    });
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            code: "origin_not_allowed".into(),
            message: "this site's origin is not in the project's allowed origins".into(),
        })
    }
}

/// True when the normalised `origin` is the dashboard's own (`PUBLIC_URL`),
/// where the widget runs as a preview for every project.
#[must_use]
pub fn is_dashboard_origin(state: &AppState, origin: &str) -> bool {
    origins::normalize(&state.settings.public_url).is_ok_and(|public| public == origin)
}

/// The project's allowed origins, as stored (normalised).
#[must_use]
pub fn allowed_origins(project: &projects::Model) -> Vec<String> {
    serde_json::from_value(project.allowed_origins.clone()).unwrap_or_default()
}

/// How the widget of `project` looks and what it may say: the privacy
/// notice as the visitor reads it (placeholder replaced) and its version.
#[must_use]
pub fn config(state: &AppState, project: &projects::Model) -> WidgetConfig {
    let notice = Notice::of(project);
    let mut widget = crate::services::projects::widget_settings(project);
    widget.privacy_notice = notice.as_ref().map(|notice| notice.text.clone());
    WidgetConfig {
        project_id: project.id,
        widget,
        privacy_notice_version: notice.map(|notice| notice.version),
        max_message_chars: project.limit_message_chars,
        ai_enabled: project.openai_api_key_ciphertext.is_some(),
        humans_online: state.presence.anyone_for(project.id),
    }
}

/// A visitor and their project, from a valid visitor token.
#[derive(Debug, Clone)]
pub struct VisitorContext {
    /// The project the token names.
    pub project: projects::Model,
    /// The visitor it names.
    pub visitor: visitors::Model,
}

/// The visitor behind `token`, checked against the request's Origin and, when
/// the project has a privacy notice, against it: a visitor who has not
/// accepted its current version can only open a session with that consent.
///
/// # Errors
/// `401 invalid_visitor_token`; `403 origin_not_allowed`; `409 consent_required`.
pub async fn authenticate(
    state: &AppState,
    token: Option<&str>,
    origin: Option<&str>,
) -> Result<VisitorContext, AppError> {
    let invalid = sessions::invalid_visitor_token;
    let token = token.ok_or_else(invalid)?;
    let claims = sessions::verify_visitor(state.settings.jwt_secret.expose_secret(), token)?;
    let project = projects::Entity::find_by_id(claims.pid)
        .one(&state.db)
        .await?
        .ok_or_else(invalid)?;
    check_origin(state, &project, origin)?;
    let visitor = visitors::Entity::find_by_id(claims.sub)
        .one(&state.db)
        .await?
        .filter(|visitor| visitor.project_id == project.id)
        .ok_or_else(invalid)?;
    consent::check(Notice::of(&project).as_ref(), None, Some(&visitor))?;
    Ok(VisitorContext { project, visitor })
}
