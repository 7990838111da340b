//! Streaming an upload into the store: counted against a limit (nothing kept past it),
//! hashed (SHA-256), its first bytes kept for sniffing. Bytes go to a fresh key
//! (`blobs/<uuid>`); whether they become a new blob or turn out to duplicate a stored one is
//! decided by the caller's transaction (see `tandem_db::files::settle_blob`).

use std::sync::Arc;

use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

/// How much of the start of a file is kept to tell its type.
pub const HEAD_BYTES: usize = 8192;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the file is larger than the limit")]
    TooLarge,
    #[error("the file store failed: {0}")]
    Store(#[from] object_store::Error),
}

/// What was written.
#[derive(Debug, Clone)]
pub struct StagedBlob {
    pub key: String,
    pub sha256: String,
    pub size: u64,
    /// The first [`HEAD_BYTES`] bytes.
    pub head: Vec<u8>,
}

/// An upload under way.
pub struct BlobWriter {
    key: String,
    writer: WriteMultipart,
    hashing: Hashing,
    size: u64,
    limit: u64,
    head: Vec<u8>,
    /// Bytes received and not yet handed on, [`STAGE`] at a time.
    staged: bytes::BytesMut,
}

/// Received chunks are copied into buffers of this size, handed to the hashing and to the
/// store. Handing the network's own buffers on instead (no copy) kept each of them alive until
/// written and hashed, so every read went to fresh memory the kernel had to zero first: 15 % of
/// an upload's time, more than the copy costs.
const STAGE: usize = 1024 * 1024;

/// Past this size the hash is computed on a thread of its own, beside the receiving and the
/// writing: on the request's thread it was the longest single step of a large upload (SHA-256
/// runs at about the speed of `cp`), and nothing else needs it before the end.
const HASH_THREAD_FROM: u64 = 4 * 1024 * 1024;

/// Hashing happens on the request's thread for small files, and for large ones on a blocking
/// thread fed with the [`STAGE`]-sized buffers (a wake-up per buffer, not per network chunk).
enum Hashing {
    Inline(Sha256),
    Thread {
        buffers: tokio::sync::mpsc::Sender<bytes::Bytes>,
        done: tokio::task::JoinHandle<Sha256>,
    },
}

impl Hashing {
    async fn update(&mut self, buffer: &bytes::Bytes, size: u64) {
        if let Hashing::Inline(h) = self {
            if size <= HASH_THREAD_FROM {
                h.update(buffer);
                return;
            }
            let mut h = std::mem::take(h);
            let (tx, mut rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(8);
            let done = tokio::task::spawn_blocking(move || {
                while let Some(b) = rx.blocking_recv() {
                    h.update(&b);
                }
                h
            });
            *self = Hashing::Thread { buffers: tx, done };
        }
        if let Hashing::Thread { buffers, .. } = self {
            // Shared, not copied. A send fails only when the thread is gone, which `finish`
            // reports.
            let _ = buffers.send(buffer.clone()).await;
        }
    }

    async fn finish(self) -> Result<String, WriteError> {
        let h = match self {
            Hashing::Inline(h) => h,
            Hashing::Thread { buffers, done } => {
                drop(buffers);
                done.await.map_err(|e| {
                    WriteError::Store(object_store::Error::Generic {
                        store: "hash",
                        source: Box::new(e),
                    })
                })?
            }
        };
        Ok(hex::encode(h.finalize()))
    }
}

impl BlobWriter {
    /// Starts writing a new blob of at most `limit` bytes.
    pub async fn start(store: &Arc<dyn ObjectStore>, limit: u64) -> Result<Self, WriteError> {
        let key = format!("blobs/{}", uuid::Uuid::now_v7());
        let upload = store.put_multipart(&StorePath::from(key.as_str())).await?;
        Ok(BlobWriter {
            key,
            writer: WriteMultipart::new(upload),
            hashing: Hashing::Inline(Sha256::new()),
            size: 0,
            limit,
            head: Vec::new(),
            staged: bytes::BytesMut::with_capacity(STAGE),
        })
    }

    /// Appends a chunk. Past the limit the upload is abandoned and nothing is kept.
    pub async fn write(&mut self, chunk: bytes::Bytes) -> Result<(), WriteError> {
        if self.size + chunk.len() as u64 > self.limit {
            return Err(WriteError::TooLarge);
        }
        if self.head.len() < HEAD_BYTES {
            let take = chunk.len().min(HEAD_BYTES - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            let take = rest.len().min(STAGE - self.staged.len());
            self.staged.extend_from_slice(&rest[..take]);
            self.size += take as u64;
            rest = &rest[take..];
            if self.staged.len() == STAGE {
                self.hand_on().await?;
            }
        }
        Ok(())
    }

    /// Passes the staged bytes to the hashing and the store.
    async fn hand_on(&mut self) -> Result<(), WriteError> {
        if self.staged.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.staged, bytes::BytesMut::with_capacity(STAGE));
        let bytes = full.freeze();
        self.hashing.update(&bytes, self.size).await;
        // At most a few parts in flight: memory stays bounded however large the file.
        self.writer.wait_for_capacity(4).await?;
        self.writer.put(bytes);
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Completes the object.
    pub async fn finish(mut self) -> Result<StagedBlob, WriteError> {
        self.hand_on().await?;
        self.writer.finish().await?;
        Ok(StagedBlob {
            key: self.key,
            sha256: self.hashing.finish().await?,
            size: self.size,
            head: self.head,
        })
    }

    /// Abandons the upload; nothing stays behind.
    pub async fn abort(self) {
        if let Err(e) = self.writer.abort().await {
            tracing::warn!(error = %e, "could not abandon an upload");
        }
    }
}

/// Writes `bytes` as a new blob (documents' text, small generated files).
pub async fn write_all(
    store: &Arc<dyn ObjectStore>,
    bytes: &[u8],
    limit: u64,
) -> Result<StagedBlob, WriteError> {
    let mut w = BlobWriter::start(store, limit).await?;
    for chunk in bytes.chunks(1 << 20) {
        if let Err(e) = w.write(bytes::Bytes::copy_from_slice(chunk)).await {
            w.abort().await;
            return Err(e);
        }
    }
    w.finish().await
}

/// How much a download reads from a local file at a time. object_store's own stream reads
/// 8 KiB per blocking call, which caps a download at a fraction of the disk's speed.
const READ_CHUNK: usize = 1024 * 1024;

/// The bytes of a stored object (all, or `range`), as a stream of large chunks.
pub async fn read_stream(
    store: &Arc<dyn ObjectStore>,
    key: &str,
    range: Option<std::ops::Range<u64>>,
) -> Result<
    futures_util::stream::BoxStream<'static, Result<bytes::Bytes, std::io::Error>>,
    object_store::Error,
> {
    use futures_util::{StreamExt, TryStreamExt};
    let opts = object_store::GetOptions {
        range: range.map(object_store::GetRange::Bounded),
        ..Default::default()
    };
    let got = store.get_opts(&StorePath::from(key), opts).await?;
    let wanted = got.range.clone();
    match got.payload {
        object_store::GetResultPayload::File(mut file, _) => {
            use std::io::Seek;
            file.seek(std::io::SeekFrom::Start(wanted.start))
                .map_err(|e| object_store::Error::Generic {
                    store: "local",
                    source: Box::new(e),
                })?;
            let file = tokio::io::AsyncReadExt::take(
                tokio::fs::File::from_std(file),
                wanted.end - wanted.start,
            );
            Ok(tokio_util::io::ReaderStream::with_capacity(file, READ_CHUNK).boxed())
        }
        object_store::GetResultPayload::Stream(s) => {
            Ok(s.map_err(|e| std::io::Error::other(e.to_string())).boxed())
        }
    }
}

/// The SHA-256 of `bytes`, as blobs are named by.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores bytes held in memory under a fresh key in one request (also when empty, which a
/// multipart upload cannot be on S3): a document's text.
pub async fn put_bytes(
    store: &Arc<dyn ObjectStore>,
    bytes: Vec<u8>,
) -> Result<StagedBlob, WriteError> {
    let key = format!("blobs/{}", uuid::Uuid::now_v7());
    let sha256 = sha256_hex(&bytes);
    let size = bytes.len() as u64;
    let head = bytes[..bytes.len().min(HEAD_BYTES)].to_vec();
    store
        .put(&StorePath::from(key.as_str()), bytes.into())
        .await?;
    Ok(StagedBlob {
        key,
        sha256,
        size,
        head,
    })
}

/// Removes an object; a missing one is fine (removed already).
pub async fn remove(store: &Arc<dyn ObjectStore>, key: &str) -> Result<(), object_store::Error> {
    // Thumbnails made from the blob go with it (they are named after its key).
    for side in crate::preview::image::SIZES {
        delete(store, &preview_key(key, side)).await?;
    }
    delete(store, key).await
}

async fn delete(store: &Arc<dyn ObjectStore>, key: &str) -> Result<(), object_store::Error> {
    match store.delete(&StorePath::from(key)).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Where the thumbnail of the blob stored at `key`, `side` pixels at most, is kept.
pub fn preview_key(key: &str, side: u32) -> String {
    format!("previews/{}/{side}", key.trim_start_matches("blobs/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    #[tokio::test]
    async fn a_blob_is_hashed_and_measured_while_it_streams() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let b = write_all(&store, b"hello", 10).await.unwrap();
        assert_eq!(
            b.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!((b.size, b.head.as_slice()), (5, &b"hello"[..]));
        let got = store.get(&StorePath::from(b.key.as_str())).await.unwrap();
        assert_eq!(got.bytes().await.unwrap().as_ref(), b"hello");
    }

    #[tokio::test]
    async fn past_the_limit_nothing_is_kept() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        assert!(matches!(
            write_all(&store, &[7u8; 11], 10).await,
            Err(WriteError::TooLarge)
        ));
        let listed = futures_util::StreamExt::collect::<Vec<_>>(store.list(None)).await;
        assert!(listed.is_empty());
    }

    #[tokio::test]
    async fn removing_a_blob_removes_its_thumbnails() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let b = write_all(&store, b"pixels", 10).await.unwrap();
        let thumb = StorePath::from(preview_key(&b.key, 256));
        store.put(&thumb, b"small".to_vec().into()).await.unwrap();
        remove(&store, &b.key).await.unwrap();
        assert!(store.head(&thumb).await.is_err());
        assert!(store.head(&StorePath::from(b.key.as_str())).await.is_err());
    }
}
