//! The SMTP sink as a process, for tests that are not Rust: prints its
//! `SMTP_URL` (`smtp://127.0.0.1:<port>?tls=none`) on the first line, then
//! accepts mail until killed. `FAKE_SMTP_USER` and `FAKE_SMTP_PASSWORD`,
//! both set, make it require those credentials.

use std::io::Write as _;

#[tokio::main]
async fn main() {
    let sink = fake_smtp::FakeSmtp::start().await;
    if let (Ok(user), Ok(password)) = (
        std::env::var("FAKE_SMTP_USER"),
        std::env::var("FAKE_SMTP_PASSWORD"),
    ) {
        sink.require_credentials(&user, &password);
    }
    println!("{}", sink.url());
    // A reader through a pipe must see the line now, not at exit.
    let _ = std::io::stdout().flush();
    std::future::pending::<()>().await;
}
