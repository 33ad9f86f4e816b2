//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`), as
//! lines for people or, with `LOG_FORMAT=json`, one JSON object per line for
//! a log collector.
//!
//! Nothing logged carries a secret: request spans name the matched route,
//! never the path's ids nor the query string (the event-stream URL carries
//! the visitor's token), see `http::request_span`.

use tracing_subscriber::EnvFilter;

/// The variable that picks the format.
pub const LOG_FORMAT: &str = "LOG_FORMAT";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (the default, `LOG_FORMAT=text`).
    #[default]
    Text,
    /// One JSON object per line (`LOG_FORMAT=json`).
    Json,
}

impl LogFormat {
    /// Parses the value of `LOG_FORMAT`: unset or blank is [`LogFormat::Text`];
    /// `text` or `json` in any case.
    ///
    /// # Errors
    /// A message naming `LOG_FORMAT` for any other value.
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        let value = value.map(str::trim).unwrap_or_default();
        match value.to_ascii_lowercase().as_str() {
            "" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(format!(
                "{LOG_FORMAT}: `{value}` is neither `text` nor `json`"
            )),
        }
    }
}

/// `LOG_FORMAT` from the environment, or else from `.env` (logging starts
/// before the configuration is loaded, and `.env` is not read into the
/// environment here). A value that does not parse logs as text: the
/// configuration check refuses it with its message.
fn format_from_env() -> LogFormat {
    let value = std::env::var(LOG_FORMAT).ok().or_else(|| {
        dotenvy::dotenv_iter().ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .find(|(name, _)| name == LOG_FORMAT)
                .map(|(_, value)| value)
        })
    });
    LogFormat::parse(value.as_deref()).unwrap_or_default()
}

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format_from_env() {
        LogFormat::Text => builder.try_init(),
        // The event's fields at the top level, and the spans it is in (the
        // request's: method, route, request id; a service's: its ids) as a list.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unset, blank, `text` and `json` (any case) are formats; anything else
    /// is refused with a message naming the variable and the value.
    #[test]
    fn log_format_parses_text_and_json_only() {
        let cases = [
            (None, Ok(LogFormat::Text), "unset"),
            (Some(""), Ok(LogFormat::Text), "blank"),
            (Some("text"), Ok(LogFormat::Text), "text"),
            (
                Some(" JSON "),
                Ok(LogFormat::Json),
                "json in capitals, spaced",
            ),
            (Some("json"), Ok(LogFormat::Json), "json"),
        ];
        for (value, expected, case) in cases {
            assert_eq!(LogFormat::parse(value), expected, "{case}");
        }
        for value in ["xml", "jsonl", "pretty"] {
            let err = LogFormat::parse(Some(value)).expect_err(value);
            assert!(
                err.starts_with("LOG_FORMAT:") && err.contains(value),
                "{value}: {err}"
            );
        }
    }
}
