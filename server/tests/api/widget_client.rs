//! A test client that acts as the widget: it talks to `/api/v1/widget/*`
//! from an allowed origin and reads the event stream.

use crate::helpers::{TestApp, json};
use fake_openai::{FakeOpenAi, VALID_KEY};
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use std::time::Duration;

/// The origin every widget test project allows.
pub(crate) const ORIGIN: &str = "https://shop.example";

/// How long a test waits for an event before failing.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// How long a test gives an AI call that must not happen to reach the fake
/// provider, once the server has shown that it did not start the AI (see
/// [`Widget::unanswered_since`]).
///
/// No positive signal exists for "the provider was not called": the server
/// calls it from a task of its own after answering the request that caused
/// it, and a call that never happens sends nothing anywhere. So this short,
/// bounded wait stays: far above the few milliseconds from a visitor's
/// message to the upstream request.
pub(crate) const NO_CALL_GRACE: Duration = Duration::from_millis(400);

/// The frames of an event stream that answers a POST (the playground's, a
/// suggestion's), up to the one named `last` or an `error`.
pub(crate) async fn post_stream_frames(response: reqwest::Response, last: &str) -> Vec<Frame> {
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().expect("ascii");
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    Events::from_response(response)
        .until(|frame| frame.event == last || frame.event == "error")
        .await
}

/// The requests `fake` got for visitors' answers: the summary a handoff
/// asks for (`engine::services::copilot::summary`) left out.
pub(crate) fn answer_requests(fake: &FakeOpenAi) -> Vec<fake_openai::Recorded> {
    let task = engine::services::copilot::summary::SUMMARY_TASK;
    fake.requests()
        .into_iter()
        .filter(|request| {
            !request
                .body
                .as_ref()
                .is_some_and(|body| body.to_string().contains(task))
        })
        .collect()
}

/// A project answered by `fake`, allowing [`ORIGIN`]; `extra` is merged into the body.
pub(crate) async fn project(app: &TestApp, fake: &FakeOpenAi, extra: Value) -> String {
    let token = app.admin_token().await;
    let mut body = json!({
        "name": "Shop",
        "openai_api_key": VALID_KEY,
        "openai_base_url": fake.base_url,
        "allowed_origins": [ORIGIN],
        "instructions": "You are the shop's assistant.",
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            body.insert(key.clone(), value.clone());
        }
    }
    let (status, project) = app.create_project(&token, body).await;
    assert_eq!(status, 201, "{project}");
    project["id"].as_str().expect("id").to_owned()
}

/// A fresh server, a fake OpenAI server and a project it answers (`extra`
/// merged into the project): the start of most widget tests.
pub(crate) async fn shop(extra: Value) -> (TestApp, FakeOpenAi, String) {
    let app = crate::helpers::spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, extra).await;
    (app, fake, id)
}

/// One visitor's widget.
pub(crate) struct Widget<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub session: Value,
}

impl<'a> Widget<'a> {
    /// The id of the conversation the session opened.
    pub(crate) fn conversation_id(&self) -> String {
        self.session["conversation_id"]
            .as_str()
            .expect("conversation id")
            .to_owned()
    }

    /// Opens a session as a new visitor (locale `ru-RU` unless given).
    pub(crate) async fn open(app: &'a TestApp, project_id: &str) -> Self {
        Self::open_with(app, project_id, json!({"locale": "ru-RU"})).await
    }

    /// Opens a session with extra fields (a token, a locale, a page).
    pub(crate) async fn open_with(app: &'a TestApp, project_id: &str, extra: Value) -> Self {
        let mut body = json!({"project_id": project_id});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (key, value) in extra {
                body.insert(key.clone(), value.clone());
            }
        }
        let (status, session) = json(post(app, "/api/v1/widget/session", None, &body).await).await;
        assert_eq!(status, 200, "{session}");
        Self {
            app,
            token: session["visitor_token"].as_str().expect("token").to_owned(),
            session,
        }
    }

    /// `POST /api/v1/widget/messages`.
    pub(crate) async fn send(&self, text: &str) -> (u16, Value) {
        self.send_body(&json!({"text": text})).await
    }

    /// `POST /api/v1/widget/messages` with any body.
    pub(crate) async fn send_body(&self, body: &Value) -> (u16, Value) {
        json(post(self.app, "/api/v1/widget/messages", Some(&self.token), body).await).await
    }

    /// A widget action without a body (`handoff`, `typing`).
    pub(crate) async fn action(&self, name: &str) -> (u16, Value) {
        let response = self
            .app
            .client
            .post(format!("{}/api/v1/widget/{name}", self.app.address))
            .header("origin", ORIGIN)
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("sent");
        json(response).await
    }

    /// The id of the visitor's newest stored event, as a resumed session
    /// reports it (`last_event_id`).
    pub(crate) async fn last_event_id(&self) -> i64 {
        let project_id = self.session["config"]["project_id"]
            .as_str()
            .expect("project id");
        let resumed =
            Self::open_with(self.app, project_id, json!({"visitor_token": self.token})).await;
        resumed.session["last_event_id"]
            .as_i64()
            .expect("last_event_id")
    }

    /// The visitor's stored events after `after`, up to the newest one
    /// stored now, replayed by the event stream.
    pub(crate) async fn events_since(&self, after: i64) -> Vec<Frame> {
        let newest = self.last_event_id().await;
        if newest <= after {
            return Vec::new();
        }
        self.events(Some(after))
            .await
            .until(|frame| frame.id >= Some(newest))
            .await
    }

    /// Proves that the AI was not started by what happened since event
    /// `after` (take it with [`Self::last_event_id`] first), and returns the
    /// visitor's events since then.
    ///
    /// The positive signal: whenever the server starts the AI, it stores the
    /// AI's `typing` in the same transaction as its cause (a visitor's
    /// message, a release, a deadline), so once everything stored up to now
    /// has been read back, none of it may be that `typing`. The upstream
    /// call itself has no event: [`NO_CALL_GRACE`] then lets a wrong one
    /// reach the fake before the caller counts its requests.
    pub(crate) async fn unanswered_since(&self, after: i64) -> Vec<Frame> {
        let frames = self.events_since(after).await;
        assert!(
            !frames.iter().any(|frame| {
                frame.event == "typing"
                    && frame.data["role"] == "ai"
                    && frame.data["active"] == true
            }),
            "the AI was started: {frames:?}"
        );
        tokio::time::sleep(NO_CALL_GRACE).await;
        frames
    }

    /// The event stream, from after `after` (or live only).
    pub(crate) async fn events(&self, after: Option<i64>) -> Events {
        let mut url = format!(
            "{}/api/v1/widget/events?token={}",
            self.app.address, self.token
        );
        if let Some(after) = after {
            url.push_str(&format!("&after={after}"));
        }
        let response = self
            .app
            .client
            .get(url)
            .header("origin", ORIGIN)
            .send()
            .await
            .expect("stream opened");
        assert_eq!(response.status(), 200);
        Events::from_response(response)
    }
}

/// A POST from [`ORIGIN`], with a visitor token when given.
pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .header("origin", ORIGIN)
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("sent")
}

/// One SSE frame.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub id: Option<i64>,
    pub event: String,
    pub data: Value,
}

/// A parsed event stream.
pub(crate) struct Events {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl Events {
    /// Reads `response` as an event stream.
    pub(crate) fn from_response(response: reqwest::Response) -> Self {
        Self {
            body: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next frame with data (comments and `retry:` hints are skipped).
    pub(crate) async fn next(&mut self) -> Frame {
        tokio::time::timeout(WAIT, self.next_frame())
            .await
            .expect("an event in time")
    }

    /// Frames until one matches `wanted`; returns all of them, the match last.
    pub(crate) async fn until(&mut self, wanted: impl Fn(&Frame) -> bool) -> Vec<Frame> {
        let mut seen = Vec::new();
        loop {
            let frame = self.next().await;
            let done = wanted(&frame);
            seen.push(frame);
            if done {
                return seen;
            }
        }
    }

    /// Frames until the AI's run ends (it stops typing: after an answer, a
    /// notice or a fault).
    pub(crate) async fn until_answer(&mut self) -> Vec<Frame> {
        self.until(|frame| {
            frame.event == "typing" && frame.data["role"] == "ai" && frame.data["active"] == false
        })
        .await
    }

    async fn next_frame(&mut self) -> Frame {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let raw: String = self.buffer.drain(..end + 2).collect();
                if let Some(frame) = parse(&raw) {
                    return frame;
                }
            }
            let chunk = self
                .body
                .next()
                .await
                .expect("the stream is open")
                .expect("a chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

fn parse(raw: &str) -> Option<Frame> {
    let (mut id, mut event, mut data) = (None, String::from("message"), None);
    for line in raw.lines() {
        if let Some(value) = line.strip_prefix("id:") {
            id = value.trim().parse().ok();
        } else if let Some(value) = line.strip_prefix("event:") {
            event = value.trim().to_owned();
        } else if let Some(value) = line.strip_prefix("data:") {
            data = serde_json::from_str(value.trim()).ok();
        }
    }
    data.map(|data| Frame { id, event, data })
}

/// The last message among `frames` (the answer or the notice of a run).
pub(crate) fn answer(frames: &[Frame]) -> &Value {
    &frames
        .iter()
        .rev()
        .find(|frame| frame.event == "message")
        .expect("a message")
        .data
}

/// The AI's text as the stream showed it while streaming: the text the
/// `streaming` message came with, then the deltas.
pub(crate) fn streamed(frames: &[Frame]) -> String {
    frames
        .iter()
        .filter(|frame| {
            frame.event == "delta"
                || (frame.event == "message" && frame.data["status"] == "streaming")
        })
        .map(|frame| frame.data["text"].as_str().unwrap_or_default())
        .collect()
}
