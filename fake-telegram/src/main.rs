//! The fake Telegram Bot API as a process, for tests that are not Rust (the
//! browser tests): prints its API URL on the first line, then serves until
//! killed. `FAKE_TELEGRAM_TOKEN` sets the token it accepts (default
//! `fake_telegram::TOKEN`); `/_fake/…` routes drive the simulated users.

#[tokio::main]
async fn main() {
    let token =
        std::env::var("FAKE_TELEGRAM_TOKEN").unwrap_or_else(|_| fake_telegram::TOKEN.to_owned());
    let fake = fake_telegram::FakeTelegram::start_with_token(&token).await;
    println!("{}", fake.api_url);
    std::future::pending::<()>().await;
}
