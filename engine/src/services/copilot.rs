//! The operator's copilot (`docs/copilot.md`): what helps an operator answer
//! faster.
//!
//! - [`replies`]: canned replies per project, inserted from the `/` menu.
//! - [`suggest`]: a reply drafted by the project's AI, streamed into the
//!   reply box, sent only by the operator.
//! - [`summary`]: what the conversation is about, for the operator who
//!   takes it over.

pub mod replies;
pub mod suggest;
pub mod summary;
