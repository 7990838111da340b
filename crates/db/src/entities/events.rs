use sea_orm::entity::prelude::*;

/// A live event, written with the change it describes (see `crate::events`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The wire kind (`task.updated`), or `control` for a change of who may see what.
    pub kind: String,
    pub project_id: Option<Uuid>,
    /// JSON array of user ids, or `None` for every member of the project.
    #[sea_orm(column_type = "Text", nullable)]
    pub audience: Option<String>,
    pub subject: Option<Uuid>,
    /// Who made the change; `None` for the server's own work and control rows.
    pub actor_id: Option<Uuid>,
    /// JSON text: the frame's `data`, or the control message.
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
