//! Moving the projects and chats of the earlier Node.js version into aiwidget
//! (`aiwidget import-legacy`, `docs/deploy.md`, "Moving from the Node.js version").
//!
//! The command reads the old database; this module decides what becomes of
//! each row. A project keeps its id (every pasted snippet names it), its key
//! is encrypted on the way in, and every field passes the same checks as the
//! API's (`projects::validate`): a value those refuse is left out and
//! reported, never fatal. Nothing that exists is changed: a project or a
//! conversation whose id is taken is reported as already there, so running
//! the import again is safe.

mod chats;
mod lists;

pub use chats::{LegacyConversation, LegacyMessage, role};
pub use lists::split_list;

use crate::db::entities::{conversations, messages, projects};
use crate::services::api_keys::Keyring;
use crate::services::projects::validate;
use chats::ConversationRows;
use contract::origins;
use contract::projects::ProjectInput;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QuerySelect, SqlErr,
};
use uuid::Uuid;

/// The API's limit on a project's allowed origins.
const MAX_ORIGINS: usize = 50;
/// The API's limit on a project's name.
const MAX_NAME_CHARS: usize = 200;
/// Messages written per statement.
const MESSAGES_PER_INSERT: usize = 200;

/// One project of the old database, as read.
#[derive(Debug, Clone, Default)]
pub struct LegacyProject {
    /// The id every pasted snippet carries (`data-project-id`).
    pub id: Uuid,
    /// Its name, when the old table has one.
    pub name: Option<String>,
    /// The OpenAI key, in clear in the old database.
    pub openai_api_key: Option<String>,
    /// The Assistants API id (`asst_…`): shown, never used (that API is shut down).
    pub assistant_id: Option<String>,
    /// The system instructions.
    pub instructions: Option<String>,
    /// The allowed origins as written (see [`split_list`]), before normalisation.
    pub allowed_origins: Vec<String>,
    /// The model, when the old table has one.
    pub model: Option<String>,
    /// Vector store ids (`vs_…`), when the old table has them.
    pub vector_store_ids: Vec<String>,
}

/// What became, or would become, of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Written now.
    Created,
    /// Would be written (a dry run).
    WouldCreate,
    /// Its id exists already: nothing was changed.
    AlreadyThere,
    /// A conversation without a message to import: left out.
    Empty,
}

/// What became of one project, for the report.
#[derive(Debug, Clone)]
pub struct ProjectOutcome {
    /// Created, would be, or already there.
    pub action: Action,
    /// Its name (as stored, or as it would be).
    pub name: String,
    /// Its allowed origins, normalised (as stored, or as they would be).
    pub allowed_origins: Vec<String>,
    /// Whether it has (or would have) an OpenAI key.
    pub key_set: bool,
    /// Its model (the default when the old table has none).
    pub model: String,
    /// Its vector store ids.
    pub vector_store_ids: Vec<String>,
    /// Values the API's checks refused, each with the reason: left out.
    pub left_out: Vec<String>,
}

/// Imports into one aiwidget database, or only says what it would do.
#[derive(Debug)]
pub struct Importer<'a> {
    db: &'a DatabaseConnection,
    keyring: Keyring<'a>,
    write: bool,
    /// A dry run on a database that has no schema yet: nothing exists there.
    empty_target: bool,
}

impl<'a> Importer<'a> {
    /// An importer into `db` (migrated first when `write`); with `write`
    /// false it reads the database (when it has a schema) and writes nothing.
    pub async fn new(db: &'a DatabaseConnection, keyring: Keyring<'a>, write: bool) -> Self {
        let empty_target = !write
            && projects::Entity::find()
                .select_only()
                .column(projects::Column::Id)
                .into_tuple::<Uuid>()
                .one(db)
                .await
                .is_err();
        Self {
            db,
            keyring,
            write,
            empty_target,
        }
    }

    /// Creates `legacy` with its own id, unless a project has that id.
    ///
    /// # Errors
    /// The [`DbErr`] of the database.
    #[tracing::instrument(name = "legacy_import::project", skip_all, fields(project_id = %legacy.id))]
    pub async fn project(&self, legacy: &LegacyProject) -> Result<ProjectOutcome, DbErr> {
        if let Some(existing) = self.existing_project(legacy.id).await? {
            return Ok(outcome(Action::AlreadyThere, &existing, Vec::new()));
        }
        let (row, left_out) = self.build(legacy)?;
        if !self.write {
            return Ok(outcome(Action::WouldCreate, &row, left_out));
        }
        match row
            .clone()
            .into_active_model()
            .reset_all()
            .insert(self.db)
            .await
        {
            Ok(saved) => Ok(outcome(Action::Created, &saved, left_out)),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Ok(outcome(Action::AlreadyThere, &row, Vec::new()))
            }
            Err(err) => Err(err),
        }
    }

    /// True when a conversation with `id` exists (its messages need not be read).
    ///
    /// # Errors
    /// The [`DbErr`] of the query.
    pub async fn has_conversation(&self, id: Uuid) -> Result<bool, DbErr> {
        if self.empty_target {
            return Ok(false);
        }
        Ok(conversations::Entity::find_by_id(id)
            .one(self.db)
            .await?
            .is_some())
    }

    /// Creates `legacy` (closed, with a visitor of its own) and its
    /// `messages` in one transaction, unless a conversation has its id.
    ///
    /// # Errors
    /// The [`DbErr`] of the database.
    #[tracing::instrument(name = "legacy_import::conversation", skip_all, fields(conversation_id = %legacy.id))]
    pub async fn conversation(
        &self,
        legacy: &LegacyConversation,
        messages: &[LegacyMessage],
    ) -> Result<Action, DbErr> {
        if self.has_conversation(legacy.id).await? {
            return Ok(Action::AlreadyThere);
        }
        if messages.is_empty() {
            return Ok(Action::Empty);
        }
        if !self.write {
            return Ok(Action::WouldCreate);
        }
        let txn = crate::db::begin_write(self.db).await?;
        if conversations::Entity::find_by_id(legacy.id)
            .one(&txn)
            .await?
            .is_some()
        {
            return Ok(Action::AlreadyThere);
        }
        let rows = ConversationRows::new(legacy, messages);
        rows.visitor.insert(&txn).await?;
        rows.conversation.insert(&txn).await?;
        for chunk in rows.messages.chunks(MESSAGES_PER_INSERT) {
            messages::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(Action::Created)
    }

    async fn existing_project(&self, id: Uuid) -> Result<Option<projects::Model>, DbErr> {
        if self.empty_target {
            return Ok(None);
        }
        projects::Entity::find_by_id(id).one(self.db).await
    }

    /// The new row of `legacy`: what the API's checks refuse is left out and named.
    fn build(&self, legacy: &LegacyProject) -> Result<(projects::Model, Vec<String>), DbErr> {
        let mut left_out = Vec::new();
        let mut input = ProjectInput {
            id: Some(legacy.id),
            name: Some(name_of(legacy)),
            openai_api_key: non_blank(legacy.openai_api_key.as_deref()).map(Some),
            instructions: legacy.instructions.clone(),
            allowed_origins: Some(clean_origins(&legacy.allowed_origins, &mut left_out)),
            model: non_blank(legacy.model.as_deref()),
            vector_store_ids: (!legacy.vector_store_ids.is_empty())
                .then(|| legacy.vector_store_ids.clone()),
            ..ProjectInput::default()
        };
        let context = validate::Context {
            keyring: self.keyring,
            allow_private_upstreams: false,
        };
        for _ in 0..2 {
            let mut row = crate::services::projects::defaults(legacy.id);
            match validate::apply(&mut row, &input, &context) {
                Ok(()) => return Ok((row, left_out)),
                Err(errors) => {
                    for (field, reason) in errors {
                        leave_out(&mut input, &field);
                        left_out.push(format!("{field}: {reason}"));
                    }
                }
            }
        }
        Err(DbErr::Custom(format!(
            "project {}: its fields are refused even without the ones left out",
            legacy.id
        )))
    }
}

/// The name as given (at most 200 characters), else one made from the id.
fn name_of(legacy: &LegacyProject) -> String {
    match non_blank(legacy.name.as_deref()) {
        Some(name) => name.chars().take(MAX_NAME_CHARS).collect(),
        None => format!("Imported {}", &legacy.id.simple().to_string()[..8]),
    }
}

fn non_blank(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// Each origin normalised as the API does; refused ones and those past the
/// API's limit are named in `left_out`.
fn clean_origins(raw: &[String], left_out: &mut Vec<String>) -> Vec<String> {
    let mut clean: Vec<String> = Vec::new();
    for origin in raw {
        match origins::normalize(origin) {
            Ok(origin) if clean.contains(&origin) => {}
            Ok(origin) if clean.len() == MAX_ORIGINS => {
                left_out.push(format!(
                    "allowed origin `{origin}`: at most {MAX_ORIGINS} origins"
                ));
            }
            Ok(origin) => clean.push(origin),
            Err(reason) => left_out.push(format!("allowed origin `{origin}`: {reason}")),
        }
    }
    clean
}

/// Drops the input field that `field` (`instructions`, `vector_store_ids[2]`, …) names.
fn leave_out(input: &mut ProjectInput, field: &str) {
    match field.split(['[', '.']).next().unwrap_or(field) {
        "openai_api_key" => input.openai_api_key = None,
        "instructions" => input.instructions = None,
        "allowed_origins" => input.allowed_origins = None,
        "model" => input.model = None,
        "vector_store_ids" => input.vector_store_ids = None,
        _ => {}
    }
}

fn outcome(action: Action, row: &projects::Model, left_out: Vec<String>) -> ProjectOutcome {
    let strings = |value: &serde_json::Value| -> Vec<String> {
        serde_json::from_value(value.clone()).unwrap_or_default()
    };
    ProjectOutcome {
        action,
        name: row.name.clone(),
        allowed_origins: strings(&row.allowed_origins),
        key_set: row.openai_api_key_ciphertext.is_some(),
        model: row.model.clone(),
        vector_store_ids: strings(&row.vector_store_ids),
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_refused_ones_named() {
        let raw = [
            "HTTPS://Shop.Example:443/".to_owned(),
            "https://shop.example".to_owned(),
            "shop.example/cart".to_owned(),
        ];
        let mut left_out = Vec::new();
        let clean = clean_origins(&raw, &mut left_out);
        assert_eq!(clean, vec!["https://shop.example".to_owned()]);
        assert_eq!(left_out.len(), 1, "{left_out:?}");
        assert!(left_out[0].contains("shop.example/cart"), "{left_out:?}");
    }

    #[test]
    fn a_missing_name_is_made_from_the_id() {
        let legacy = LegacyProject {
            id: Uuid::nil(),
            name: Some("   ".into()),
            ..LegacyProject::default()
        };
        assert_eq!(name_of(&legacy), "Imported 00000000");
    }
}
