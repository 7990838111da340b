//! Keyset cursors. Ids are UUIDv7, so ordering by id is ordering by creation time and a
//! cursor is just the last id seen, made opaque.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use uuid::Uuid;

/// Decoding accepts any 22-character URL-safe string (trailing bits ignored), so every
/// string matching the documented cursor pattern is a cursor; it just may point nowhere.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// Encodes the id after which the next page starts.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

/// Decodes a cursor; `None` when it was not produced by [`encode_cursor`].
pub fn decode_cursor(s: &str) -> Option<Uuid> {
    let bytes = LENIENT.decode(s).ok()?;
    Uuid::from_slice(&bytes).ok()
}

/// One page of `q`'s rows oldest first (by the UUIDv7 `id_col`), after the cursor's `after`:
/// the shape of every history under a task (comments, progress, activity).
pub async fn oldest_first<E>(
    db: &impl sea_orm::ConnectionTrait,
    q: sea_orm::Select<E>,
    id_col: E::Column,
    after: Option<Uuid>,
    limit: u64,
    id: impl Fn(&E::Model) -> Uuid,
) -> crate::error::RepoResult<(Vec<E::Model>, Option<String>)>
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync,
{
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let q = match after {
        Some(a) => q.filter(id_col.gt(a)),
        None => q,
    };
    let rows = q.order_by_asc(id_col).limit(limit + 1).all(db).await?;
    Ok(finish_page(rows, limit, id))
}

/// Splits a fetched `limit + 1` rows into the page and the next cursor.
pub fn finish_page<T>(
    mut rows: Vec<T>,
    limit: u64,
    id: impl Fn(&T) -> Uuid,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|r| encode_cursor(id(r)));
        (rows, next)
    } else {
        (rows, None)
    }
}
