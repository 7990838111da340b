//! 个人中心: profile and avatar, quick-reply templates, personal access tokens.

mod profile;
mod quick_replies;
mod security;
mod tokens;

pub use profile::ProfilePage;
pub use quick_replies::QuickRepliesPage;
pub use security::SecurityPage;
pub use tokens::TokensPage;
