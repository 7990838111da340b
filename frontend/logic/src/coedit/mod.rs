//! Co-edited documents (issue 13, F5) without the browser: the Yjs sync and awareness protocol
//! on the shared `Y.Text` named `content` (yrs, the Rust port of Yjs, so any Yjs client
//! interoperates), a textarea's changes as Yjs operations, selections carried across remote
//! edits, who is present, and what the editor draws over the text for their cursors.

pub mod overlay;
pub mod presence;
pub mod preview;
pub mod session;
pub mod splice;

pub use presence::User;
pub use session::{Incoming, Peer, Selection, Session};
