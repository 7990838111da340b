use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    Name,
    Goal,
    Status,
    StartDate,
    EndDate,
    TimeZone,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ProjectDepartments {
    Table,
    ProjectId,
    DepartmentId,
}

#[derive(DeriveIden)]
enum ProjectMembers {
    Table,
    ProjectId,
    UserId,
    Role,
    AddedAt,
}

#[derive(DeriveIden)]
enum Milestones {
    Table,
    Id,
    ProjectId,
    Name,
    Date,
    Description,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    ProjectId,
    Title,
    Description,
    SearchText,
    AssigneeId,
    Priority,
    PriorityRank,
    Status,
    StartDate,
    DueDate,
    MilestoneId,
    ParentId,
    EstimateHours,
    Progress,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum TaskProgress {
    Table,
    Id,
    TaskId,
    UserId,
    Percent,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TaskActivity {
    Table,
    Id,
    TaskId,
    ActorId,
    Field,
    OldValue,
    NewValue,
    CreatedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn uuid_pk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

fn version(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .default(1)
        .to_owned()
}

fn fk(
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
    cascade: bool,
) -> ForeignKeyCreateStatement {
    let mut f = ForeignKey::create();
    f.from(from.0, from.1).to(to.0, to.1);
    if cascade {
        f.on_delete(ForeignKeyAction::Cascade);
    }
    f.to_owned()
}

fn index(name: &str, table: impl IntoIden + 'static, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c);
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Projects::Table)
                .col(uuid_pk(Projects::Id))
                .col(ColumnDef::new(Projects::Name).string_len(200).not_null())
                .col(ColumnDef::new(Projects::Goal).text().not_null())
                .col(ColumnDef::new(Projects::Status).string_len(16).not_null())
                .col(ColumnDef::new(Projects::StartDate).date().not_null())
                .col(ColumnDef::new(Projects::EndDate).date().not_null())
                .col(ColumnDef::new(Projects::TimeZone).string_len(64).not_null())
                .col(ColumnDef::new(Projects::CreatedBy).uuid().not_null())
                .col(ts(Projects::CreatedAt))
                .col(ts(Projects::UpdatedAt))
                .col(version(Projects::Version))
                .foreign_key(&mut fk(
                    (Projects::Table, Projects::CreatedBy),
                    (Users::Table, Users::Id),
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectDepartments::Table)
                .col(
                    ColumnDef::new(ProjectDepartments::ProjectId)
                        .uuid()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ProjectDepartments::DepartmentId)
                        .uuid()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(ProjectDepartments::ProjectId)
                        .col(ProjectDepartments::DepartmentId),
                )
                .foreign_key(&mut fk(
                    (ProjectDepartments::Table, ProjectDepartments::ProjectId),
                    (Projects::Table, Projects::Id),
                    true,
                ))
                .foreign_key(&mut fk(
                    (ProjectDepartments::Table, ProjectDepartments::DepartmentId),
                    (Departments::Table, Departments::Id),
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectMembers::Table)
                .col(ColumnDef::new(ProjectMembers::ProjectId).uuid().not_null())
                .col(ColumnDef::new(ProjectMembers::UserId).uuid().not_null())
                .col(
                    ColumnDef::new(ProjectMembers::Role)
                        .string_len(16)
                        .not_null(),
                )
                .col(ts(ProjectMembers::AddedAt))
                .primary_key(
                    Index::create()
                        .col(ProjectMembers::ProjectId)
                        .col(ProjectMembers::UserId),
                )
                .foreign_key(&mut fk(
                    (ProjectMembers::Table, ProjectMembers::ProjectId),
                    (Projects::Table, Projects::Id),
                    true,
                ))
                .foreign_key(&mut fk(
                    (ProjectMembers::Table, ProjectMembers::UserId),
                    (Users::Table, Users::Id),
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Milestones::Table)
                .col(uuid_pk(Milestones::Id))
                .col(ColumnDef::new(Milestones::ProjectId).uuid().not_null())
                .col(ColumnDef::new(Milestones::Name).string_len(200).not_null())
                .col(ColumnDef::new(Milestones::Date).date().not_null())
                .col(ColumnDef::new(Milestones::Description).text().null())
                .col(ts(Milestones::CreatedAt))
                .col(ts(Milestones::UpdatedAt))
                .col(version(Milestones::Version))
                .foreign_key(&mut fk(
                    (Milestones::Table, Milestones::ProjectId),
                    (Projects::Table, Projects::Id),
                    true,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Tasks::Table)
                .col(uuid_pk(Tasks::Id))
                .col(ColumnDef::new(Tasks::ProjectId).uuid().not_null())
                .col(ColumnDef::new(Tasks::Title).string_len(300).not_null())
                .col(ColumnDef::new(Tasks::Description).text().not_null())
                // Lower-cased title + description for `q` (LIKE works for Chinese too).
                .col(ColumnDef::new(Tasks::SearchText).text().not_null())
                .col(ColumnDef::new(Tasks::AssigneeId).uuid().null())
                .col(ColumnDef::new(Tasks::Priority).string_len(16).not_null())
                // 0 high, 1 medium, 2 low: sorting by priority is sorting by this.
                .col(
                    ColumnDef::new(Tasks::PriorityRank)
                        .small_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Tasks::Status).string_len(16).not_null())
                .col(ColumnDef::new(Tasks::StartDate).date().null())
                .col(ColumnDef::new(Tasks::DueDate).date().null())
                .col(ColumnDef::new(Tasks::MilestoneId).uuid().null())
                .col(ColumnDef::new(Tasks::ParentId).uuid().null())
                .col(ColumnDef::new(Tasks::EstimateHours).double().null())
                .col(
                    ColumnDef::new(Tasks::Progress)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(ColumnDef::new(Tasks::CreatedBy).uuid().not_null())
                .col(ts(Tasks::CreatedAt))
                .col(ts(Tasks::UpdatedAt))
                .col(version(Tasks::Version))
                .foreign_key(&mut fk(
                    (Tasks::Table, Tasks::ProjectId),
                    (Projects::Table, Projects::Id),
                    true,
                ))
                .foreign_key(&mut fk(
                    (Tasks::Table, Tasks::AssigneeId),
                    (Users::Table, Users::Id),
                    false,
                ))
                .foreign_key(&mut fk(
                    (Tasks::Table, Tasks::MilestoneId),
                    (Milestones::Table, Milestones::Id),
                    false,
                ))
                .foreign_key(&mut fk(
                    (Tasks::Table, Tasks::ParentId),
                    (Tasks::Table, Tasks::Id),
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TaskProgress::Table)
                .col(uuid_pk(TaskProgress::Id))
                .col(ColumnDef::new(TaskProgress::TaskId).uuid().not_null())
                .col(ColumnDef::new(TaskProgress::UserId).uuid().not_null())
                .col(ColumnDef::new(TaskProgress::Percent).integer().not_null())
                .col(ColumnDef::new(TaskProgress::Note).text().not_null())
                .col(ts(TaskProgress::CreatedAt))
                .foreign_key(&mut fk(
                    (TaskProgress::Table, TaskProgress::TaskId),
                    (Tasks::Table, Tasks::Id),
                    true,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TaskActivity::Table)
                .col(uuid_pk(TaskActivity::Id))
                .col(ColumnDef::new(TaskActivity::TaskId).uuid().not_null())
                .col(ColumnDef::new(TaskActivity::ActorId).uuid().null())
                .col(
                    ColumnDef::new(TaskActivity::Field)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(TaskActivity::OldValue).text().null())
                .col(ColumnDef::new(TaskActivity::NewValue).text().null())
                .col(ts(TaskActivity::CreatedAt))
                .foreign_key(&mut fk(
                    (TaskActivity::Table, TaskActivity::TaskId),
                    (Tasks::Table, Tasks::Id),
                    true,
                ))
                .to_owned(),
        )
        .await?;
        // What lists filter and sort on (T7), and the lookups every request makes.
        let indexes = [
            index(
                "ix_project_members_user",
                ProjectMembers::Table,
                vec![ProjectMembers::UserId.into_iden()],
            ),
            index(
                "ix_milestones_project",
                Milestones::Table,
                vec![
                    Milestones::ProjectId.into_iden(),
                    Milestones::Date.into_iden(),
                ],
            ),
            index(
                "ix_tasks_project_id",
                Tasks::Table,
                vec![Tasks::ProjectId.into_iden(), Tasks::Id.into_iden()],
            ),
            index(
                "ix_tasks_project_status",
                Tasks::Table,
                vec![
                    Tasks::ProjectId.into_iden(),
                    Tasks::Status.into_iden(),
                    Tasks::Id.into_iden(),
                ],
            ),
            index(
                "ix_tasks_project_due",
                Tasks::Table,
                vec![
                    Tasks::ProjectId.into_iden(),
                    Tasks::DueDate.into_iden(),
                    Tasks::Id.into_iden(),
                ],
            ),
            index(
                "ix_tasks_project_priority",
                Tasks::Table,
                vec![
                    Tasks::ProjectId.into_iden(),
                    Tasks::PriorityRank.into_iden(),
                    Tasks::Id.into_iden(),
                ],
            ),
            index(
                "ix_tasks_project_updated",
                Tasks::Table,
                vec![
                    Tasks::ProjectId.into_iden(),
                    Tasks::UpdatedAt.into_iden(),
                    Tasks::Id.into_iden(),
                ],
            ),
            index(
                "ix_tasks_assignee",
                Tasks::Table,
                vec![Tasks::AssigneeId.into_iden(), Tasks::Id.into_iden()],
            ),
            index(
                "ix_tasks_parent",
                Tasks::Table,
                vec![Tasks::ParentId.into_iden()],
            ),
            index(
                "ix_tasks_milestone",
                Tasks::Table,
                vec![Tasks::MilestoneId.into_iden()],
            ),
            index(
                "ix_task_progress_task",
                TaskProgress::Table,
                vec![
                    TaskProgress::TaskId.into_iden(),
                    TaskProgress::Id.into_iden(),
                ],
            ),
            index(
                "ix_task_activity_task",
                TaskActivity::Table,
                vec![
                    TaskActivity::TaskId.into_iden(),
                    TaskActivity::Id.into_iden(),
                ],
            ),
        ];
        for i in indexes {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            TaskActivity::Table.into_iden(),
            TaskProgress::Table.into_iden(),
            Tasks::Table.into_iden(),
            Milestones::Table.into_iden(),
            ProjectMembers::Table.into_iden(),
            ProjectDepartments::Table.into_iden(),
            Projects::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
