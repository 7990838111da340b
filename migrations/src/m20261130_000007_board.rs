use sea_orm::{ConnectionTrait, prelude::Uuid};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    ProjectId,
    Status,
    BoardRank,
    AssigneeId,
    MilestoneId,
    Progress,
    EstimateHours,
    StartDate,
    DueKey,
}

#[derive(DeriveIden)]
enum BoardLimits {
    Table,
    ProjectId,
    Status,
    WipLimit,
}

/// Kanban (issue 12, B1):
/// - `tasks.board_rank`: the card's place on boards (`tandem_domain::board`); text, because a
///   rank grows by a byte for every 64 cards appended one by one. Existing tasks are ranked
///   here in creation order, per project.
/// - `ix_tasks_board`: a column of a board is `project_id, status` read in rank order.
/// - `board_limits`: a project's work-in-progress limit per column (status).
/// - `ix_tasks_dashboard`: covers what the dashboard counts per project, person and week (B4),
///   so its grouped queries read the index alone, never the wide task rows.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Tasks::Table)
                .add_column(
                    ColumnDef::new(Tasks::BoardRank)
                        .text()
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tasks_board")
                .table(Tasks::Table)
                .col(Tasks::ProjectId)
                .col(Tasks::Status)
                .col(Tasks::BoardRank)
                .col(Tasks::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tasks_dashboard")
                .table(Tasks::Table)
                .col(Tasks::ProjectId)
                .col(Tasks::Status)
                .col(Tasks::AssigneeId)
                .col(Tasks::MilestoneId)
                .col(Tasks::Progress)
                .col(Tasks::EstimateHours)
                .col(Tasks::StartDate)
                .col(Tasks::DueKey)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(BoardLimits::Table)
                .col(ColumnDef::new(BoardLimits::ProjectId).uuid().not_null())
                .col(
                    ColumnDef::new(BoardLimits::Status)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(BoardLimits::WipLimit).integer().not_null())
                .primary_key(
                    Index::create()
                        .col(BoardLimits::ProjectId)
                        .col(BoardLimits::Status),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(BoardLimits::Table, BoardLimits::ProjectId)
                        .to(Projects::Table, Projects::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        rank_existing(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(BoardLimits::Table).to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("ix_tasks_dashboard")
                .table(Tasks::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_tasks_board")
                .table(Tasks::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Tasks::Table)
                .drop_column(Tasks::BoardRank)
                .to_owned(),
        )
        .await
    }
}

/// Gives every existing task a rank, in creation order (ids are UUIDv7) within its project.
async fn rank_existing(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let backend = db.get_database_backend();
    let rows = db
        .query_all(
            backend.build(
                Query::select()
                    .columns([Tasks::Id, Tasks::ProjectId])
                    .from(Tasks::Table)
                    .order_by(Tasks::ProjectId, Order::Asc)
                    .order_by(Tasks::Id, Order::Asc),
            ),
        )
        .await?;
    let mut ids: Vec<(Uuid, Uuid)> = Vec::with_capacity(rows.len());
    for r in rows {
        ids.push((r.try_get("", "project_id")?, r.try_get("", "id")?));
    }
    for project in ids.chunk_by(|a, b| a.0 == b.0) {
        let ranks = tandem_domain::board::spread(None, project.len());
        for ((_, id), rank) in project.iter().zip(ranks) {
            db.execute(
                backend.build(
                    Query::update()
                        .table(Tasks::Table)
                        .value(Tasks::BoardRank, rank)
                        .and_where(Expr::col(Tasks::Id).eq(*id)),
                ),
            )
            .await?;
        }
    }
    Ok(())
}
