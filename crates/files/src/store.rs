//! Opening the blob store named by `TANDEM_STORAGE_URL`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;

/// Where blobs live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// A local directory (created when missing).
    Local(PathBuf),
    /// An S3-compatible bucket, under `prefix` (may be empty). Endpoint, region and
    /// credentials come from the usual `AWS_*` variables (`AWS_ENDPOINT_URL`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`).
    S3 { bucket: String, prefix: String },
}

impl Storage {
    /// Reads a storage URL: `s3://bucket/prefix`, `file:///dir` or a plain directory; `None`
    /// (no URL) is `default_dir`.
    pub fn parse(url: Option<&str>, default_dir: &Path) -> Result<Self, String> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Storage::Local(default_dir.to_path_buf()));
        };
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!("{url:?} names no bucket (s3://bucket/prefix)"));
            }
            return Ok(Storage::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            });
        }
        if let Some(dir) = url.strip_prefix("file://") {
            return Ok(Storage::Local(PathBuf::from(dir)));
        }
        if url.contains("://") {
            return Err(format!(
                "{url:?}: storage URLs are s3://bucket/prefix, file:///dir or a directory"
            ));
        }
        Ok(Storage::Local(PathBuf::from(url)))
    }

    /// For the start-up log: never a credential.
    pub fn describe(&self) -> String {
        match self {
            Storage::Local(dir) => format!("directory {}", dir.display()),
            Storage::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

/// Opens the store.
pub fn open(storage: &Storage) -> Result<Arc<dyn ObjectStore>, String> {
    match storage {
        Storage::Local(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let fs = LocalFileSystem::new_with_prefix(dir)
                .map_err(|e| format!("cannot use {} for files: {e}", dir.display()))?
                // Removing the last blob of a directory removes the directory too.
                .with_automatic_cleanup(true)
                // A version is committed only after its bytes are: they must be on disk by
                // then, or a power cut leaves a version without content.
                .with_fsync(true);
            Ok(Arc::new(fs))
        }
        Storage::S3 { bucket, prefix } => {
            // The S3 client's TLS runs on ring; installed once per process (a second call
            // finds it installed, which is fine).
            let _ = rustls::crypto::ring::default_provider().install_default();
            let has_keys = std::env::var_os("AWS_ACCESS_KEY_ID").is_some();
            let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
            if std::env::var_os("AWS_REGION").is_none()
                && std::env::var_os("AWS_DEFAULT_REGION").is_none()
            {
                b = b.with_region("us-east-1");
            }
            if !has_keys && std::env::var_os("AWS_WEB_IDENTITY_TOKEN_FILE").is_none() {
                // Without keys the client would ask the cloud's instance metadata service, a
                // surprise on any machine that is not a cloud instance.
                return Err("S3 storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into());
            }
            let s3 = b
                .build()
                .map_err(|e| format!("cannot use s3://{bucket}: {e}"))?;
            if prefix.is_empty() {
                Ok(Arc::new(s3))
            } else {
                Ok(Arc::new(PrefixStore::new(s3, prefix.as_str())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls_name_a_bucket_or_a_directory() {
        let d = Path::new("/data/files");
        assert_eq!(Storage::parse(None, d), Ok(Storage::Local(d.into())));
        assert_eq!(
            Storage::parse(Some("s3://tandem/prod/files/"), d),
            Ok(Storage::S3 {
                bucket: "tandem".into(),
                prefix: "prod/files".into()
            })
        );
        assert_eq!(
            Storage::parse(Some("s3://tandem"), d),
            Ok(Storage::S3 {
                bucket: "tandem".into(),
                prefix: String::new()
            })
        );
        assert_eq!(
            Storage::parse(Some("file:///srv/blobs"), d),
            Ok(Storage::Local("/srv/blobs".into()))
        );
        assert!(Storage::parse(Some("s3:///x"), d).is_err());
        assert!(Storage::parse(Some("gs://x"), d).is_err());
    }
}
