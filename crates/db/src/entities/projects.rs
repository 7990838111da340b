use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub goal: String,
    pub status: String,
    pub start_date: Date,
    pub end_date: Date,
    pub time_zone: String,
    /// Worked weekdays, Monday first: `1` worked, `0` off (`1111100`).
    pub work_week: String,
    /// Most bytes the project's files may take (all versions, trash included); `None`: no quota.
    pub file_quota_bytes: Option<i64>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
