use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    ProjectId,
    Status,
    AssigneeId,
    MilestoneId,
    Progress,
    EstimateHours,
    StartDate,
    DueKey,
    RiskFlags,
}

/// The dashboard's counts without a join (issue 12, B4):
/// - `tasks.risk_flags`: the stored risk's flags as bits (1 overdue, 2 at risk, 4 blocked; 0
///   when not flagged), written by the risk evaluation in the same transaction as
///   `task_risks`, which keeps the reasons. Counting flags per project, person and milestone
///   joined `task_risks` to `tasks` row by row: two thirds of the dashboard's time over 20 000
///   tasks. Filled here from `task_risks`.
/// - `ix_tasks_figures` replaces `ix_tasks_dashboard` with `risk_flags` and `id` added, so the
///   dashboard's groupings and its "flagged, due first" list read the index alone.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Tasks::Table)
                .add_column(
                    ColumnDef::new(Tasks::RiskFlags)
                        .small_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE tasks SET risk_flags = (SELECT \
                   (CASE WHEN r.overdue THEN 1 ELSE 0 END) \
                   + (CASE WHEN r.at_risk THEN 2 ELSE 0 END) \
                   + (CASE WHEN r.blocked THEN 4 ELSE 0 END) \
                 FROM task_risks r WHERE r.task_id = tasks.id) \
                 WHERE id IN (SELECT task_id FROM task_risks)",
            )
            .await?;
        // A new name, not the old one dropped and created again: on SQLite the migrator runs
        // each statement on whichever pooled connection is free, and a connection that had
        // not yet seen the drop answered "index ix_tasks_dashboard already exists".
        m.create_index(figures_index()).await?;
        m.drop_index(
            Index::drop()
                .name("ix_tasks_dashboard")
                .table(Tasks::Table)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(dashboard_index()).await?;
        m.drop_index(
            Index::drop()
                .name("ix_tasks_figures")
                .table(Tasks::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Tasks::Table)
                .drop_column(Tasks::RiskFlags)
                .to_owned(),
        )
        .await
    }
}

/// The columns the dashboard reads, in the order it groups by.
fn covering(i: &mut IndexCreateStatement) -> &mut IndexCreateStatement {
    i.table(Tasks::Table)
        .col(Tasks::ProjectId)
        .col(Tasks::Status)
        .col(Tasks::AssigneeId)
        .col(Tasks::MilestoneId)
        .col(Tasks::Progress)
        .col(Tasks::EstimateHours)
        .col(Tasks::StartDate)
        .col(Tasks::DueKey)
}

/// `ix_tasks_figures`: `ix_tasks_dashboard` with the flags and the id.
fn figures_index() -> IndexCreateStatement {
    covering(Index::create().name("ix_tasks_figures"))
        .col(Tasks::RiskFlags)
        .col(Tasks::Id)
        .to_owned()
}

/// `ix_tasks_dashboard` as migration 7 made it.
fn dashboard_index() -> IndexCreateStatement {
    covering(Index::create().name("ix_tasks_dashboard")).to_owned()
}
