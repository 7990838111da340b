//! What the signed-in tab knows and keeps current: who is signed in, the live connection, the
//! directory (departments, people) and the tasks it has seen.

pub mod auth;
pub mod directory;
pub mod live;
pub mod tasks;

pub use auth::{Notice, use_auth};
