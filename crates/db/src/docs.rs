//! Co-edited documents (F5): the log of a document's Yjs updates and the tickets that open
//! its WebSocket. The CRDT itself lives in `tandem_files::collab`; this only stores bytes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{doc_tickets, doc_updates};
use crate::error::RepoResult;

/// Appends updates of `doc` received by instance `origin`, in order; returns the last id.
pub async fn append(
    db: &(impl ConnectionTrait + TransactionTrait),
    doc: Uuid,
    origin: Uuid,
    updates: &[Vec<u8>],
) -> RepoResult<i64> {
    let now = Utc::now();
    let mut last = 0;
    // One statement per row keeps each row's id (the order of the log); they share the
    // caller's transaction, or one of their own.
    let txn = crate::begin_write(db).await?;
    for data in updates {
        let row = doc_updates::ActiveModel {
            doc_id: Set(doc),
            origin: Set(origin),
            data: Set(data.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        last = row.id;
    }
    notify(&txn, doc, origin).await?;
    txn.commit().await?;
    Ok(last)
}

/// PostgreSQL's channel for "a document's log grew": the payload is `<doc>:<origin instance>`.
pub const CHANNEL: &str = "tandem_docs";

/// Tells other instances (PostgreSQL `NOTIFY`, delivered at commit) that `doc`'s log grew, so
/// a room open there reads it at once instead of at its next poll. SQLite has no other
/// instance to tell.
async fn notify(db: &impl ConnectionTrait, doc: Uuid, origin: Uuid) -> RepoResult<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), format!("{doc}:{origin}").into()],
        ))
        .await?;
    }
    Ok(())
}

/// Reads a [`CHANNEL`] payload: the document and the instance that wrote.
pub fn parse_notification(payload: &str) -> Option<(Uuid, Uuid)> {
    let (doc, origin) = payload.split_once(':')?;
    Some((doc.parse().ok()?, origin.parse().ok()?))
}

/// The updates of `doc` after id `after`, in order (at most `limit`).
pub async fn since(
    db: &impl ConnectionTrait,
    doc: Uuid,
    after: i64,
    limit: u64,
) -> RepoResult<Vec<doc_updates::Model>> {
    Ok(doc_updates::Entity::find()
        .filter(doc_updates::Column::DocId.eq(doc))
        .filter(doc_updates::Column::Id.gt(after))
        .order_by_asc(doc_updates::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Every update of `doc`, in order.
pub async fn all(db: &impl ConnectionTrait, doc: Uuid) -> RepoResult<Vec<doc_updates::Model>> {
    Ok(doc_updates::Entity::find()
        .filter(doc_updates::Column::DocId.eq(doc))
        .order_by_asc(doc_updates::Column::Id)
        .all(db)
        .await?)
}

/// How many updates `doc` keeps.
pub async fn count(db: &impl ConnectionTrait, doc: Uuid) -> RepoResult<u64> {
    Ok(doc_updates::Entity::find()
        .filter(doc_updates::Column::DocId.eq(doc))
        .count(db)
        .await?)
}

/// Replaces the updates of `doc` up to id `through` by `merged` (their merge), in the
/// caller's transaction; the merged row gets a new id, after every update it replaces.
pub async fn compact(
    txn: &(impl ConnectionTrait + TransactionTrait),
    doc: Uuid,
    origin: Uuid,
    through: i64,
    merged: Vec<u8>,
) -> RepoResult<i64> {
    doc_updates::Entity::delete_many()
        .filter(doc_updates::Column::DocId.eq(doc))
        .filter(doc_updates::Column::Id.lte(through))
        .exec(txn)
        .await?;
    append(txn, doc, origin, &[merged]).await
}

/// A ticket to issue.
pub struct NewTicket {
    pub token_hash: String,
    pub doc_id: Uuid,
    pub user_id: Uuid,
    pub scopes: Option<String>,
    pub session_id: Option<Uuid>,
    pub pat_id: Option<Uuid>,
    pub credential_expires_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

pub async fn issue_ticket(db: &impl ConnectionTrait, t: NewTicket) -> RepoResult<()> {
    doc_tickets::ActiveModel {
        token_hash: Set(t.token_hash),
        doc_id: Set(t.doc_id),
        user_id: Set(t.user_id),
        scopes: Set(t.scopes),
        session_id: Set(t.session_id),
        pat_id: Set(t.pat_id),
        credential_expires_at: Set(t.credential_expires_at),
        expires_at: Set(t.expires_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Uses a ticket up: the one with this hash for `doc`, if unexpired; no one can use it again
/// (the row goes in the same statement that finds it gone, so two uses race for one delete).
pub async fn take_ticket(
    db: &impl ConnectionTrait,
    token_hash: &str,
    doc: Uuid,
) -> RepoResult<Option<doc_tickets::Model>> {
    let Some(t) = doc_tickets::Entity::find_by_id(token_hash.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let gone = doc_tickets::Entity::delete_many()
        .filter(doc_tickets::Column::TokenHash.eq(token_hash))
        .exec(db)
        .await?;
    if gone.rows_affected != 1 || t.doc_id != doc || t.expires_at <= Utc::now() {
        return Ok(None);
    }
    Ok(Some(t))
}

/// Removes expired tickets; returns how many.
pub async fn expire_tickets(db: &impl ConnectionTrait, now: DateTime<Utc>) -> RepoResult<u64> {
    Ok(doc_tickets::Entity::delete_many()
        .filter(doc_tickets::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
