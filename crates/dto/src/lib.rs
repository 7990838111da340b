//! Wire types shared by the server, the typed client and the browser app.
//!
//! Server-only derives (OpenAPI schemas, validation) sit behind the `openapi` and
//! `validate` features so the wasm build stays small.

/// A string enum on the wire: snake_case names, `as_str`/`parse` for storage as text.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

pub mod accounts;
pub mod board;
pub mod common;
pub mod dashboard;
pub mod events;
pub mod files;
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
pub use files::*;
pub use integration::*;
pub use projects::*;
pub use risk::*;
pub use schedule::*;
pub use tasks::*;
