use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    DescriptionHtml,
}

#[derive(DeriveIden)]
enum TaskDependencies {
    Table,
    TaskId,
    DependsOnId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    TaskId,
    AuthorId,
    Body,
    BodyHtml,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    TaskId,
    Name,
    Permission,
    Viewers,
    CurrentVersion,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum AttachmentVersions {
    Table,
    Id,
    AttachmentId,
    Number,
    Name,
    Size,
    Sha256,
    ContentType,
    StorageKey,
    UploadedBy,
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

fn cascade_to_task(
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(Tasks::Table, Tasks::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn to_user(from: (impl IntoIden + 'static, impl IntoIden + 'static)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(Users::Table, Users::Id)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Sanitized HTML of the Markdown description, rendered once when written.
        m.alter_table(
            Table::alter()
                .table(Tasks::Table)
                .add_column(
                    ColumnDef::new(Tasks::DescriptionHtml)
                        .text()
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TaskDependencies::Table)
                .col(ColumnDef::new(TaskDependencies::TaskId).uuid().not_null())
                .col(
                    ColumnDef::new(TaskDependencies::DependsOnId)
                        .uuid()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TaskDependencies::CreatedBy)
                        .uuid()
                        .not_null(),
                )
                .col(ts(TaskDependencies::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(TaskDependencies::TaskId)
                        .col(TaskDependencies::DependsOnId),
                )
                .foreign_key(&mut cascade_to_task((
                    TaskDependencies::Table,
                    TaskDependencies::TaskId,
                )))
                .foreign_key(&mut cascade_to_task((
                    TaskDependencies::Table,
                    TaskDependencies::DependsOnId,
                )))
                .foreign_key(&mut to_user((
                    TaskDependencies::Table,
                    TaskDependencies::CreatedBy,
                )))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Comments::Table)
                .col(uuid_pk(Comments::Id))
                .col(ColumnDef::new(Comments::TaskId).uuid().not_null())
                .col(ColumnDef::new(Comments::AuthorId).uuid().not_null())
                .col(ColumnDef::new(Comments::Body).text().not_null())
                .col(ColumnDef::new(Comments::BodyHtml).text().not_null())
                .col(ts(Comments::CreatedAt))
                .col(ts(Comments::UpdatedAt))
                .col(
                    ColumnDef::new(Comments::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .foreign_key(&mut cascade_to_task((Comments::Table, Comments::TaskId)))
                .foreign_key(&mut to_user((Comments::Table, Comments::AuthorId)))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Attachments::Table)
                .col(uuid_pk(Attachments::Id))
                .col(ColumnDef::new(Attachments::TaskId).uuid().not_null())
                .col(ColumnDef::new(Attachments::Name).string_len(255).not_null())
                // `project` or `assignee_only` (who may replace or delete it).
                .col(
                    ColumnDef::new(Attachments::Permission)
                        .string_len(16)
                        .not_null(),
                )
                // JSON array of user ids allowed to see it; NULL: everyone who sees the task.
                .col(ColumnDef::new(Attachments::Viewers).json().null())
                .col(
                    ColumnDef::new(Attachments::CurrentVersion)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Attachments::CreatedBy).uuid().not_null())
                .col(ts(Attachments::CreatedAt))
                .col(ts(Attachments::UpdatedAt))
                .col(
                    ColumnDef::new(Attachments::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .foreign_key(&mut cascade_to_task((
                    Attachments::Table,
                    Attachments::TaskId,
                )))
                .foreign_key(&mut to_user((Attachments::Table, Attachments::CreatedBy)))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AttachmentVersions::Table)
                .col(uuid_pk(AttachmentVersions::Id))
                .col(
                    ColumnDef::new(AttachmentVersions::AttachmentId)
                        .uuid()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AttachmentVersions::Number)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AttachmentVersions::Name)
                        .string_len(255)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AttachmentVersions::Size)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AttachmentVersions::Sha256)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AttachmentVersions::ContentType)
                        .string_len(255)
                        .not_null(),
                )
                // Our own name for the stored bytes; the uploaded file name never becomes a path.
                .col(
                    ColumnDef::new(AttachmentVersions::StorageKey)
                        .string_len(255)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AttachmentVersions::UploadedBy)
                        .uuid()
                        .not_null(),
                )
                .col(ts(AttachmentVersions::CreatedAt))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(AttachmentVersions::Table, AttachmentVersions::AttachmentId)
                        .to(Attachments::Table, Attachments::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        for i in [
            Index::create()
                .name("ix_task_dependencies_depends_on")
                .table(TaskDependencies::Table)
                .col(TaskDependencies::DependsOnId)
                .to_owned(),
            Index::create()
                .name("ix_comments_task")
                .table(Comments::Table)
                .col(Comments::TaskId)
                .col(Comments::Id)
                .to_owned(),
            Index::create()
                .name("ix_attachments_task")
                .table(Attachments::Table)
                .col(Attachments::TaskId)
                .col(Attachments::Id)
                .to_owned(),
            Index::create()
                .name("ux_attachment_versions_number")
                .table(AttachmentVersions::Table)
                .col(AttachmentVersions::AttachmentId)
                .col(AttachmentVersions::Number)
                .unique()
                .to_owned(),
        ] {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AttachmentVersions::Table.into_iden(),
            Attachments::Table.into_iden(),
            Comments::Table.into_iden(),
            TaskDependencies::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(Tasks::Table)
                .drop_column(Tasks::DescriptionHtml)
                .to_owned(),
        )
        .await
    }
}
