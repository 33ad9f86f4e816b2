//! The knowledge base of a project: what a site owner feeds the AI from the
//! dashboard (uploaded files, a crawled website), kept as Markdown text.
//!
//! # Layout
//! - [`extract`]: a page or an uploaded file to clean Markdown, with caps on
//!   size and time; a parser failure fails that file only.
//! - [`crawl`]: a website (from a start page or a sitemap) to pages of
//!   Markdown, same site only, robots.txt respected, with caps on pages,
//!   size, time and concurrency; progress as a stream of events.
//! - [`chunk`]: a kept text split into chunks for retrieval (issue 18).
//! - [`vectors`]: embedding vectors quantised to bytes, and the exact-scan
//!   index that searches them.

pub mod chunk;
pub mod crawl;
pub mod extract;
pub mod vectors;
