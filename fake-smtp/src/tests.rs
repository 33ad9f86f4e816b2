//! The sink's own tests: raw SMTP conversations over TCP, and the decoding of
//! recorded messages.

use crate::{FakeSmtp, Received, Stage};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// A raw SMTP client: one line out, one (possibly multi-line) reply in.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    /// Connects and checks the `220` greeting.
    async fn connect(sink: &FakeSmtp) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", sink.port()))
            .await
            .expect("connected");
        let (reader, writer) = stream.into_split();
        let mut client = Self {
            reader: BufReader::new(reader),
            writer,
        };
        assert!(client.reply().await.starts_with("220 "));
        client
    }

    /// The next reply, its lines joined with `\n`.
    async fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.expect("reply read");
            let line = line.trim_end().to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("\n");
            }
        }
    }

    /// Sends `line` and returns the reply.
    async fn say(&mut self, line: &str) -> String {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .expect("line sent");
        self.reply().await
    }
}

/// A whole conversation records the envelope, the user and the unstuffed
/// data, and the message reads back decoded.
#[tokio::test]
async fn a_conversation_is_recorded_with_its_envelope_and_user() {
    // Arrange
    let sink = FakeSmtp::start().await;
    let mut client = Client::connect(&sink).await;
    let plain = STANDARD.encode("\0operator\0secret");

    // Act
    let ehlo = client.say("EHLO test.local").await;
    let auth = client.say(&format!("AUTH PLAIN {plain}")).await;
    let mail = client
        .say("MAIL FROM:<alerts@example.com> BODY=8BITMIME")
        .await;
    let rcpt1 = client.say("RCPT TO:<a@example.com>").await;
    let rcpt2 = client.say("rcpt to:<b@example.com>").await;
    let data = client.say("DATA").await;
    let end = client
        .say(concat!(
            "Subject: =?utf-8?b?0J3QvtCy0L7QtSDQvtCx0YDQsNGJ0LXQvdC40LU=?=\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
            "\r\n",
            "Привет\r\n",
            "..leading dot\r\n",
            "."
        ))
        .await;
    let quit = client.say("QUIT").await;

    // Assert
    for extension in ["AUTH PLAIN LOGIN", "8BITMIME", "SMTPUTF8"] {
        assert!(ehlo.contains(extension), "{ehlo}");
    }
    assert!(auth.starts_with("235 "), "{auth}");
    assert!(mail.starts_with("250 ") && rcpt1.starts_with("250 ") && rcpt2.starts_with("250 "));
    assert!(data.starts_with("354 "), "{data}");
    assert!(end.starts_with("250 "), "{end}");
    assert!(quit.starts_with("221 "), "{quit}");
    let messages = sink.wait_messages(1, Duration::from_secs(1)).await;
    let message = &messages[0];
    assert_eq!(message.from, "alerts@example.com");
    assert_eq!(message.to, ["a@example.com", "b@example.com"]);
    assert_eq!(message.auth_user.as_deref(), Some("operator"));
    assert!(
        message.data.contains("\r\n.leading dot\r\n"),
        "{}",
        message.data
    );
    assert_eq!(message.subject().as_deref(), Some("Новое обращение"));
    assert_eq!(message.text_body().as_deref(), Some("Привет\n.leading dot"));
}

/// `STARTTLS` is refused, and a transaction out of order is refused.
#[tokio::test]
async fn starttls_and_commands_out_of_order_are_refused() {
    let sink = FakeSmtp::start().await;
    let mut client = Client::connect(&sink).await;

    client.say("EHLO test.local").await;
    assert!(client.say("STARTTLS").await.starts_with("502 "));
    assert!(
        client
            .say("RCPT TO:<a@example.com>")
            .await
            .starts_with("503 ")
    );
    assert!(
        client
            .say("MAIL FROM:<x@example.com>")
            .await
            .starts_with("250 ")
    );
    assert!(client.say("DATA").await.starts_with("503 "));
    assert!(client.say("RSET").await.starts_with("250 "));
    assert!(client.say("NOOP").await.starts_with("250 "));
    assert!(client.say("BOGUS").await.starts_with("500 "));
    assert!(sink.messages().is_empty());
}

/// With credentials required, `MAIL` needs `AUTH`, a wrong password is
/// refused and `AUTH LOGIN`'s challenges lead to success.
#[tokio::test]
async fn required_credentials_are_checked_through_auth_login() {
    let sink = FakeSmtp::start().await;
    sink.require_credentials("user@example.com", "pässword");
    let mut client = Client::connect(&sink).await;
    client.say("EHLO test.local").await;

    assert!(
        client
            .say("MAIL FROM:<x@example.com>")
            .await
            .starts_with("530 ")
    );
    assert_eq!(client.say("AUTH LOGIN").await, "334 VXNlcm5hbWU6");
    assert_eq!(
        client.say(&STANDARD.encode("user@example.com")).await,
        "334 UGFzc3dvcmQ6"
    );
    assert!(
        client
            .say(&STANDARD.encode("wrong"))
            .await
            .starts_with("535 ")
    );
    client.say("AUTH LOGIN").await;
    client.say(&STANDARD.encode("user@example.com")).await;
    assert!(
        client
            .say(&STANDARD.encode("pässword"))
            .await
            .starts_with("235 ")
    );
    assert!(
        client
            .say("MAIL FROM:<x@example.com>")
            .await
            .starts_with("250 ")
    );
}

/// Scripted refusals are answered once at their stage; a message refused
/// after its data is not recorded.
#[tokio::test]
async fn refusals_are_answered_once_at_their_stage() {
    let sink = FakeSmtp::start().await;
    sink.reject_next(550, "5.1.1 No such user");
    sink.reject_next_at(Stage::Data, 554, "5.7.1 Content refused");
    let mut client = Client::connect(&sink).await;
    client.say("HELO test.local").await;
    client.say("MAIL FROM:<x@example.com>").await;

    assert_eq!(
        client.say("RCPT TO:<a@example.com>").await,
        "550 5.1.1 No such user"
    );
    assert!(
        client
            .say("RCPT TO:<a@example.com>")
            .await
            .starts_with("250 ")
    );
    client.say("DATA").await;
    assert_eq!(
        client.say("Subject: x\r\n\r\nbody\r\n.").await,
        "554 5.7.1 Content refused"
    );
    assert!(sink.messages().is_empty());
}

/// A sink that is down closes connections before the greeting, and serves
/// again once up.
#[tokio::test]
async fn a_sink_that_is_down_closes_connections_at_once() {
    let sink = FakeSmtp::start().await;
    sink.set_down(true);

    let mut stream = TcpStream::connect(("127.0.0.1", sink.port()))
        .await
        .expect("connected");
    let mut buffer = [0_u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer)).await;

    assert!(matches!(read, Ok(Ok(0) | Err(_))), "{read:?}");
    sink.set_down(false);
    Client::connect(&sink).await;
    assert_eq!(
        sink.url(),
        format!("smtp://127.0.0.1:{}?tls=none", sink.port())
    );
}

/// A multipart/alternative message with a quoted-printable text part, a
/// base64 HTML part and a folded, Q-encoded subject reads back decoded.
#[test]
fn multipart_parts_and_encoded_headers_are_decoded() {
    let data = concat!(
        "From: aiwidget <alerts@example.com>\r\n",
        "Subject: =?utf-8?q?=D0=9F=D1=80=D0=B8?=\r\n",
        " =?utf-8?q?=D0=B2=D0=B5=D1=82_world?=\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/alternative;\r\n",
        " boundary=\"XYZ\"\r\n",
        "\r\n",
        "--XYZ\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "\r\n",
        "=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82, a long line that is =\r\n",
        "softly broken\r\n",
        "second line\r\n",
        "--XYZ\r\n",
        "Content-Type: text/html; charset=utf-8\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        "PHA+0J/RgNC40LLQtdGCPC9wPg==\r\n",
        "--XYZ--\r\n",
    );
    let message = Received {
        from: "alerts@example.com".to_owned(),
        to: vec!["a@example.com".to_owned()],
        data: data.to_owned(),
        auth_user: None,
    };

    assert_eq!(message.subject().as_deref(), Some("Привет world"));
    assert_eq!(
        message.header("from").as_deref(),
        Some("aiwidget <alerts@example.com>")
    );
    assert_eq!(
        message.text_body().as_deref(),
        Some("Привет, a long line that is softly broken\nsecond line")
    );
    assert_eq!(message.html_body().as_deref(), Some("<p>Привет</p>"));
    assert_eq!(message.header("X-Missing"), None);
}
