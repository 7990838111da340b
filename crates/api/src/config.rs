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
    /// Where uploaded files are stored when no storage URL is given (T5, F6).
    pub files_dir: PathBuf,
    /// `TANDEM_STORAGE_URL`: `s3://bucket/prefix` (credentials from the `AWS_*` variables), or
    /// a directory.
    pub storage_url: Option<String>,
    /// Largest accepted upload, checked while streaming.
    pub max_upload_bytes: u64,
    /// The in-process read cache (only ever used with SQLite; see `crate::cache`).
    pub read_cache: bool,
    /// Background work, mail and event retention.
    pub live: LiveConfig,
}

/// The live platform's settings (issue 11).
#[derive(Clone)]
pub struct LiveConfig {
    /// `smtp://`, `smtps://` or `smtp+starttls://` URL of the mail relay (`TANDEM_SMTP_URL`);
    /// without it no mail is sent and none is queued.
    pub smtp_url: Option<String>,
    /// The sender of notification mail (`TANDEM_MAIL_FROM`).
    pub mail_from: String,
    /// The address people open Tandem at, for links in mail (`TANDEM_PUBLIC_URL`).
    pub public_url: String,
    /// Notifications within this long of the first go out in one mail (`TANDEM_MAIL_BATCH_SECS`).
    pub mail_batch: Duration,
    /// How long events stay resumable (`TANDEM_EVENT_RETENTION`, 7 days by default).
    pub event_retention: Duration,
    /// Read notifications older than this are removed (`TANDEM_NOTIFICATION_RETENTION`).
    pub notification_retention: Duration,
    /// How long before the end of its due date a task is "due soon" (`TANDEM_DUE_SOON_HOURS`).
    pub due_soon: Duration,
    /// How often due dates are scanned (`TANDEM_SCAN_INTERVAL_SECS`).
    pub scan_every: Duration,
    /// How long a claimed job stays a worker's without a heartbeat (`TANDEM_JOB_LEASE_SECS`):
    /// after a crash, the time until another instance takes its jobs over.
    pub job_lease: Duration,
    /// Whether this instance runs background jobs (`TANDEM_WORKERS`, on by default).
    pub workers: bool,
    /// Events a WebSocket may fall behind before it is disconnected (and resumes from the
    /// table); see `crate::events::CHANNEL`.
    pub socket_queue: usize,
    /// How often an open document reads the updates other instances wrote; `None` is the
    /// engine's default (`crate::rooms`). Tests set it to show that PostgreSQL's `NOTIFY`
    /// alone carries edits between instances.
    pub doc_poll: Option<Duration>,
}

impl std::fmt::Debug for LiveConfig {
    // The SMTP URL may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveConfig")
            .field("smtp", &self.smtp_url.is_some())
            .field("mail_from", &self.mail_from)
            .field("public_url", &self.public_url)
            .field("mail_batch", &self.mail_batch)
            .field("event_retention", &self.event_retention)
            .field("due_soon", &self.due_soon)
            .field("scan_every", &self.scan_every)
            .field("workers", &self.workers)
            .finish()
    }
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_from: "Tandem <tandem@localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            mail_batch: Duration::from_secs(120),
            event_retention: Duration::from_secs(7 * 24 * 3600),
            notification_retention: Duration::from_secs(180 * 24 * 3600),
            due_soon: Duration::from_secs(24 * 3600),
            scan_every: Duration::from_secs(60),
            job_lease: Duration::from_secs(30),
            workers: true,
            socket_queue: crate::events::CHANNEL,
            doc_poll: None,
        }
    }
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
            .field("storage_url", &self.storage_url)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("read_cache", &self.read_cache)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("hash_concurrency", &self.hash_concurrency)
            .field("live", &self.live)
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
            storage_url: None,
            max_upload_bytes: 2048 * 1024 * 1024,
            read_cache: true,
            live: LiveConfig::default(),
        }
    }
}
