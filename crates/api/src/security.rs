//! Password hashing, access tokens (JWT) and opaque secrets.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm as JwtAlg, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const ISSUER: &str = "tandem";
pub const AUDIENCE: &str = "tandem-api";
/// Prefix of personal access tokens, so they are recognisable in logs and secret scanners.
pub const PAT_PREFIX: &str = "tdm_";
/// Anything longer is not a token we issued; refuse before parsing.
pub const MAX_TOKEN_LEN: usize = 4096;

fn argon2() -> Result<Argon2<'static>, argon2::Error> {
    // OWASP's recommended Argon2id settings: 19 MiB, 2 passes, 1 lane.
    Ok(Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None)?,
    ))
}

/// Bounds the Argon2 work running at once. Every hash takes 19 MiB and a core for a moment;
/// without a bound, a burst of logins or registrations would queue unbounded work and memory.
/// Callers wait up to `wait` for a permit, then get [`HashError::Busy`].
///
/// The work runs on `concurrency` threads of its own rather than tokio's blocking pool: the
/// allocator keeps a freed 19 MiB block for reuse in the arena of the thread that freed it, so
/// hashes spread over the pool's many threads left the server holding hundreds of MiB after a
/// morning's logins (measured: 766 MiB resident after ~140 hashes). On a few fixed threads the
/// same blocks are reused.
pub struct PasswordHasher {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
    work: std::sync::Mutex<std::sync::mpsc::Sender<HashJob>>,
}

type HashJob = Box<dyn FnOnce() + Send>;

impl PasswordHasher {
    /// `concurrency` hashes at once (the machine's cores by default), waiting at most `wait`.
    /// The threads end when the hasher is dropped.
    pub fn new(concurrency: usize, wait: std::time::Duration) -> Self {
        let n = concurrency.max(1);
        let (tx, rx) = std::sync::mpsc::channel::<HashJob>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..n {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("tandem-hash-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while taking a job, not while running it.
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Self {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(n)),
            wait,
            work: std::sync::Mutex::new(tx),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let (done, result) = tokio::sync::oneshot::channel();
        // The permit goes with the work: a request dropped while its hash runs (client gone,
        // shutdown) still holds its slot until the hash really ends.
        let job: HashJob = Box::new(move || {
            let out = work();
            drop(permit);
            let _ = done.send(out);
        });
        self.work
            .lock()
            .map_err(|_| HashError::Failed("hashing threads unavailable".into()))?
            .send(job)
            .map_err(|_| HashError::Failed("hashing threads gone".into()))?;
        result
            .await
            .map_err(|_| HashError::Failed("hashing thread ended".into()))
    }

    /// Hashes a password on the hashing threads.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || hash_blocking(&password))
            .await?
            .map_err(HashError::Failed)
    }

    /// Verifies a password on the hashing threads; any malformed hash counts as a mismatch.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, HashError> {
        self.run(move || verify_blocking(&password, &hash)).await
    }
}

/// Why hashing did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// Every permit stayed taken for the whole wait.
    #[error("password hashing is at capacity")]
    Busy,
    #[error("hashing failed: {0}")]
    Failed(String),
}

thread_local! {
    /// This thread's Argon2 memory, reused by every hash it runs: 19 MiB allocated once per
    /// hashing thread rather than once per hash, so the process keeps one block per thread
    /// instead of whatever the allocator holds on to (see `PasswordHasher`).
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Argon2 of `password` with the raw `salt` into `out`, with `a`'s parameters, in this
/// thread's memory.
fn argon2_into(
    a: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    BLOCKS.with(|cell| {
        let mut blocks = cell.borrow_mut();
        let n = a.params().block_count();
        if blocks.len() != n {
            *blocks = vec![argon2::Block::default(); n];
        }
        a.hash_password_into_with_memory(password, salt, out, &mut blocks[..])
    })
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), as `argon2`'s own
/// `PasswordHasher` writes it.
fn hash_blocking(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    let a = argon2().map_err(|e| e.to_string())?;
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| e.to_string())?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&a, password.as_bytes(), salt_bytes, &mut out).map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(a.params()).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// Checks `password` against a PHC string with that string's own parameters (hashes made
/// with other settings keep working); any malformed hash is a mismatch.
fn verify_blocking(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let a = Argon2::new(algorithm, version, params);
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if argon2_into(&a, password.as_bytes(), salt_bytes, &mut out).is_err() {
        return false;
    }
    // `Output`'s comparison takes constant time.
    Output::new(&out).is_ok_and(|o| o == expected)
}

/// Hashes outside any request (start-up, `tandem admin create`), where nothing competes.
pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| e.to_string())?
}

/// `n` random bytes, URL-safe base64.
pub fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Tokens are stored only as SHA-256: they are long random strings, so a fast hash suffices.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The login session (refresh-token family) the token belongs to, so logging out ends the
    /// token's live connections too. Absent in tokens issued before sessions were named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

pub fn issue_access_token(
    secret: &[u8],
    user_id: Uuid,
    session: Uuid,
    ttl_secs: i64,
) -> Result<String, String> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: user_id,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + ttl_secs,
        jti: random_token(9),
        sid: Some(session),
    };
    jsonwebtoken::encode(
        &Header::new(JwtAlg::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| e.to_string())
}

/// Verifies signature (HS256 only), issuer, audience and expiry.
pub fn verify_access_token(secret: &[u8], token: &str) -> Option<Claims> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let mut v = Validation::new(JwtAlg::HS256);
    v.algorithms = vec![JwtAlg::HS256];
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = 5;
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &v)
        .ok()
        .map(|d| d.claims)
}

/// Device tokens: a browser (or script) that logged in successfully to an account gets one, and
/// presents it at its next logins to that account. Failed logins from elsewhere (one attacker
/// behind the same company proxy, or guessing one person's password) lock the account and the
/// address for unknown clients only; a known device keeps its own, separate count. This is
/// OWASP's "device cookie" defence against lockout as a denial of service, without cookies.
const DEVICE_PREFIX: &str = "dv1";

/// Issues a device token for `user`: `dv1.<user>.<nonce>.<issued>.<mac>`. The MAC also covers
/// the user's password hash (never sent), so every device token dies with a password change:
/// someone who once knew the password cannot keep guessing through tokens minted back then.
pub fn issue_device_token(secret: &[u8], user: Uuid, password_hash: &str) -> String {
    let body = format!(
        "{DEVICE_PREFIX}.{user}.{}.{}",
        random_token(12),
        chrono::Utc::now().timestamp()
    );
    let mac = device_mac(secret, &body, password_hash)
        .map(|m| URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{body}.{mac}")
}

fn device_mac(secret: &[u8], body: &str, password_hash: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(b"tandem device token\0");
    mac.update(body.as_bytes());
    mac.update(b"\0");
    mac.update(password_hash.as_bytes());
    Some(mac)
}

/// A device token's identity (its nonce), if it is ours, for `user` as they are now (same
/// password), and younger than `max_age_secs`.
pub fn check_device_token(
    secret: &[u8],
    token: &str,
    user: Uuid,
    password_hash: &str,
    max_age_secs: i64,
) -> Option<String> {
    if token.len() > 200 {
        return None;
    }
    let (body, mac) = token.rsplit_once('.')?;
    let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
    // `verify_slice` compares in constant time: the MAC is not guessable byte by byte.
    device_mac(secret, body, password_hash)?
        .verify_slice(&mac)
        .ok()?;
    let mut parts = body.split('.');
    if parts.next()? != DEVICE_PREFIX {
        return None;
    }
    let owner: Uuid = parts.next()?.parse().ok()?;
    let nonce = parts.next()?.to_owned();
    let issued: i64 = parts.next()?.parse().ok()?;
    let age = chrono::Utc::now().timestamp() - issued;
    (owner == user && (0..=max_age_secs).contains(&age)).then_some(nonce)
}

#[cfg(test)]
mod tests {

    #[test]
    fn our_hashes_and_argon2s_own_verify_each_other() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        // A hash made the usual way (as every stored hash was before) verifies here…
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2()
            .unwrap()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(verify_blocking("correct horse", &theirs));
        assert!(!verify_blocking("correct hors", &theirs));
        // …and ours has the same form and verifies the usual way.
        let ours = hash_blocking("correct horse").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2()
                .unwrap()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            argon2()
                .unwrap()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
        // Other parameters (an older or future setting) are honoured, not assumed.
        let weaker = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw", &salt)
        .unwrap()
        .to_string();
        assert!(verify_blocking("pw", &weaker));
        assert!(!verify_blocking(
            "pw",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bm9wZQ"
        ));
        assert!(!verify_blocking("pw", "not a hash"));
    }
    use super::*;

    #[test]
    fn device_tokens_belong_to_one_account_and_cannot_be_forged() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let me = Uuid::now_v7();
        let pw = "$argon2id$v=19$m=19456,t=2,p=1$salt$hash";
        let t = issue_device_token(secret, me, pw);
        assert!(check_device_token(secret, &t, me, pw, 3600).is_some());
        assert!(check_device_token(secret, &t, Uuid::now_v7(), pw, 3600).is_none());
        assert!(
            check_device_token(b"another secret, another server!!", &t, me, pw, 3600).is_none()
        );
        // A new password: every device token issued before it is void.
        assert!(check_device_token(secret, &t, me, "$argon2id$other", 3600).is_none());
        let mut forged = t.clone();
        forged.pop();
        forged.push(if t.ends_with('A') { 'B' } else { 'A' });
        assert!(check_device_token(secret, &forged, me, pw, 3600).is_none());
        assert!(check_device_token(secret, "dv1.x.y.z.w", me, pw, 3600).is_none());
    }

    #[tokio::test]
    async fn hashing_waits_for_a_permit_then_gives_up() {
        let h = PasswordHasher::new(1, std::time::Duration::from_millis(50));
        let held = h.permits.acquire().await.unwrap();
        assert_eq!(h.hash("x".repeat(10)).await, Err(HashError::Busy));
        drop(held);
        let hash = h.hash("correct horse".into()).await.unwrap();
        assert_eq!(
            h.verify("correct horse".into(), hash.clone()).await,
            Ok(true)
        );
        assert_eq!(h.verify("wrong".into(), hash).await, Ok(false));
    }
}
