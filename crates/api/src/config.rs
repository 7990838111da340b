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
    /// Failed logins per client address (for clients without a device token, see
    /// `crate::security::issue_device_token`).
    pub address_limits: Limits,
    /// Failed logins per known device (a device token's own count).
    pub device_limits: Limits,
    /// Failed logins of all the known devices of one account together.
    pub device_account_limits: Limits,
    /// Registrations per client address.
    pub registration_limits: Limits,
    /// How long a device token stays valid.
    pub device_token_ttl: Duration,
    /// Password hashes computed at once (the machine's cores by default).
    pub hash_concurrency: usize,
    /// How long a login, registration or password change waits for a hashing slot before
    /// it is answered 503 with `Retry-After`.
    pub hash_wait: Duration,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name the client
    /// (`TANDEM_TRUSTED_PROXIES`); the headers of anyone else are ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header those proxies name the client in (`TANDEM_PROXY_HEADER`).
    pub proxy_header: crate::extract::ProxyHeader,
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
            .field("trusted_proxies", &self.trusted_proxies)
            .field("hash_concurrency", &self.hash_concurrency)
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
            device_limits: Limits {
                max_failures: 5,
                window: Duration::from_secs(15 * 60),
                lockout: Duration::from_secs(15 * 60),
            },
            device_account_limits: Limits {
                max_failures: 20,
                window: Duration::from_secs(15 * 60),
                lockout: Duration::from_secs(15 * 60),
            },
            // Every registration counts, successful or not: a script creating accounts is
            // the thing to slow down.
            registration_limits: Limits {
                max_failures: 10,
                window: Duration::from_secs(3600),
                lockout: Duration::from_secs(3600),
            },
            device_token_ttl: Duration::from_secs(180 * 24 * 3600),
            hash_concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            hash_wait: Duration::from_secs(3),
            trusted_proxies: Vec::new(),
            proxy_header: crate::extract::ProxyHeader::XForwardedFor,
            web_dir: None,
            files_dir: std::env::temp_dir().join("tandem-files"),
            max_upload_bytes: 50 * 1024 * 1024,
            read_cache: true,
        }
    }
}
