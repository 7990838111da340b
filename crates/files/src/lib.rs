//! The file library's engine, free of HTTP and SQL: where blobs are stored (a local directory
//! or S3-compatible storage), how an upload is streamed into the store while it is hashed and
//! measured, what a file's bytes say it is, how names travel in headers, how a version is
//! previewed and how two versions differ.

pub mod blob;
pub mod collab;
pub mod diff;
pub mod names;
pub mod preview;
pub mod store;

pub use blob::{BlobWriter, StagedBlob, WriteError};
pub use store::{Storage, open};
