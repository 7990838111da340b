//! One folder per area of the app. A feature uses `components`, `state` and `api` (and
//! another feature only through what its `mod.rs` exports, never its internals).

pub mod admin;
pub mod auth;
pub mod boards;
pub mod docs;
pub mod files;
pub mod me;
pub mod notifications;
pub mod people;
pub mod projects;
pub mod tasks;
