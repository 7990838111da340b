use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    WorkWeek,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ProjectCalendarDays {
    Table,
    ProjectId,
    Day,
    Kind,
    Name,
}

#[derive(DeriveIden)]
enum TaskRisks {
    Table,
    TaskId,
    ProjectId,
    Overdue,
    AtRisk,
    Blocked,
    ProjectedFinish,
    Reasons,
    ChangedAt,
}

#[derive(DeriveIden)]
enum ProjectRisks {
    Table,
    ProjectId,
    Health,
    Reasons,
    EvaluatedOn,
    EvaluatedAt,
}

/// Delay risk (issue 12, B3):
/// - `projects.work_week`: which weekdays are worked, Monday first, `1` worked (`1111100`).
/// - `project_calendar_days`: a project's holidays and the days off worked anyway (调休).
/// - `task_risks`: each flagged task's current risk and reasons, as the last evaluation found
///   them. Task lists filter on it (`?risk=`), and the evaluation notices a task *turning* at
///   risk by comparing against it, in the transaction that writes it.
/// - `project_risks`: each project's health from its last evaluation and the local date of
///   that evaluation (the daily scan re-evaluates projects not yet looked at today).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Projects::Table)
                .add_column(
                    ColumnDef::new(Projects::WorkWeek)
                        .string_len(7)
                        .not_null()
                        .default("1111100"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectCalendarDays::Table)
                .col(
                    ColumnDef::new(ProjectCalendarDays::ProjectId)
                        .uuid()
                        .not_null(),
                )
                .col(ColumnDef::new(ProjectCalendarDays::Day).date().not_null())
                .col(
                    ColumnDef::new(ProjectCalendarDays::Kind)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ProjectCalendarDays::Name)
                        .string_len(100)
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(ProjectCalendarDays::ProjectId)
                        .col(ProjectCalendarDays::Day),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ProjectCalendarDays::Table, ProjectCalendarDays::ProjectId)
                        .to(Projects::Table, Projects::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TaskRisks::Table)
                .col(
                    ColumnDef::new(TaskRisks::TaskId)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(TaskRisks::ProjectId).uuid().not_null())
                .col(ColumnDef::new(TaskRisks::Overdue).boolean().not_null())
                .col(ColumnDef::new(TaskRisks::AtRisk).boolean().not_null())
                .col(ColumnDef::new(TaskRisks::Blocked).boolean().not_null())
                .col(ColumnDef::new(TaskRisks::ProjectedFinish).date().null())
                .col(ColumnDef::new(TaskRisks::Reasons).text().not_null())
                .col(
                    ColumnDef::new(TaskRisks::ChangedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TaskRisks::Table, TaskRisks::TaskId)
                        .to(Tasks::Table, Tasks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_task_risks_project")
                .table(TaskRisks::Table)
                .col(TaskRisks::ProjectId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectRisks::Table)
                .col(
                    ColumnDef::new(ProjectRisks::ProjectId)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ProjectRisks::Health)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(ProjectRisks::Reasons).text().not_null())
                .col(ColumnDef::new(ProjectRisks::EvaluatedOn).date().not_null())
                .col(
                    ColumnDef::new(ProjectRisks::EvaluatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ProjectRisks::Table, ProjectRisks::ProjectId)
                        .to(Projects::Table, Projects::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ProjectRisks::Table.into_iden(),
            TaskRisks::Table.into_iden(),
            ProjectCalendarDays::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(Projects::Table)
                .drop_column(Projects::WorkWeek)
                .to_owned(),
        )
        .await
    }
}
