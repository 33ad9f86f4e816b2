//! One SMTP conversation (RFC 5321, plain TCP): the greeting, `EHLO`/`HELO`,
//! `AUTH PLAIN`/`AUTH LOGIN`, the mail transaction (`MAIL`, `RCPT`, `DATA`
//! with dot-unstuffing), `RSET`, `NOOP`, `VRFY`, `QUIT`. `STARTTLS` is
//! answered `502`: the sink never encrypts.

use crate::Received;
use crate::state::{Shared, Stage, lock};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::io;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// What `EHLO` answers: the extensions a client may use.
const EHLO_REPLY: &str =
    "250-fake-smtp\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";

/// Accepts connections until the runtime ends, one task per session. While
/// the sink is down, a connection is closed before the greeting.
pub(crate) async fn serve(listener: TcpListener, state: Shared) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        if lock(&state).down {
            drop(stream);
            continue;
        }
        let session = Session::new(stream, state.clone());
        tokio::spawn(async move {
            // A broken or abandoned session just ends; nothing to report.
            let _ = session.converse().await;
        });
    }
}

/// A session's connection and its transaction so far.
struct Session {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    state: Shared,
    /// The user of a successful `AUTH`.
    auth_user: Option<String>,
    /// The envelope sender of the transaction under way.
    from: Option<String>,
    /// The accepted recipients of the transaction under way.
    to: Vec<String>,
}

impl Session {
    fn new(stream: TcpStream, state: Shared) -> Self {
        let (reader, writer) = stream.into_split();
        Self {
            reader: BufReader::new(reader),
            writer,
            state,
            auth_user: None,
            from: None,
            to: Vec::new(),
        }
    }

    /// Runs the conversation until `QUIT`, the client's end of file, or the
    /// sink going down.
    async fn converse(mut self) -> io::Result<()> {
        self.reply(220, "fake-smtp ESMTP ready").await?;
        loop {
            let line = self.read_line().await?;
            if lock(&self.state).down {
                return Ok(());
            }
            let (verb, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
            match verb.to_ascii_uppercase().as_str() {
                "EHLO" => {
                    self.reset();
                    self.writer.write_all(EHLO_REPLY.as_bytes()).await?;
                }
                "HELO" => {
                    self.reset();
                    self.reply(250, "fake-smtp").await?;
                }
                "STARTTLS" => self.reply(502, "5.5.1 STARTTLS is not supported").await?,
                "AUTH" => self.auth(arg).await?,
                "MAIL" => {
                    let (code, text) = self.mail(arg);
                    self.reply(code, &text).await?;
                }
                "RCPT" => {
                    let (code, text) = self.rcpt(arg);
                    self.reply(code, &text).await?;
                }
                "DATA" => self.data().await?,
                "RSET" => {
                    self.reset();
                    self.reply(250, "2.0.0 OK").await?;
                }
                "NOOP" => self.reply(250, "2.0.0 OK").await?,
                "VRFY" => {
                    self.reply(252, "2.5.0 Cannot verify, will attempt delivery")
                        .await?
                }
                "QUIT" => return self.reply(221, "2.0.0 Bye").await,
                _ => self.reply(500, "5.5.2 Command unrecognized").await?,
            }
        }
    }

    /// Forgets the transaction under way (not the authentication).
    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }

    /// Reads one line without its line ending; end of file is an error.
    async fn read_line(&mut self) -> io::Result<String> {
        let mut bytes = Vec::new();
        if self.reader.read_until(b'\n', &mut bytes).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            bytes.pop();
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    async fn reply(&mut self, code: u16, text: &str) -> io::Result<()> {
        let line = format!("{code} {text}\r\n");
        self.writer.write_all(line.as_bytes()).await
    }

    /// `AUTH PLAIN [initial]` or `AUTH LOGIN [user]`, with their challenges.
    async fn auth(&mut self, arg: &str) -> io::Result<()> {
        if self.auth_user.is_some() {
            return self.reply(503, "5.5.1 Already authenticated").await;
        }
        let mut words = arg.split_whitespace();
        let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
        let initial = words.next().map(str::to_owned);
        let pair = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    Some(response) => response,
                    None => self.challenge("").await?,
                };
                decode_plain(&response)
            }
            "LOGIN" => {
                let user = match initial {
                    Some(user) => user,
                    None => self.challenge("VXNlcm5hbWU6").await?,
                };
                let password = self.challenge("UGFzc3dvcmQ6").await?;
                decode_base64(&user).zip(decode_base64(&password))
            }
            _ => {
                return self
                    .reply(504, "5.5.4 Unrecognized authentication type")
                    .await;
            }
        };
        let Some((user, password)) = pair else {
            return self.reply(501, "5.5.2 Cannot decode the response").await;
        };
        let accepted = match &lock(&self.state).credentials {
            Some((expected_user, expected_password)) => {
                *expected_user == user && *expected_password == password
            }
            None => true,
        };
        if accepted {
            self.auth_user = Some(user);
            self.reply(235, "2.7.0 Authentication successful").await
        } else {
            self.reply(535, "5.7.8 Authentication credentials invalid")
                .await
        }
    }

    /// Sends a `334` challenge and reads the client's answer.
    async fn challenge(&mut self, prompt: &str) -> io::Result<String> {
        self.reply(334, prompt).await?;
        self.read_line().await
    }

    /// `MAIL FROM:<address> [parameters]`.
    fn mail(&mut self, arg: &str) -> (u16, String) {
        let mut state = lock(&self.state);
        if state.credentials.is_some() && self.auth_user.is_none() {
            return (530, "5.7.0 Authentication required".to_owned());
        }
        if self.from.is_some() {
            return (503, "5.5.1 Sender already given".to_owned());
        }
        let Some(address) = path_argument(arg, "FROM:") else {
            return (501, "5.5.4 Syntax: MAIL FROM:<address>".to_owned());
        };
        if let Some(rejection) = state.take_rejection(Stage::Mail) {
            return (rejection.code, rejection.text);
        }
        self.from = Some(address);
        (250, "2.1.0 OK".to_owned())
    }

    /// `RCPT TO:<address> [parameters]`.
    fn rcpt(&mut self, arg: &str) -> (u16, String) {
        if self.from.is_none() {
            return (503, "5.5.1 Need MAIL first".to_owned());
        }
        let Some(address) = path_argument(arg, "TO:") else {
            return (501, "5.5.4 Syntax: RCPT TO:<address>".to_owned());
        };
        if let Some(rejection) = lock(&self.state).take_rejection(Stage::Rcpt) {
            return (rejection.code, rejection.text);
        }
        self.to.push(address);
        (250, "2.1.5 OK".to_owned())
    }

    /// `DATA`: reads the message up to the lone dot, unstuffs it, then
    /// records it (or answers a scripted refusal).
    async fn data(&mut self) -> io::Result<()> {
        if self.to.is_empty() {
            return self.reply(503, "5.5.1 Need RCPT first").await;
        }
        self.reply(354, "End data with <CR><LF>.<CR><LF>").await?;
        let mut data = String::new();
        loop {
            let line = self.read_line().await?;
            if line == "." {
                break;
            }
            data.push_str(line.strip_prefix('.').unwrap_or(&line));
            data.push_str("\r\n");
        }
        let from = self.from.take().unwrap_or_default();
        let to = std::mem::take(&mut self.to);
        let (code, text) = {
            let mut state = lock(&self.state);
            if let Some(rejection) = state.take_rejection(Stage::Data) {
                (rejection.code, rejection.text)
            } else {
                state.messages.push(Received {
                    from,
                    to,
                    data,
                    auth_user: self.auth_user.clone(),
                });
                (250, format!("2.0.0 OK queued as {}", state.messages.len()))
            }
        };
        self.reply(code, &text).await
    }
}

/// The address of `FROM:<a@b> …` or `TO:<a@b> …` (`keyword` matched without
/// case; the brackets may be missing, as some clients send).
fn path_argument(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let address = match rest.strip_prefix('<') {
        Some(inner) => inner.split_once('>')?.0,
        None => rest.split_whitespace().next()?,
    };
    Some(address.to_owned())
}

/// Base64 to UTF-8 text.
fn decode_base64(text: &str) -> Option<String> {
    let bytes = STANDARD.decode(text.trim()).ok()?;
    String::from_utf8(bytes).ok()
}

/// `AUTH PLAIN`'s `authzid NUL user NUL password`, base64-encoded.
fn decode_plain(response: &str) -> Option<(String, String)> {
    let text = decode_base64(response)?;
    let mut fields = text.split('\0');
    let _authzid = fields.next()?;
    let user = fields.next()?;
    let password = fields.next()?;
    Some((user.to_owned(), password.to_owned()))
}
