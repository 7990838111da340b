//! I5: the audit log, append-only.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use tandem_dto::AuditEntryResponse;
use uuid::Uuid;

use crate::entities::audit_log;
use crate::error::RepoResult;
use crate::pagination::finish_page;

/// One event to record.
pub struct AuditEvent<'a> {
    pub actor_id: Option<Uuid>,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<String>,
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

pub async fn record(db: &impl ConnectionTrait, e: AuditEvent<'_>) -> RepoResult<()> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(e.actor_id),
        action: Set(e.action.to_owned()),
        target_type: Set(e.target_type.map(str::to_owned)),
        target_id: Set(e.target_id),
        detail: Set(e.detail.to_string()),
        ip: Set(e.ip),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub fn audit_dto(a: &audit_log::Model) -> AuditEntryResponse {
    AuditEntryResponse {
        id: a.id,
        actor_id: a.actor_id,
        action: a.action.clone(),
        target_type: a.target_type.clone(),
        target_id: a.target_id.clone(),
        detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null),
        ip: a.ip.clone(),
        created_at: a.created_at,
    }
}

#[derive(Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
    pub target_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub before: Option<Uuid>,
    pub limit: u64,
}

/// Newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    f: AuditFilter,
) -> RepoResult<(Vec<audit_log::Model>, Option<String>)> {
    let mut q = audit_log::Entity::find();
    if let Some(a) = f.action {
        q = q.filter(audit_log::Column::Action.eq(a));
    }
    if let Some(a) = f.actor_id {
        q = q.filter(audit_log::Column::ActorId.eq(a));
    }
    if let Some(t) = f.target_id {
        q = q.filter(audit_log::Column::TargetId.eq(t));
    }
    if let Some(s) = f.since {
        q = q.filter(audit_log::Column::CreatedAt.gte(s));
    }
    if let Some(u) = f.until {
        q = q.filter(audit_log::Column::CreatedAt.lt(u));
    }
    if let Some(b) = f.before {
        q = q.filter(audit_log::Column::Id.lt(b));
    }
    let rows = q
        .order_by_desc(audit_log::Column::Id)
        .limit(f.limit + 1)
        .all(db)
        .await?;
    Ok(finish_page(rows, f.limit, |a| a.id))
}
