//! The visitor's inputs, checked field by field: a message's text and a contact.

use crate::db::entities::projects;
use crate::services::messages::CLIENT_MESSAGE_ID_MAX;
use contract::AppError;
use contract::widget::{ContactRequest, SendMessageRequest};

/// A contact, trimmed, with empty fields as absent.
pub(super) fn validate_contact(
    project: &projects::Model,
    request: &ContactRequest,
) -> Result<ContactRequest, AppError> {
    let clean = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let contact = ContactRequest {
        name: clean(&request.name),
        email: clean(&request.email),
        phone: clean(&request.phone),
        text: clean(&request.text),
    };
    let mut fields = std::collections::BTreeMap::new();
    let mut check = |field: &str, value: &Option<String>, max: usize| {
        if let Some(value) = value
            && (value.chars().count() > max || value.chars().any(char::is_control))
        {
            fields.insert(
                field.to_owned(),
                format!("at most {max} characters, one line"),
            );
        }
    };
    check("name", &contact.name, 200);
    check("email", &contact.email, 320);
    check("phone", &contact.phone, 64);
    if let Some(email) = &contact.email
        && !email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
    {
        fields.insert("email".into(), "an address like name@example.com".into());
    }
    if let Some(phone) = &contact.phone
        && phone.chars().filter(char::is_ascii_digit).count() < 5
    {
        fields.insert(
            "phone".into(),
            "a phone number with at least 5 digits".into(),
        );
    }
    if contact.email.is_none() && contact.phone.is_none() {
        fields.insert("email".into(), "an email or a phone is needed".into());
    }
    if let Some(text) = &contact.text
        && text.chars().count() > usize::try_from(project.limit_message_chars).unwrap_or(0)
    {
        fields.insert(
            "text".into(),
            format!("at most {} characters", project.limit_message_chars),
        );
    }
    if fields.is_empty() {
        Ok(contact)
    } else {
        Err(AppError::Validation {
            message: "the contact is not valid: see `fields`".into(),
            fields,
        })
    }
}

/// The trimmed text of a message, checked against the project's length limit,
/// and its `client_message_id`.
///
/// # Errors
/// `400 validation_failed` with the reason per field.
pub fn validate_text(
    project: &projects::Model,
    request: &SendMessageRequest,
) -> Result<String, AppError> {
    let mut fields = std::collections::BTreeMap::new();
    let text = request.text.trim();
    let chars = text.chars().count();
    if text.is_empty() {
        fields.insert("text".to_owned(), "a message cannot be empty".to_owned());
    } else if chars > usize::try_from(project.limit_message_chars).unwrap_or(0) {
        fields.insert(
            "text".to_owned(),
            format!(
                "at most {} characters (this one has {chars})",
                project.limit_message_chars
            ),
        );
    }
    if let Some(id) = &request.client_message_id
        && (id.is_empty() || id.len() > CLIENT_MESSAGE_ID_MAX || id.chars().any(char::is_control))
    {
        fields.insert(
            "client_message_id".to_owned(),
            format!("1 to {CLIENT_MESSAGE_ID_MAX} characters"),
        );
    }
    if fields.is_empty() {
        Ok(text.to_owned())
    } else {
        Err(AppError::Validation {
            message: "the message is not valid: see `fields`".into(),
            fields,
        })
    }
}
