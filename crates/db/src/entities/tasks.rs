use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub search_text: String,
    pub assignee_id: Option<Uuid>,
    pub priority: String,
    pub priority_rank: i16,
    pub status: String,
    pub start_date: Option<Date>,
    pub due_date: Option<Date>,
    /// `due_date`, or 9999-12-31 when there is none: the index-friendly sort key.
    pub due_key: Date,
    pub milestone_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub estimate_hours: Option<f64>,
    pub progress: i32,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
    /// The card's place on boards (`tandem_domain::board`): `ORDER BY board_rank, id`.
    pub board_rank: String,
    /// The stored risk's flags as bits ([`crate::risks::flag_bits`]), written with `task_risks`
    /// by the risk evaluation: what the dashboard counts without joining `task_risks`.
    pub risk_flags: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
