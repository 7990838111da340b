//! What the web app (`tandem-web`) decides without a browser: how live events change the tasks
//! a tab holds, how a draft meets a colleague's change, @-mentions, formatting, the file
//! library's folder tree, names and resumable pieces, co-edited documents' Yjs protocol. Kept
//! out of the wasm crate so `cargo
//! test` runs it natively (scripts/test.sh, lint lane).

pub mod board;
pub mod coedit;
pub mod draft;
pub mod files;
pub mod format;
pub mod gantt;
pub mod markdown_edit;
pub mod mention;
pub mod settle;
pub mod task_store;
pub mod texts;
