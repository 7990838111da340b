use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tasks {
    Table,
    ProjectId,
    Status,
    DueDate,
    DueKey,
    Id,
}

/// The due date as a sort key that is never NULL (undated tasks sort last as 9999-12-31), so
/// "soonest due first" walks an index instead of sorting every task of the project
/// (`ORDER BY due_date IS NULL, due_date` cannot use one; found by `just bench`).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Tasks::Table)
                .add_column(
                    ColumnDef::new(Tasks::DueKey)
                        .date()
                        .not_null()
                        .default("9999-12-31"),
                )
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::update()
                .table(Tasks::Table)
                .value(Tasks::DueKey, Expr::col(Tasks::DueDate))
                .and_where(Expr::col(Tasks::DueDate).is_not_null())
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_tasks_project_due")
                .table(Tasks::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tasks_project_due_key")
                .table(Tasks::Table)
                .col(Tasks::ProjectId)
                .col(Tasks::DueKey)
                .col(Tasks::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tasks_project_status_due_key")
                .table(Tasks::Table)
                .col(Tasks::ProjectId)
                .col(Tasks::Status)
                .col(Tasks::DueKey)
                .col(Tasks::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "ix_tasks_project_status_due_key",
            "ix_tasks_project_due_key",
        ] {
            m.drop_index(Index::drop().name(name).table(Tasks::Table).to_owned())
                .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_tasks_project_due")
                .table(Tasks::Table)
                .col(Tasks::ProjectId)
                .col(Tasks::DueDate)
                .col(Tasks::Id)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Tasks::Table)
                .drop_column(Tasks::DueKey)
                .to_owned(),
        )
        .await
    }
}
