//! The conversation as the model sees it: the newest turns that fit a token
//! budget, oldest first.

use crate::db::entities::messages;
use crate::llm::{Turn, TurnRole};
use contract::chat::{MessageRole, MessageStatus};

/// Roughly how many tokens of history go with each call.
pub const TOKEN_BUDGET: usize = 6000;

/// A rough token count: four bytes a token (a Cyrillic letter is two bytes,
/// so about two letters a token, which is what Russian text costs).
#[must_use]
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(4)
}

/// The turns of `rows` (oldest first) that fit `budget`, oldest first. The
/// newest turn is always kept. Visitor messages are user turns; complete AI
/// answers are assistant turns (an interrupted one was superseded); operator
/// messages are assistant turns marked as written by a human; notices and
/// failed answers are left out.
#[must_use]
pub fn turns(rows: &[messages::Model], budget: usize) -> Vec<Turn> {
    let mut kept = Vec::new();
    let mut spent = 0;
    for row in rows.iter().rev() {
        let Some(turn) = turn(row) else { continue };
        let cost = estimate_tokens(&turn.text);
        if !kept.is_empty() && spent + cost > budget {
            break;
        }
        spent += cost;
        kept.push(turn);
    }
    kept.reverse();
    kept
}

fn turn(row: &messages::Model) -> Option<Turn> {
    let text = row.text.trim();
    if text.is_empty() {
        return None;
    }
    match (
        MessageRole::parse(&row.role),
        MessageStatus::parse(&row.status),
    ) {
        (MessageRole::Visitor, _) => Some(Turn {
            role: TurnRole::User,
            text: text.to_owned(),
        }),
        (MessageRole::Ai, MessageStatus::Complete) => Some(Turn {
            role: TurnRole::Assistant,
            text: text.to_owned(),
        }),
        (MessageRole::Operator, _) => Some(Turn {
            role: TurnRole::Assistant,
            text: format!(
                "[Written by a human operator, {}]: {text}",
                row.author_name.as_deref().unwrap_or("operator")
            ),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn row(role: &str, status: &str, text: &str) -> messages::Model {
        let now = chrono::Utc::now();
        messages::Model {
            id: Uuid::new_v4(),
            conversation_id: Uuid::nil(),
            role: role.into(),
            text: text.into(),
            status: status.into(),
            author_user_id: None,
            author_name: Some("Анна".into()),
            sources: None,
            tool_calls: None,
            error_kind: None,
            input_tokens: None,
            output_tokens: None,
            client_message_id: None,
            search_text: String::new(),
            completed_at: None,
            translation: None,
            translation_lang: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn roles_map_to_turns_and_notices_and_failures_are_left_out() {
        let rows = [
            row("visitor", "complete", "Привет"),
            row("ai", "failed", "half an"),
            row("ai", "interrupted", "Hel"),
            row("system", "complete", "Sorry, try again"),
            row("ai", "complete", "Hello!"),
            row("operator", "complete", "Это Анна"),
            row("ai", "streaming", ""),
        ];
        let turns = turns(&rows, TOKEN_BUDGET);
        let got: Vec<(TurnRole, &str)> = turns.iter().map(|t| (t.role, t.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (TurnRole::User, "Привет"),
                (TurnRole::Assistant, "Hello!"),
                (
                    TurnRole::Assistant,
                    "[Written by a human operator, Анна]: Это Анна"
                ),
            ]
        );
    }

    #[test]
    fn only_the_newest_turns_that_fit_the_budget_are_sent() {
        let long = "x".repeat(400); // 100 tokens each
        let rows: Vec<_> = (0..10)
            .map(|i| row("visitor", "complete", &format!("{i}{long}")))
            .collect();
        let turns = turns(&rows, 350);
        assert_eq!(turns.len(), 3);
        assert!(turns[0].text.starts_with('7'), "oldest kept is the 8th");
        assert!(turns[2].text.starts_with('9'), "newest last");
    }

    #[test]
    fn the_newest_turn_is_kept_even_over_the_budget() {
        let rows = [row("visitor", "complete", &"y".repeat(1000))];
        assert_eq!(turns(&rows, 10).len(), 1);
    }
}
