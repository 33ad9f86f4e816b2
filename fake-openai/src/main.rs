//! The fake OpenAI server as a process, for tests that are not Rust (the
//! browser tests): prints its base URL on the first line, then serves until
//! killed. `FAKE_OPENAI_REPLY` sets the answer, `FAKE_OPENAI_DELTA_MS` the
//! pause between its words.

use std::time::Duration;

#[tokio::main]
async fn main() {
    let fake = fake_openai::FakeOpenAi::start().await;
    if let Ok(reply) = std::env::var("FAKE_OPENAI_REPLY") {
        fake.set_reply(&reply);
    }
    if let Some(ms) = std::env::var("FAKE_OPENAI_DELTA_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        fake.set_delta_delay(Duration::from_millis(ms));
    }
    println!("{}", fake.base_url);
    std::future::pending::<()>().await;
}
