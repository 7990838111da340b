use std::sync::{Arc, Mutex};

use tandem_db::DatabaseConnection;
use tandem_domain::throttle::Throttle;

use crate::cache::ReadCache;
use crate::config::ApiConfig;

/// Shared by every worker; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<ApiConfig>,
    pub throttle: Arc<LoginThrottle>,
    /// Bounded Argon2 work (see `crate::security::PasswordHasher`).
    pub hasher: Arc<crate::security::PasswordHasher>,
    /// A real Argon2id hash of a random password: verifying against it when the login is
    /// unknown makes "no such user" take as long as "wrong password".
    pub dummy_hash: Arc<String>,
    /// File contents (blobs): a directory under the data dir, or S3 (`TANDEM_STORAGE_URL`).
    pub files: Arc<dyn object_store::ObjectStore>,
    /// Users, projects, memberships and tasks read on nearly every request (SQLite only).
    pub cache: Arc<ReadCache>,
    /// Live events for WebSocket clients.
    pub events: Arc<crate::events::EventBus>,
    /// Bulk writes (task batches) in progress at once. SQLite has one writer: batches queue
    /// here, in order and without a deadline, rather than on the database's lock, where a
    /// few large ones in a row would exceed the busy timeout and fail everyone's writes.
    pub bulk_writes: Arc<tokio::sync::Semaphore>,
    /// Co-edited documents open on this instance (F5).
    pub rooms: Arc<crate::rooms::Rooms>,
}

/// Failed-login bookkeeping per account, per client address and per known device, and
/// registrations per address.
pub struct LoginThrottle {
    pub accounts: Mutex<Throttle>,
    pub addresses: Mutex<Throttle>,
    pub devices: Mutex<Throttle>,
    /// All known devices of one account together: a ceiling above each device's own count.
    pub device_accounts: Mutex<Throttle>,
    pub registrations: Mutex<Throttle>,
}

impl AppState {
    /// Fails when the file store's directory cannot be created.
    pub async fn new(db: DatabaseConnection, config: ApiConfig) -> Result<Self, String> {
        let storage =
            tandem_files::Storage::parse(config.storage_url.as_deref(), &config.files_dir)?;
        let files = tandem_files::open(&storage)?;
        tracing::info!(storage = %storage.describe(), "file store");
        let dummy = crate::security::hash_password(crate::security::random_token(16))
            .await
            .unwrap_or_default();
        let cache = ReadCache::new(config.read_cache && tandem_db::is_sqlite(&db));
        let newest = tandem_db::events::newest(&db)
            .await
            .map_err(|e| format!("cannot read the event log: {e}"))?;
        let events = crate::events::EventBus::new(
            config.access_ttl,
            u64::try_from(newest).unwrap_or(0),
            config.live.socket_queue,
        );
        let bulk = if tandem_db::is_sqlite(&db) { 1 } else { 4 };
        // Sessions ended shortly before this start still have unexpired access tokens: they
        // are refused here too, not only by the process that ended them.
        let since = chrono::Utc::now()
            - chrono::Duration::from_std(config.access_ttl + std::time::Duration::from_secs(60))
                .unwrap_or(chrono::Duration::minutes(16));
        let revoked = tandem_db::accounts::sessions_revoked_since(&db, since)
            .await
            .map_err(|e| format!("cannot read ended sessions: {e}"))?;
        for (_, session) in revoked {
            events.note_session_ended(session);
        }
        Ok(Self {
            db,
            cache: Arc::new(cache),
            events: Arc::new(events),
            throttle: Arc::new(LoginThrottle {
                accounts: Mutex::new(Throttle::new(config.account_limits)),
                addresses: Mutex::new(Throttle::new(config.address_limits)),
                devices: Mutex::new(Throttle::new(config.device_limits)),
                device_accounts: Mutex::new(Throttle::new(config.device_account_limits)),
                registrations: Mutex::new(Throttle::new(config.registration_limits)),
            }),
            bulk_writes: Arc::new(tokio::sync::Semaphore::new(bulk)),
            rooms: Arc::new(crate::rooms::Rooms::new()),
            hasher: Arc::new(crate::security::PasswordHasher::new(
                config.hash_concurrency,
                config.hash_wait,
            )),
            config: Arc::new(config),
            dummy_hash: Arc::new(dummy),
            files,
        })
    }

    /// Delivers committed events to this instance's sockets (see `crate::events`). A failure
    /// is logged: the events stay in the table for the next delivery.
    pub async fn deliver(&self) {
        if let Err(e) = self.events.deliver(&self.db).await {
            tracing::warn!(error = %e, "could not deliver events");
        }
    }
}
