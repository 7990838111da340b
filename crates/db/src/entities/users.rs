use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: Option<String>,
    pub employee_id: Option<String>,
    pub name: String,
    pub department_id: Option<Uuid>,
    pub position: String,
    pub phone: Option<String>,
    pub contact: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub status: String,
    pub rejection_reason: Option<String>,
    pub avatar: Option<Vec<u8>>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
    /// `zh-CN` or `en`: the language of the mail the user receives.
    pub locale: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
