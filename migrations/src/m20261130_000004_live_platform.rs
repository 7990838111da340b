use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Kind,
    ProjectId,
    Audience,
    Subject,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EventHorizon {
    Table,
    Id,
    PrunedThrough,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    UniqueKey,
    Status,
    RunAt,
    Attempts,
    MaxAttempts,
    LastError,
    LockedBy,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum TaskAlerts {
    Table,
    TaskId,
    Kind,
    DueDate,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    DueDate,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    UserId,
    MailPending,
    Shown,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Locale,
}

/// The live platform (issue 11):
/// - `events`: every live event, written in the transaction of the change it describes and
///   delivered after the commit by each instance (resuming clients read what they missed from
///   here, across restarts and instances). Ids only grow: writers take turns (see
///   `tandem_db::events`), so an id becomes visible only after every smaller one.
/// - `event_horizon`: the newest id retention removed; resuming from before it is a gap.
/// - `jobs`: durable background work, claimed by one worker at a time, retried with backoff.
/// - `task_alerts`: which due-soon / overdue notices went out, once per task, kind and due date.
/// - `notifications.mail_pending`: waiting for the recipient's next e-mail digest;
///   `notifications.shown`: false for one only mailed (the kind is off in the app).
/// - `users.locale`: the language mail is written in (the web app's language switch sets it).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Events::Table)
                .col(
                    ColumnDef::new(Events::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Events::Kind).string_len(64).not_null())
                .col(ColumnDef::new(Events::ProjectId).uuid().null())
                .col(ColumnDef::new(Events::Audience).text().null())
                .col(ColumnDef::new(Events::Subject).uuid().null())
                .col(ColumnDef::new(Events::Data).text().not_null())
                .col(
                    ColumnDef::new(Events::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_events_created_at")
                .table(Events::Table)
                .col(Events::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(EventHorizon::Table)
                .col(
                    ColumnDef::new(EventHorizon::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(EventHorizon::PrunedThrough)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(EventHorizon::Table)
                .columns([EventHorizon::Id, EventHorizon::PrunedThrough])
                .values_panic([1.into(), 0i64.into()])
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(ColumnDef::new(Jobs::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(Jobs::Kind).string_len(64).not_null())
                .col(ColumnDef::new(Jobs::Payload).text().not_null())
                .col(ColumnDef::new(Jobs::UniqueKey).string_len(200).null())
                .col(ColumnDef::new(Jobs::Status).string_len(16).not_null())
                .col(
                    ColumnDef::new(Jobs::RunAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(Jobs::Attempts).integer().not_null())
                .col(ColumnDef::new(Jobs::MaxAttempts).integer().not_null())
                .col(ColumnDef::new(Jobs::LastError).text().null())
                .col(ColumnDef::new(Jobs::LockedBy).string_len(64).null())
                .col(
                    ColumnDef::new(Jobs::LockedUntil)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(Jobs::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Jobs::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Jobs::FinishedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_jobs_unique_key")
                .table(Jobs::Table)
                .col(Jobs::UniqueKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_jobs_status_run_at")
                .table(Jobs::Table)
                .col(Jobs::Status)
                .col(Jobs::RunAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_jobs_created_at")
                .table(Jobs::Table)
                .col(Jobs::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TaskAlerts::Table)
                .col(ColumnDef::new(TaskAlerts::TaskId).uuid().not_null())
                .col(ColumnDef::new(TaskAlerts::Kind).string_len(16).not_null())
                .col(ColumnDef::new(TaskAlerts::DueDate).date().not_null())
                .col(
                    ColumnDef::new(TaskAlerts::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(TaskAlerts::TaskId)
                        .col(TaskAlerts::Kind)
                        .col(TaskAlerts::DueDate),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TaskAlerts::Table, TaskAlerts::TaskId)
                        .to(Tasks::Table, Tasks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The scans read open tasks by due date.
        m.create_index(
            Index::create()
                .name("ix_tasks_due_date")
                .table(Tasks::Table)
                .col(Tasks::DueDate)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Notifications::Table)
                .add_column(
                    ColumnDef::new(Notifications::MailPending)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Notifications::Table)
                .add_column(
                    ColumnDef::new(Notifications::Shown)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_notifications_mail_pending")
                .table(Notifications::Table)
                .col(Notifications::MailPending)
                .col(Notifications::UserId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::Locale)
                        .string_len(8)
                        .not_null()
                        .default("zh-CN"),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::Locale)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_notifications_mail_pending")
                .table(Notifications::Table)
                .to_owned(),
        )
        .await?;
        for c in [Notifications::MailPending, Notifications::Shown] {
            m.alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_index(
            Index::drop()
                .name("ix_tasks_due_date")
                .table(Tasks::Table)
                .to_owned(),
        )
        .await?;
        for t in [
            TaskAlerts::Table.into_iden(),
            Jobs::Table.into_iden(),
            EventHorizon::Table.into_iden(),
            Events::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
