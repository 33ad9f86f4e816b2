//! The operator's copilot (`docs/copilot.md`): canned replies per project
//! ([`replies`]), the suggested reply ([`suggest`]) and the conversation's
//! summary ([`summary`]), two-way translation ([`translation`]), and the
//! visitor's rating ([`ratings`]).

mod ratings;
mod replies;
mod suggest;
mod summary;
mod translation;
