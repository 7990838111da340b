//! Password hashing, access tokens (JWT) and opaque secrets.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

/// Hashes on the blocking pool: Argon2 is CPU-heavy by design.
pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .map_err(|e| e.to_string())?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Verifies on the blocking pool; any malformed hash counts as a mismatch.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let Ok(a) = argon2() else { return false };
        a.verify_password(password.as_bytes(), &parsed).is_ok()
    })
    .await
    .unwrap_or(false)
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
}

pub fn issue_access_token(secret: &[u8], user_id: Uuid, ttl_secs: i64) -> Result<String, String> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: user_id,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + ttl_secs,
        jti: random_token(9),
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
