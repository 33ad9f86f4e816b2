//! Operators and admins, managed by admins: create, list, change, remove.
//!
//! Rules: usernames are unique (lower-cased); a new password or a removal
//! ends the user's sessions; the last admin can be neither demoted nor
//! removed, and nobody removes themselves.

use crate::db::{self, entities::project_members, entities::projects, entities::users};
use crate::services::alerts::{self, settings as alert_settings};
use crate::services::auth::CurrentUser;
use crate::services::{events, passwords, takeover};
use crate::state::AppState;
use contract::AppError;
use contract::auth::{Role, UserInput, UserView};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Every user, by username (admins only).
///
/// # Errors
/// `403 admin_only`; [`AppError::Internal`] on a database failure.
#[tracing::instrument(name = "people::list", skip_all, fields(user_id = %me.id))]
pub async fn list(state: &AppState, me: &CurrentUser) -> Result<Vec<UserView>, AppError> {
    me.require_admin()?;
    let rows = users::Entity::find()
        .order_by_asc(users::Column::Username)
        .all(&state.db)
        .await?;
    let mut memberships: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for member in project_members::Entity::find().all(&state.db).await? {
        memberships
            .entry(member.user_id)
            .or_default()
            .push(member.project_id);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let projects = memberships.remove(&row.id).unwrap_or_default();
            view(row, projects)
        })
        .collect())
}

/// Creates a user (admins only): username and password are required.
///
/// # Errors
/// `400 validation_failed` per field; `409 username_taken`; `403 admin_only`.
#[tracing::instrument(name = "people::create", skip_all, fields(user_id = %me.id))]
pub async fn create(
    state: &AppState,
    me: &CurrentUser,
    input: &UserInput,
) -> Result<UserView, AppError> {
    me.require_admin()?;
    let mut errors = BTreeMap::new();
    if input.username.is_none() {
        errors.insert("username".into(), "a username is required".into());
    }
    if input.password.is_none() {
        errors.insert(
            "password".into(),
            "a password of at least 10 characters is required".into(),
        );
    }
    let checked = check(input, errors)?;
    let now = chrono::Utc::now();
    let txn = db::begin_write(&state.db).await?;
    check_projects_exist(&txn, checked.project_ids.as_ref()).await?;
    let username = checked.username.clone().unwrap_or_default();
    let row = users::ActiveModel {
        id: Set(Uuid::new_v4()),
        display_name: Set(checked
            .display_name
            .clone()
            .unwrap_or_else(|| username.clone())),
        username: Set(username),
        password_hash: Set(checked.password_hash.clone().unwrap_or_default()),
        role: Set(checked.role.unwrap_or(Role::Operator).as_str().into()),
        token_version: Set(0),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        email: Set(checked.email.clone().flatten()),
        locale: Set(checked.locale.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(taken)?;
    let projects = checked.project_ids.clone().unwrap_or_default();
    replace_memberships(&txn, row.id, &projects).await?;
    txn.commit().await?;
    Ok(view(row, projects))
}

/// Changes a user (admins only); absent fields keep.
///
/// # Errors
/// As [`create`], `404 user_not_found`, and `409 last_admin`.
#[tracing::instrument(name = "people::update", skip_all, fields(user_id = %me.id, target_id = %id))]
pub async fn update(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
    input: &UserInput,
) -> Result<UserView, AppError> {
    me.require_admin()?;
    let checked = check(input, BTreeMap::new())?;
    let txn = db::begin_write(&state.db).await?;
    let row = find(&txn, id).await?;
    if row.role == Role::Admin.as_str()
        && checked.role == Some(Role::Operator)
        && count_admins(&txn).await? <= 1
    {
        return Err(last_admin());
    }
    check_projects_exist(&txn, checked.project_ids.as_ref()).await?;
    let token_version = row.token_version;
    let mut active = row.into_active_model();
    if let Some(username) = &checked.username {
        active.username = Set(username.clone());
    }
    if let Some(display_name) = &checked.display_name {
        active.display_name = Set(display_name.clone());
    }
    if let Some(hash) = &checked.password_hash {
        active.password_hash = Set(hash.clone());
        active.token_version = Set(token_version + 1);
    }
    if let Some(role) = checked.role {
        active.role = Set(role.as_str().into());
    }
    if let Some(email) = &checked.email {
        active.email = Set(email.clone());
    }
    if let Some(locale) = &checked.locale {
        active.locale = Set(Some(locale.clone()));
    }
    active.updated_at = Set(chrono::Utc::now());
    let row = active.update(&txn).await.map_err(taken)?;
    if let Some(projects) = &checked.project_ids {
        replace_memberships(&txn, id, projects).await?;
    }
    if row.email.is_none() {
        alerts::cancel_pending(&txn, id, alerts::EMAIL).await?;
    }
    let projects = memberships(&txn, id).await?;
    txn.commit().await?;
    Ok(view(row, projects))
}

/// Removes a user (admins only); their messages stay, without an author,
/// and the conversations they held go back to waiting for a human, with
/// the reason for the inbox ([`takeover::OPERATOR_REMOVED`]).
///
/// # Errors
/// `404 user_not_found`; `409 cannot_remove_self` or `409 last_admin`.
#[tracing::instrument(name = "people::delete", skip_all, fields(user_id = %me.id, target_id = %id))]
pub async fn delete(state: &AppState, me: &CurrentUser, id: Uuid) -> Result<(), AppError> {
    me.require_admin()?;
    if me.id == id {
        return Err(AppError::Conflict {
            code: "cannot_remove_self".into(),
            message: "you cannot remove yourself: ask another admin".into(),
        });
    }
    let txn = db::begin_write(&state.db).await?;
    // Locked: a takeover by this user cannot slip in before the removal.
    let row = users::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user_not_found", "no such user"))?;
    if row.role == Role::Admin.as_str() && count_admins(&txn).await? <= 1 {
        return Err(last_admin());
    }
    let pending = takeover::return_held_to_waiting(&txn, id).await?;
    alerts::forget_user(&txn, id).await?;
    users::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    for event in &pending {
        crate::services::copilot::summary::after_handoff(state, event.conversation_id);
    }
    events::publish(&state.hub, pending);
    Ok(())
}

/// An input whose fields were checked, with the password already hashed.
struct Checked {
    username: Option<String>,
    display_name: Option<String>,
    password_hash: Option<String>,
    role: Option<Role>,
    project_ids: Option<Vec<Uuid>>,
    #[allow(
        clippy::option_option,
        reason = "absent, `null` and a value mean three different things in a PATCH body"
    )]
    email: Option<Option<String>>,
    locale: Option<String>,
}

fn check(input: &UserInput, mut errors: BTreeMap<String, String>) -> Result<Checked, AppError> {
    let username = input
        .username
        .as_deref()
        .map(|name| name.trim().to_lowercase());
    if let Some(name) = &username {
        let valid = (3..=64).contains(&name.chars().count())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !valid {
            errors.insert(
                "username".into(),
                "3 to 64 of a-z, 0-9, dot, underscore, hyphen".into(),
            );
        }
    }
    let display_name = input
        .display_name
        .as_deref()
        .map(str::trim)
        .map(str::to_owned);
    if display_name
        .as_ref()
        .is_some_and(|name| !(1..=128).contains(&name.chars().count()))
    {
        errors.insert("display_name".into(), "1 to 128 characters".into());
    }
    if let Some(password) = &input.password
        && !(10..=1024).contains(&password.chars().count())
    {
        errors.insert("password".into(), "at least 10 characters".into());
    }
    let email = input
        .email
        .as_ref()
        .map(|email| alert_settings::checked_email(email.as_deref(), &mut errors));
    let locale = input
        .locale
        .as_deref()
        .map(|locale| alert_settings::checked_locale(locale, &mut errors));
    if !errors.is_empty() {
        return Err(AppError::Validation {
            message: "some fields are not valid: see `fields`".into(),
            fields: errors,
        });
    }
    let password_hash = input.password.as_deref().map(passwords::hash).transpose()?;
    let mut project_ids = input.project_ids.clone();
    if let Some(ids) = &mut project_ids {
        ids.sort();
        ids.dedup();
    }
    Ok(Checked {
        username,
        display_name,
        password_hash,
        role: input.role,
        project_ids,
        email,
        locale,
    })
}

async fn check_projects_exist(
    txn: &DatabaseTransaction,
    ids: Option<&Vec<Uuid>>,
) -> Result<(), AppError> {
    let Some(ids) = ids else { return Ok(()) };
    let found = projects::Entity::find()
        .filter(projects::Column::Id.is_in(ids.clone()))
        .count(txn)
        .await?;
    if found as usize != ids.len() {
        let mut fields = BTreeMap::new();
        fields.insert(
            "project_ids".into(),
            "one of these projects does not exist".into(),
        );
        return Err(AppError::Validation {
            message: "some fields are not valid: see `fields`".into(),
            fields,
        });
    }
    Ok(())
}

async fn replace_memberships(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    projects: &[Uuid],
) -> Result<(), AppError> {
    project_members::Entity::delete_many()
        .filter(project_members::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    let now = chrono::Utc::now();
    for project_id in projects {
        project_members::ActiveModel {
            project_id: Set(*project_id),
            user_id: Set(user_id),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

async fn memberships(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<Uuid>, AppError> {
    let mut ids: Vec<Uuid> = project_members::Entity::find()
        .filter(project_members::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|member| member.project_id)
        .collect();
    ids.sort();
    Ok(ids)
}

async fn find(txn: &DatabaseTransaction, id: Uuid) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("user_not_found", "no such user"))
}

async fn count_admins(txn: &DatabaseTransaction) -> Result<u64, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin.as_str()))
        .count(txn)
        .await?)
}

fn last_admin() -> AppError {
    AppError::Conflict {
        code: "last_admin".into(),
        message: "the last admin can be neither demoted nor removed".into(),
    }
}

fn taken(err: sea_orm::DbErr) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "username_taken".into(),
            message: "this username is taken".into(),
        },
        _ => err.into(),
    }
}

fn view(row: users::Model, project_ids: Vec<Uuid>) -> UserView {
    let role = Role::parse(&row.role);
    UserView {
        telegram_linked: row.telegram_chat_id.is_some(),
        locale: crate::services::alerts::settings::locale_of(&row).to_owned(),
        email: row.email.clone(),
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        role,
        project_ids: if role == Role::Admin {
            Vec::new()
        } else {
            project_ids
        },
    }
}
