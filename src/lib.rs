//! shortlist: reads a team's markdown plan and git repository and answers what is left,
//! what is in flight and what to pick next. The CLI and the Discord bot are thin front
//! ends over this library.

pub mod app;
pub mod bot;
pub mod cli;
pub mod config;
pub mod digest;
pub mod note;
pub mod plan;
pub mod render;
pub mod repo;
pub mod sources;
pub mod store;
pub mod triage;
