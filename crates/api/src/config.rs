use std::path::PathBuf;
use std::time::Duration;

use tandem_domain::throttle::Limits;

/// What the HTTP layer needs to know; built by the server from its layered configuration.
#[derive(Clone)]
pub struct ApiConfig {
    /// HMAC key for access tokens.
    pub jwt_secret: Vec<u8>,
    /// Lifetime of an access token (15 minutes by default).
    pub access_ttl: Duration,
    /// Lifetime of a refresh token.
    pub refresh_ttl: Duration,
    /// Failed logins per account.
    pub account_limits: Limits,
    /// Failed logins per client address.
    pub address_limits: Limits,
    /// Directory with the built web app (`index.html` and assets), when present.
    pub web_dir: Option<PathBuf>,
    /// Where uploaded files are stored (T5).
    pub files_dir: PathBuf,
    /// Largest accepted upload, checked while streaming.
    pub max_upload_bytes: u64,
    /// The in-process read cache (only ever used with SQLite; see `crate::cache`).
    pub read_cache: bool,
}

impl std::fmt::Debug for ApiConfig {
    // Hand-written so the secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("jwt_secret", &"<redacted>")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("web_dir", &self.web_dir)
            .field("files_dir", &self.files_dir)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("read_cache", &self.read_cache)
            .finish()
    }
}

impl ApiConfig {
    /// Production defaults around a given secret.
    pub fn with_secret(jwt_secret: Vec<u8>) -> Self {
        Self {
            jwt_secret,
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            account_limits: Limits {
                max_failures: 5,
                window: Duration::from_secs(15 * 60),
                lockout: Duration::from_secs(15 * 60),
            },
            address_limits: Limits {
                max_failures: 50,
                window: Duration::from_secs(15 * 60),
                lockout: Duration::from_secs(15 * 60),
            },
            web_dir: None,
            files_dir: std::env::temp_dir().join("tandem-files"),
            max_upload_bytes: 50 * 1024 * 1024,
            read_cache: true,
        }
    }
}
