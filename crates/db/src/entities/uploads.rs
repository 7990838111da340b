use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub project_id: Uuid,
    pub folder_id: Option<Uuid>,
    /// Set when the upload becomes a new version of this file.
    pub target_file_id: Option<Uuid>,
    pub name: String,
    pub note: Option<String>,
    pub length: i64,
    pub received: i64,
    /// The stored pieces, in order: a JSON list of `{"offset", "key", "size"}`.
    pub parts: String,
    /// receiving | done | failed
    pub state: String,
    pub result_file_id: Option<Uuid>,
    /// The problem (JSON) a failed upload ended with.
    pub problem: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
