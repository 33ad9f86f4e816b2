//! The operator's copilot (`docs/copilot.md`): canned replies per project
//! ([`replies`]) and the suggested reply ([`suggest`]).

mod replies;
mod suggest;
