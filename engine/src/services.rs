//! The one service layer: every rule of aiwidget lives here, called by the v1
//! handlers of the `server` crate and by the dashboard's server functions.
//!
//! # Layout
//! - [`ai_call`]: one AI call for the dashboard (playground, suggestion), on the daily budget.
//! - [`api_keys`]: the projects' OpenAI keys, encrypted at rest.
//! - [`auth`]: logging in and out, the user behind a session.
//! - [`health`]: the database check behind `/health`.
//! - [`passwords`]: argon2 hashing and verification.
//! - [`people`]: operators and admins, managed by admins.
//! - [`projects`]: projects, validated field by field.
//! - [`sessions`]: signed tokens with an audience per purpose.
//! - [`throttle`]: login attempts per username and per IP.
//! - [`upstream`]: the project's provider: models and vector stores.
//! - [`users`]: the first admin, created and kept in step with `ADMIN_PASSWORD`.
//! - [`maintenance`]: start-up repairs (messages left streaming by a crash).
//! - [`widget`]: the widget's side: config, session, sending, handoff, typing.
//! - [`visitors`], [`conversations`], [`messages`]: the rows behind a chat.
//! - [`events`]: durable events, ordered by id, replayed by the streams.
//! - [`notices`]: what the system tells a visitor, in their language.
//! - [`hub`]: in-process fan-out of events and token deltas.
//! - [`bus`]: several instances on one PostgreSQL (`LISTEN/NOTIFY`).
//! - [`lease`]: which instance runs the AI of a conversation.
//! - [`streams`]: what an event stream sends (replay + live, each delta once).
//! - [`relay`]: the AI answering a conversation, cancellable, fault-tolerant.
//! - [`limits`]: per-visitor, per-IP and daily AI limits, counted in the database.
//! - [`flood`]: requests per client of the widget's API, in memory, before the database.
//! - [`origin_cache`]: all allowed origins, for CORS preflights.
//! - [`inbox`]: the operators' list of conversations and one conversation.
//! - [`takeover`]: operators taking over, answering, releasing, closing.
//! - [`presence`]: which operators are online (an open stream).
//! - [`deadlines`]: the "nobody came in N minutes" sweep.
//! - [`retention`]: conversations past their project's retention, old events.
//! - [`privacy`]: one visitor's data exported or deleted (admins).
//! - [`knowledge`]: the knowledge base (files, websites, Q&A) and its jobs.
//! - [`alerts`]: alerts to operators in Telegram and by email, queued and sent.
//! - [`telegram`]: the operators' bot: linking a chat, replies and buttons, the long poll.
//! - [`copilot`]: the operator's canned replies and suggested reply.
//! - [`stats`]: the owner's numbers of a period, and the conversations as CSV.
//! - [`legacy_import`]: projects and chats of the Node.js version, same ids.

pub mod ai_call;
pub mod alerts;
pub mod api_keys;
pub mod auth;
pub mod bus;
pub mod conversations;
pub mod copilot;
pub mod deadlines;
pub mod events;
pub mod flood;
pub mod health;
pub mod hub;
pub mod inbox;
pub mod knowledge;
pub mod lease;
pub mod legacy_import;
pub mod limits;
pub mod maintenance;
pub mod messages;
pub mod notices;
pub mod origin_cache;
pub mod passwords;
pub mod people;
pub mod presence;
pub mod privacy;
pub mod projects;
pub mod relay;
pub mod retention;
pub mod sessions;
pub mod stats;
pub mod streams;
pub mod takeover;
pub mod telegram;
pub mod throttle;
pub mod typing;
pub mod upstream;
pub mod users;
pub mod visitors;
pub mod widget;
