//! Reading the Node.js version's PostgreSQL database. Tables and columns are
//! discovered (`information_schema.columns` of the current schema) rather
//! than assumed; values are read as text, JSON or timestamps whatever their
//! column type, so `uuid` or `text` ids, `text[]`, `json` or text lists all do.

use anyhow::Context as _;
use engine::services::legacy_import::{
    LegacyConversation, LegacyMessage, LegacyProject, role, split_list,
};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryResult,
    Statement,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The tables this import reads; any other table is reported as skipped.
pub(super) const KNOWN_TABLES: [&str; 3] = ["projects", "conversations", "messages"];
const CONVERSATION_COLUMNS: [&str; 2] = ["id", "project_id"];
const MESSAGE_COLUMNS: [&str; 3] = ["conversation_id", "role", "content"];
const TIME_TYPES: [&str; 3] = [
    "timestamp with time zone",
    "timestamp without time zone",
    "date",
];

/// Column name → data type (as `information_schema` names it).
type Columns = BTreeMap<String, String>;

/// The old database, its tables and their columns.
#[derive(Debug)]
pub(super) struct Source {
    db: DatabaseConnection,
    tables: BTreeMap<String, Columns>,
}

/// What one old conversation holds that can be imported, and what not.
#[derive(Debug, Default)]
pub(super) struct Messages {
    /// The messages to import, in order.
    pub(super) kept: Vec<LegacyMessage>,
    /// Skipped messages by their unknown role.
    pub(super) unknown_roles: BTreeMap<String, usize>,
    /// Skipped messages without text.
    pub(super) empty: usize,
}

impl Source {
    /// Connects to `url` (PostgreSQL only) and lists its tables and columns.
    pub(super) async fn connect(url: &str) -> anyhow::Result<Self> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            anyhow::bail!(
                "--from: the Node.js version's database is a PostgreSQL URL, e.g. postgres://user:password@old-host/olddb"
            );
        }
        let mut options = ConnectOptions::new(url.to_owned());
        // Statements carry the old keys: never log them.
        options.max_connections(2).sqlx_logging(false);
        let db = Database::connect(options)
            .await
            .with_context(|| format!("cannot connect to {}", redact(url)))?;
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 ORDER BY table_name, ordinal_position",
            ))
            .await
            .context("cannot list the old database's tables")?;
        let mut tables: BTreeMap<String, Columns> = BTreeMap::new();
        for row in rows {
            let (table, column, kind): (String, String, String) = (
                row.try_get("", "t")?,
                row.try_get("", "c")?,
                row.try_get("", "d")?,
            );
            tables.entry(table).or_default().insert(column, kind);
        }
        Ok(Self { db, tables })
    }

    /// The columns of `table`, when it exists.
    pub(super) fn columns(&self, table: &str) -> Option<Vec<&str>> {
        self.tables
            .get(table)
            .map(|columns| columns.keys().map(String::as_str).collect())
    }

    /// Tables this import does not read, with their number of rows.
    pub(super) async fn other_tables(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let mut others = Vec::new();
        for table in self.tables.keys() {
            if KNOWN_TABLES.contains(&table.as_str()) {
                continue;
            }
            let sql = format!("SELECT count(*) AS n FROM {}", quote(table));
            let count = self
                .db
                .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await?
                .map(|row| row.try_get::<i64>("", "n"))
                .transpose()?
                .unwrap_or_default();
            others.push((table.clone(), count));
        }
        Ok(others)
    }

    /// Why conversations (and messages) cannot be read, when they cannot.
    pub(super) fn chats_unreadable(&self) -> Option<String> {
        let lacking = |table: &str, needed: &[&str]| -> Option<String> {
            let columns = self.tables.get(table)?;
            let missing: Vec<&str> = needed
                .iter()
                .copied()
                .filter(|column| !columns.contains_key(*column))
                .collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "table `{table}` lacks the column(s) {}: conversations are not imported",
                    missing.join(", ")
                )
            })
        };
        if !self.tables.contains_key("conversations") || !self.tables.contains_key("messages") {
            return Some(
                "no `conversations` and `messages` tables: only projects are imported".to_owned(),
            );
        }
        lacking("conversations", &CONVERSATION_COLUMNS)
            .or_else(|| lacking("messages", &MESSAGE_COLUMNS))
    }

    /// Every project row: read, or why it was skipped.
    pub(super) async fn projects(&self) -> anyhow::Result<Vec<Result<LegacyProject, String>>> {
        let columns = self.tables.get("projects").context(
            "the old database has no `projects` table in its current schema (set ?options=-csearch_path=… in --from for another schema)",
        )?;
        if !columns.contains_key("id") {
            anyhow::bail!("the old `projects` table has no `id` column");
        }
        let text = |name: &str| {
            if columns.contains_key(name) {
                format!("{}::text AS {name}", quote(name))
            } else {
                format!("NULL::text AS {name}")
            }
        };
        let list = |name: &str, single: &str| {
            let source = [name, single]
                .into_iter()
                .find(|column| columns.contains_key(*column));
            match source {
                Some(column) => format!("to_jsonb({}) AS {name}", quote(column)),
                None => format!("NULL::jsonb AS {name}"),
            }
        };
        let order = if columns.contains_key("created_at") {
            "\"created_at\", \"id\"::text"
        } else {
            "\"id\"::text"
        };
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {} FROM \"projects\" ORDER BY {order}",
            text("id"),
            text("name"),
            text("openai_api_key"),
            text("assistant_id"),
            text("instructions"),
            text("model"),
            list("allowed_origins", "allowed_origin"),
            list("vector_store_ids", "vector_store_id"),
        );
        let rows = self.query(sql, Vec::new()).await?;
        rows.iter().map(project).collect()
    }

    /// The conversations of `project`: read, or why one was skipped.
    pub(super) async fn conversations(
        &self,
        project: Uuid,
    ) -> anyhow::Result<Vec<Result<LegacyConversation, String>>> {
        let columns = self
            .tables
            .get("conversations")
            .context("no conversations")?;
        let sql = format!(
            "SELECT \"id\"::text AS id, {} AS created_at FROM \"conversations\" WHERE {} ORDER BY {}",
            time(columns, "created_at"),
            id_filter(columns, "project_id"),
            order(columns),
        );
        let rows = self.query(sql, vec![project.to_string().into()]).await?;
        let mut conversations = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("", "id")?;
            conversations.push(match Uuid::parse_str(id.trim()) {
                Ok(id) => Ok(LegacyConversation {
                    id,
                    project_id: project,
                    created_at: row.try_get("", "created_at")?,
                }),
                Err(_) => Err(format!("conversation `{id}`: its id is not a UUID")),
            });
        }
        Ok(conversations)
    }

    /// The messages of `conversation`, in order, with those of unknown roles
    /// or without text counted apart.
    pub(super) async fn messages(&self, conversation: Uuid) -> anyhow::Result<Messages> {
        let columns = self.tables.get("messages").context("no messages")?;
        let id = if columns.contains_key("id") {
            "\"id\"::text"
        } else {
            "NULL::text"
        };
        let sql = format!(
            "SELECT {id} AS id, \"role\"::text AS role, \"content\"::text AS content, {} AS created_at \
             FROM \"messages\" WHERE {} ORDER BY {}",
            time(columns, "created_at"),
            id_filter(columns, "conversation_id"),
            order(columns),
        );
        let rows = self
            .query(sql, vec![conversation.to_string().into()])
            .await?;
        let mut messages = Messages::default();
        for row in rows {
            let old_role: Option<String> = row.try_get("", "role")?;
            let text: Option<String> = row.try_get("", "content")?;
            let old_role = old_role.unwrap_or_default();
            let Some(role) = role(&old_role) else {
                *messages.unknown_roles.entry(old_role).or_default() += 1;
                continue;
            };
            let Some(text) = text.filter(|text| !text.trim().is_empty()) else {
                messages.empty += 1;
                continue;
            };
            let id: Option<String> = row.try_get("", "id")?;
            messages.kept.push(LegacyMessage {
                id: id.and_then(|id| Uuid::parse_str(id.trim()).ok()),
                role,
                text,
                created_at: row.try_get("", "created_at")?,
            });
        }
        Ok(messages)
    }

    async fn query(
        &self,
        sql: String,
        values: Vec<sea_orm::Value>,
    ) -> anyhow::Result<Vec<QueryResult>> {
        let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
        Ok(self.db.query_all_raw(statement).await?)
    }
}

fn project(row: &QueryResult) -> anyhow::Result<Result<LegacyProject, String>> {
    let text = |name: &str| row.try_get::<Option<String>>("", name);
    let list = |name: &str| {
        row.try_get::<Option<serde_json::Value>>("", name)
            .map(|value| value.as_ref().map(split_list).unwrap_or_default())
    };
    let raw_id = text("id")?.unwrap_or_default();
    let Ok(id) = Uuid::parse_str(raw_id.trim()) else {
        return Ok(Err(format!(
            "project `{raw_id}`: its id is not a UUID (snippets could not keep it)"
        )));
    };
    Ok(Ok(LegacyProject {
        id,
        name: text("name")?,
        openai_api_key: text("openai_api_key")?,
        assistant_id: text("assistant_id")?.filter(|id| !id.trim().is_empty()),
        instructions: text("instructions")?,
        allowed_origins: list("allowed_origins")?,
        model: text("model")?,
        vector_store_ids: list("vector_store_ids")?,
    }))
}

/// `"column"` compared with the bound id `$1`: as a `uuid` when the column is
/// one (its index is used), else as lower-case text.
fn id_filter(columns: &Columns, column: &str) -> String {
    if columns.get(column).is_some_and(|kind| kind == "uuid") {
        format!("{} = $1::uuid", quote(column))
    } else {
        format!("lower({}::text) = $1", quote(column))
    }
}

/// The column as a `timestamptz` when it holds a time, else `NULL` (unknown).
fn time(columns: &Columns, column: &str) -> String {
    match columns.get(column) {
        Some(kind) if TIME_TYPES.contains(&kind.as_str()) => {
            format!("CAST({} AS timestamptz)", quote(column))
        }
        _ => "NULL::timestamptz".to_owned(),
    }
}

/// Oldest first: by `created_at`, then `id`, where the table has them.
fn order(columns: &Columns) -> String {
    let order: Vec<String> = ["created_at", "id"]
        .into_iter()
        .filter(|column| columns.contains_key(*column))
        .map(quote)
        .collect();
    if order.is_empty() {
        "ctid".to_owned()
    } else {
        order.join(", ")
    }
}

/// A quoted identifier (the names come from `information_schema`).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `url` with its password replaced by `***`, for printing: the one in the
/// user part and any query parameter named like one (`?password=`,
/// `sslpassword=`: libpq and sqlx read both).
pub(super) fn redact(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "the given URL".to_owned();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    let secret = |name: &str| name.to_ascii_lowercase().contains("password");
    if parsed.query_pairs().any(|(name, _)| secret(&name)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| {
                let value = if secret(&name) { "***".into() } else { value };
                (name.into_owned(), value.into_owned())
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::redact;

    /// No password is printed, wherever the URL carries it.
    #[test]
    fn redact_hides_every_password_of_a_url() {
        let cases = [
            (
                "postgres://old:s3cret@old-host/olddb",
                "postgres://old:***@old-host/olddb",
            ),
            (
                "postgres://old@old-host/olddb?sslmode=require&password=s3cret",
                "postgres://old@old-host/olddb?sslmode=require&password=***",
            ),
            (
                "postgresql://old-host/olddb?sslpassword=s3cret&PASSWORD=s3cret",
                "postgresql://old-host/olddb?sslpassword=***&PASSWORD=***",
            ),
            (
                "sqlite://data/aiwidget.db?mode=rwc",
                "sqlite://data/aiwidget.db?mode=rwc",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(redact(url), expected, "{url}");
        }
        assert_eq!(redact("not a url"), "the given URL");
    }
}
