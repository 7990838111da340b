use sea_orm::entity::prelude::*;

/// A flagged task's risk as the last evaluation found it (no row: not flagged).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "task_risks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub task_id: Uuid,
    pub project_id: Uuid,
    pub overdue: bool,
    pub at_risk: bool,
    pub blocked: bool,
    pub projected_finish: Option<Date>,
    /// `[RiskReason]` as JSON.
    pub reasons: String,
    /// When the flags last changed.
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
