//! A local SMTP sink for tests: it listens on a random `127.0.0.1` port,
//! speaks enough RFC 5321 over plain TCP for a real client (lettre), and
//! records every message, so a mailer pointed at [`FakeSmtp::url`] exercises
//! the real sending code.
//!
//! # Layout
//! - [`FakeSmtp`] (here): start it, read its `url`, script refusals and
//!   outages, read what it received.
//! - `session`: one SMTP conversation: `EHLO` (advertising `AUTH PLAIN
//!   LOGIN`, `8BITMIME`, `SMTPUTF8`), `HELO`, `AUTH`, `MAIL`, `RCPT`, `DATA`
//!   with dot-unstuffing, `RSET`, `NOOP`, `VRFY`, `QUIT`. `STARTTLS` is
//!   answered `502`, so a client that requires encryption fails.
//! - `state`: the shared state, and [`Stage`], where a refusal is answered.
//! - [`Received`] (`received`): a recorded message, with its headers and text
//!   parts decoded (`decode`: RFC 2047 encoded-words, base64,
//!   quoted-printable).

mod decode;
mod received;
mod session;
mod state;
#[cfg(test)]
mod tests;

pub use received::Received;
pub use state::Stage;

use state::{Rejection, Shared, State, lock};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A running sink; its task ends with the test's runtime.
#[derive(Debug, Clone)]
pub struct FakeSmtp {
    port: u16,
    state: Shared,
}

impl FakeSmtp {
    /// Starts the sink on a random local port, accepting any credentials.
    ///
    /// # Panics
    /// If no local port can be bound (the test cannot run anyway).
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port");
        let port = listener.local_addr().expect("local address").port();
        tokio::spawn(session::serve(listener, state.clone()));
        Self { port, state }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// The port it listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:<port>?tls=none`: what `SMTP_URL` is set to.
    #[must_use]
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// From now on `AUTH` must give this user and password, and `MAIL` is
    /// refused (`530`) without a successful `AUTH`. By default any
    /// credentials are accepted and none are required.
    pub fn require_credentials(&self, user: &str, password: &str) {
        self.state().credentials = Some((user.to_owned(), password.to_owned()));
    }

    /// Answers the next `RCPT TO` with `code` and `text` (e.g. `550`, `"5.1.1
    /// No such user"`); see [`FakeSmtp::reject_next_at`].
    pub fn reject_next(&self, code: u16, text: &str) {
        self.reject_next_at(Stage::Rcpt, code, text);
    }

    /// Answers the next command at `stage` with `code` and `text` instead of
    /// accepting it (refusals queue up, one per command, first in first out
    /// for each stage).
    pub fn reject_next_at(&self, stage: Stage, code: u16, text: &str) {
        self.state().rejections.push(Rejection {
            stage,
            code,
            text: text.to_owned(),
        });
    }

    /// With `true`, the sink stops serving: a new connection is closed at
    /// once (before the greeting) and an open session before its next
    /// command. `false` serves again.
    pub fn set_down(&self, down: bool) {
        self.state().down = down;
    }

    /// The messages accepted so far, oldest first.
    #[must_use]
    pub fn messages(&self) -> Vec<Received> {
        self.state().messages.clone()
    }

    /// Waits until at least `n` messages were accepted and returns them all.
    ///
    /// # Panics
    /// If fewer than `n` arrive within `timeout`.
    pub async fn wait_messages(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if tokio::time::Instant::now() >= deadline {
                let subjects: Vec<Option<String>> =
                    messages.iter().map(Received::subject).collect();
                panic!(
                    "fake-smtp: expected at least {n} messages within {timeout:?}, got {}: {subjects:?}",
                    messages.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
