//! The fake OpenAI server as a process, for tests that are not Rust (the
//! browser tests): prints its base URL on the first line, then serves until
//! killed. `FAKE_OPENAI_REPLY` sets the answer, `FAKE_OPENAI_DELTA_MS` the
//! pause between its words, `FAKE_OPENAI_TASKS` (JSON `[[phrase, reply], …]`)
//! the answers to the product's own tasks (`FakeOpenAi::set_task_reply`).

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
    if let Ok(tasks) = std::env::var("FAKE_OPENAI_TASKS") {
        let tasks: Vec<(String, String)> =
            serde_json::from_str(&tasks).expect("FAKE_OPENAI_TASKS is JSON [[phrase, reply], …]");
        for (phrase, reply) in &tasks {
            fake.set_task_reply(phrase, reply);
        }
    }
    println!("{}", fake.base_url);
    std::future::pending::<()>().await;
}
