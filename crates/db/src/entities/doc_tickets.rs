use sea_orm::entity::prelude::*;

/// A single-use ticket to open a document's WebSocket (see `crate::docs`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "doc_tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub doc_id: Uuid,
    pub user_id: Uuid,
    /// The personal token's scopes (comma-separated); `None` for a login session.
    pub scopes: Option<String>,
    pub session_id: Option<Uuid>,
    pub pat_id: Option<Uuid>,
    pub credential_expires_at: Option<DateTimeUtc>,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
