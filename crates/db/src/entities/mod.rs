//! sea-orm entities: one module per table. Enum-like columns are stored as text and
//! converted at the repository boundary.

pub mod audit_log;
pub mod departments;
pub mod idempotency_keys;
pub mod notifications;
pub mod personal_tokens;
pub mod quick_replies;
pub mod refresh_tokens;
pub mod users;
