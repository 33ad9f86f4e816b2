//! What `import-legacy` says: a line per project and its conversations,
//! progress every thousand messages, the counts, and the table of what each
//! project still needs by hand (the model above all: assistant ids no longer
//! work since OpenAI shut the Assistants API down).

use super::source::Messages;
use engine::services::legacy_import::{Action, LegacyProject, ProjectOutcome};
use std::collections::BTreeMap;

/// A progress line every this many messages.
const PROGRESS_EVERY: usize = 1000;

/// The conversations of one project (or of the whole run).
#[derive(Debug, Default)]
pub(super) struct ChatCounts {
    /// Created (or, in a dry run, to be created).
    pub(super) created: usize,
    /// Their id exists already.
    pub(super) already_there: usize,
    /// Without a message to import.
    pub(super) empty: usize,
    /// Unreadable (an id that is not a UUID).
    pub(super) invalid: usize,
    /// Messages imported (or to be).
    pub(super) messages: usize,
    /// Messages skipped, by their unknown role.
    pub(super) unknown_roles: BTreeMap<String, usize>,
    /// Messages skipped for having no text.
    pub(super) no_text: usize,
}

impl ChatCounts {
    /// Counts one conversation and its messages.
    pub(super) fn add(&mut self, action: Action, messages: &Messages) {
        match action {
            Action::Created | Action::WouldCreate => {
                self.created += 1;
                self.messages += messages.kept.len();
            }
            Action::AlreadyThere => self.already_there += 1,
            Action::Empty => self.empty += 1,
        }
        for (role, count) in &messages.unknown_roles {
            *self.unknown_roles.entry(role.clone()).or_default() += count;
        }
        self.no_text += messages.empty;
    }

    fn merge(&mut self, other: &Self) {
        self.created += other.created;
        self.already_there += other.already_there;
        self.empty += other.empty;
        self.invalid += other.invalid;
        self.messages += other.messages;
        for (role, count) in &other.unknown_roles {
            *self.unknown_roles.entry(role.clone()).or_default() += count;
        }
        self.no_text += other.no_text;
    }

    fn skipped_messages(&self) -> usize {
        self.unknown_roles.values().sum::<usize>() + self.no_text
    }
}

/// One line of the final table.
#[derive(Debug)]
struct ToDo {
    id: String,
    name: String,
    model: String,
    knowledge: String,
    key: String,
}

/// Everything said during a run, and what is left to say at its end.
#[derive(Debug)]
pub(super) struct Report {
    write: bool,
    created: usize,
    already_there: usize,
    skipped: usize,
    chats: ChatCounts,
    messages_seen: usize,
    to_do: Vec<ToDo>,
}

impl Report {
    /// An empty report of a run that writes (or, `write` false, a dry run).
    pub(super) fn new(write: bool) -> Self {
        Self {
            write,
            created: 0,
            already_there: 0,
            skipped: 0,
            chats: ChatCounts::default(),
            messages_seen: 0,
            to_do: Vec::new(),
        }
    }

    fn created_word(&self) -> &'static str {
        if self.write {
            "created"
        } else {
            "would be created"
        }
    }

    /// One project row that could not be read.
    pub(super) fn skipped_project(&mut self) {
        self.skipped += 1;
    }

    /// The line of a project, with its key, origins and what was left out.
    pub(super) fn print_project(
        &self,
        index: usize,
        total: usize,
        legacy: &LegacyProject,
        outcome: &ProjectOutcome,
    ) {
        let action = match outcome.action {
            Action::AlreadyThere => "already there, left as it is",
            _ => self.created_word(),
        };
        println!(
            "[{index}/{total}] project {} \"{}\": {action}",
            legacy.id, outcome.name
        );
        if outcome.action == Action::AlreadyThere {
            return;
        }
        let key = if outcome.key_set {
            "encrypted with ENCRYPTION_KEY"
        } else {
            "none"
        };
        let origins = if outcome.allowed_origins.is_empty() {
            "none (the widget runs nowhere until one is added)".to_owned()
        } else {
            outcome.allowed_origins.join(", ")
        };
        println!("      key: {key}; allowed origins: {origins}");
        for what in &outcome.left_out {
            println!("      left out: {what}");
        }
    }

    /// The line of one project's conversations.
    pub(super) fn print_chats(&self, counts: &ChatCounts) {
        println!(
            "      conversations: {} {} ({} messages), {} already there, {} without messages",
            counts.created,
            self.created_word(),
            counts.messages,
            counts.already_there,
            counts.empty
        );
        for (role, count) in &counts.unknown_roles {
            println!("      skipped: {count} message(s) with the unknown role `{role}`");
        }
        if counts.no_text > 0 {
            println!("      skipped: {} message(s) without text", counts.no_text);
        }
    }

    /// A progress line each time another thousand messages is passed.
    pub(super) fn progress(&mut self, messages: usize) {
        let before = self.messages_seen / PROGRESS_EVERY;
        self.messages_seen += messages;
        if self.messages_seen / PROGRESS_EVERY > before {
            println!("      … {} messages so far", self.messages_seen);
        }
    }

    /// Counts a project and notes what it still needs.
    pub(super) fn add_project(
        &mut self,
        legacy: &LegacyProject,
        outcome: &ProjectOutcome,
        chats: &ChatCounts,
    ) {
        match outcome.action {
            Action::AlreadyThere => self.already_there += 1,
            _ => self.created += 1,
        }
        self.chats.merge(chats);
        self.to_do.push(to_do(legacy, outcome));
    }

    /// The counts, then the table of what each project still needs by hand.
    pub(super) fn print_summary(&self) {
        let imported = if self.write {
            "imported"
        } else {
            "would be imported"
        };
        println!();
        println!(
            "Projects: {} {}, {} already there, {} skipped.",
            self.created,
            self.created_word(),
            self.already_there,
            self.skipped
        );
        println!(
            "Conversations: {} {}, {} already there, {} without messages, {} skipped. Messages: {} {imported}, {} skipped.",
            self.chats.created,
            self.created_word(),
            self.chats.already_there,
            self.chats.empty,
            self.chats.invalid,
            self.chats.messages,
            self.chats.skipped_messages()
        );
        if self.to_do.is_empty() {
            return;
        }
        println!();
        println!(
            "Still to do by hand in the dashboard (Projects → the project): OpenAI shut the Assistants API down, so choose each project's model and give its vector stores."
        );
        print_table(&self.to_do);
    }
}

fn to_do(legacy: &LegacyProject, outcome: &ProjectOutcome) -> ToDo {
    let assistant = legacy.assistant_id.as_deref();
    let model = match assistant {
        Some(assistant) => format!("choose (was {assistant}; now {})", outcome.model),
        None => format!("choose (now {})", outcome.model),
    };
    let knowledge = match (outcome.vector_store_ids.is_empty(), assistant) {
        (false, _) => format!("check {}", outcome.vector_store_ids.join(", ")),
        (true, Some(assistant)) => format!("add the vector stores of {assistant}"),
        (true, None) => "none (add vector stores if it needs them)".to_owned(),
    };
    let key_refused = outcome
        .left_out
        .iter()
        .any(|what| what.starts_with("openai_api_key"));
    let key = if outcome.key_set {
        "ok"
    } else if key_refused {
        "refused: enter it"
    } else {
        "missing: enter it"
    };
    ToDo {
        id: legacy.id.to_string(),
        name: outcome.name.clone(),
        model,
        knowledge,
        key: key.to_owned(),
    }
}

fn print_table(rows: &[ToDo]) {
    let header = ["PROJECT", "NAME", "MODEL", "KNOWLEDGE BASE", "KEY"];
    let cells: Vec<[&str; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.id.as_str(),
                row.name.as_str(),
                row.model.as_str(),
                row.knowledge.as_str(),
                row.key.as_str(),
            ]
        })
        .collect();
    let mut widths = header.map(|title| title.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&cells) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}
