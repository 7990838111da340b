use sea_orm::entity::prelude::*;

/// A project's health from its last risk evaluation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "project_risks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: Uuid,
    pub health: String,
    /// `[RiskReason]` as JSON.
    pub reasons: String,
    /// The project's local date of the evaluation.
    pub evaluated_on: Date,
    pub evaluated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
