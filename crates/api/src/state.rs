use std::sync::{Arc, Mutex};

use tandem_db::DatabaseConnection;
use tandem_domain::throttle::Throttle;

use crate::config::ApiConfig;

/// Shared by every worker; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<ApiConfig>,
    pub throttle: Arc<LoginThrottle>,
    /// A real Argon2id hash of a random password: verifying against it when the login is
    /// unknown makes "no such user" take as long as "wrong password".
    pub dummy_hash: Arc<String>,
}

/// Failed-login bookkeeping per account and per client address.
pub struct LoginThrottle {
    pub accounts: Mutex<Throttle>,
    pub addresses: Mutex<Throttle>,
}

impl AppState {
    pub async fn new(db: DatabaseConnection, config: ApiConfig) -> Self {
        let dummy = crate::security::hash_password(crate::security::random_token(16))
            .await
            .unwrap_or_default();
        Self {
            db,
            throttle: Arc::new(LoginThrottle {
                accounts: Mutex::new(Throttle::new(config.account_limits)),
                addresses: Mutex::new(Throttle::new(config.address_limits)),
            }),
            config: Arc::new(config),
            dummy_hash: Arc::new(dummy),
        }
    }
}
