//! The HTTP edge: actix-web handlers per feature, authentication extractors, the one
//! problem+json error type and the OpenAPI document.

pub mod app;
pub mod background;
pub mod bootstrap;
pub mod cache;
pub mod config;
pub mod error;
pub mod events;
pub mod extract;
pub mod features;
pub mod idempotency;
pub mod jobs;
pub mod openapi;
pub mod outbox;
pub mod rooms;
pub mod security;
pub mod state;

pub use app::build_app;
pub use config::ApiConfig;
pub use state::AppState;
