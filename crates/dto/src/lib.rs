//! Wire types shared by the server, the typed client and the browser app.
//!
//! Server-only derives (OpenAPI schemas, validation) sit behind the `openapi` and
//! `validate` features so the wasm build stays small.

pub mod accounts;
pub mod board;
pub mod common;
pub mod dashboard;
pub mod events;
pub mod integration;
pub mod notification_text;
pub mod projects;
pub mod risk;
pub mod rules;
pub mod schedule;
pub mod tasks;

pub use accounts::*;
pub use board::*;
pub use common::*;
pub use dashboard::*;
pub use events::*;
pub use integration::*;
pub use projects::*;
pub use risk::*;
pub use schedule::*;
pub use tasks::*;
