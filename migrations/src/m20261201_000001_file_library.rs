use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    FileQuotaBytes,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Blobs {
    Table,
    Sha256,
    StorageKey,
    Size,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Folders {
    Table,
    Id,
    ProjectId,
    ParentId,
    Place,
    Name,
    NameKey,
    Restricted,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
    DeletedAt,
    DeletedBy,
}

#[derive(DeriveIden)]
enum Files {
    Table,
    Id,
    ProjectId,
    FolderId,
    Place,
    Name,
    NameKey,
    Kind,
    TaskId,
    Permission,
    Viewers,
    CurrentVersion,
    Size,
    ContentType,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
    DeletedAt,
    DeletedBy,
}

#[derive(DeriveIden)]
enum FileVersions {
    Table,
    Id,
    FileId,
    Number,
    Name,
    Size,
    Sha256,
    ContentType,
    Note,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FileGrants {
    Table,
    Id,
    ProjectId,
    FolderId,
    FileId,
    SubjectKind,
    SubjectId,
    Level,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FileTaskLinks {
    Table,
    FileId,
    TaskId,
    CreatedBy,
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
    f
}

/// The file library (issue 13, F1–F6), and task attachments moved into it so that one blob
/// store and one version model serve both:
/// - `blobs`: stored content, one row per SHA-256. The object's key is our own (`blobs/<uuid>`
///   for new content, the old `attachments/<uuid>` for migrated content): a blob removed and
///   uploaded again gets a new key, so deleting the old object after commit can never hit the
///   new one.
/// - `folders`: nested per project (`parent_id`); `restricted` ones are seen only by their
///   grantees. `place` is the parent folder, or the project for top-level ones, so that
///   `(project_id, place, name_key)` can be unique; `name_key` is the case-folded name while
///   the folder is live and NULL in the trash (NULLs never collide).
/// - `files`: library files (`kind` `file` or `doc`) and task attachments (`task_id` set,
///   `place` = the task, `name_key` NULL: attachments may share names). `permission` and
///   `viewers` keep the attachments' rules (T5). `size`/`content_type` mirror the current
///   version for listings.
/// - `file_versions`: the history; each names its content by `sha256`.
/// - `file_grants`: view / edit / manage on a folder or file, to a user or a department.
/// - `file_task_links`: library files linked to tasks.
/// - `projects.file_quota_bytes`: an optional quota.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Projects::Table)
                .add_column(
                    ColumnDef::new(Projects::FileQuotaBytes)
                        .big_integer()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Blobs::Table)
                .col(
                    ColumnDef::new(Blobs::Sha256)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Blobs::StorageKey).string_len(255).not_null())
                .col(ColumnDef::new(Blobs::Size).big_integer().not_null())
                .col(ts(Blobs::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Folders::Table)
                .col(uuid_pk(Folders::Id))
                .col(ColumnDef::new(Folders::ProjectId).uuid().not_null())
                .col(ColumnDef::new(Folders::ParentId).uuid().null())
                .col(ColumnDef::new(Folders::Place).uuid().not_null())
                .col(ColumnDef::new(Folders::Name).string_len(255).not_null())
                .col(ColumnDef::new(Folders::NameKey).string_len(255).null())
                .col(
                    ColumnDef::new(Folders::Restricted)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(ColumnDef::new(Folders::CreatedBy).uuid().not_null())
                .col(ts(Folders::CreatedAt))
                .col(ts(Folders::UpdatedAt))
                .col(
                    ColumnDef::new(Folders::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .col(
                    ColumnDef::new(Folders::DeletedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(Folders::DeletedBy).uuid().null())
                .foreign_key(&mut fk(
                    (Folders::Table, Folders::ProjectId),
                    (Projects::Table, Projects::Id),
                    true,
                ))
                .foreign_key(&mut fk(
                    (Folders::Table, Folders::ParentId),
                    (Folders::Table, Folders::Id),
                    false,
                ))
                .foreign_key(&mut fk(
                    (Folders::Table, Folders::CreatedBy),
                    (Users::Table, Users::Id),
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Files::Table)
                .col(uuid_pk(Files::Id))
                .col(ColumnDef::new(Files::ProjectId).uuid().not_null())
                .col(ColumnDef::new(Files::FolderId).uuid().null())
                .col(ColumnDef::new(Files::Place).uuid().not_null())
                .col(ColumnDef::new(Files::Name).string_len(255).not_null())
                .col(ColumnDef::new(Files::NameKey).string_len(255).null())
                .col(
                    ColumnDef::new(Files::Kind)
                        .string_len(8)
                        .not_null()
                        .default("file"),
                )
                .col(ColumnDef::new(Files::TaskId).uuid().null())
                .col(
                    ColumnDef::new(Files::Permission)
                        .string_len(16)
                        .not_null()
                        .default("project"),
                )
                .col(ColumnDef::new(Files::Viewers).json().null())
                .col(ColumnDef::new(Files::CurrentVersion).integer().not_null())
                .col(ColumnDef::new(Files::Size).big_integer().not_null())
                .col(
                    ColumnDef::new(Files::ContentType)
                        .string_len(255)
                        .not_null(),
                )
                .col(ColumnDef::new(Files::CreatedBy).uuid().not_null())
                .col(ts(Files::CreatedAt))
                .col(ts(Files::UpdatedAt))
                .col(
                    ColumnDef::new(Files::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .col(
                    ColumnDef::new(Files::DeletedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(Files::DeletedBy).uuid().null())
                .foreign_key(&mut fk(
                    (Files::Table, Files::ProjectId),
                    (Projects::Table, Projects::Id),
                    true,
                ))
                .foreign_key(&mut fk(
                    (Files::Table, Files::FolderId),
                    (Folders::Table, Folders::Id),
                    false,
                ))
                .foreign_key(&mut fk(
                    (Files::Table, Files::TaskId),
                    (Tasks::Table, Tasks::Id),
                    false,
                ))
                .foreign_key(&mut fk(
                    (Files::Table, Files::CreatedBy),
                    (Users::Table, Users::Id),
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(FileVersions::Table)
                .col(uuid_pk(FileVersions::Id))
                .col(ColumnDef::new(FileVersions::FileId).uuid().not_null())
                .col(ColumnDef::new(FileVersions::Number).integer().not_null())
                .col(
                    ColumnDef::new(FileVersions::Name)
                        .string_len(255)
                        .not_null(),
                )
                .col(ColumnDef::new(FileVersions::Size).big_integer().not_null())
                .col(
                    ColumnDef::new(FileVersions::Sha256)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(FileVersions::ContentType)
                        .string_len(255)
                        .not_null(),
                )
                .col(ColumnDef::new(FileVersions::Note).string_len(1000).null())
                .col(ColumnDef::new(FileVersions::CreatedBy).uuid().not_null())
                .col(ts(FileVersions::CreatedAt))
                .foreign_key(&mut fk(
                    (FileVersions::Table, FileVersions::FileId),
                    (Files::Table, Files::Id),
                    true,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(FileGrants::Table)
                .col(uuid_pk(FileGrants::Id))
                .col(ColumnDef::new(FileGrants::ProjectId).uuid().not_null())
                .col(ColumnDef::new(FileGrants::FolderId).uuid().null())
                .col(ColumnDef::new(FileGrants::FileId).uuid().null())
                .col(
                    ColumnDef::new(FileGrants::SubjectKind)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(FileGrants::SubjectId).uuid().not_null())
                .col(ColumnDef::new(FileGrants::Level).string_len(8).not_null())
                .col(ColumnDef::new(FileGrants::CreatedBy).uuid().not_null())
                .col(ts(FileGrants::CreatedAt))
                .foreign_key(&mut fk(
                    (FileGrants::Table, FileGrants::ProjectId),
                    (Projects::Table, Projects::Id),
                    true,
                ))
                .foreign_key(&mut fk(
                    (FileGrants::Table, FileGrants::FolderId),
                    (Folders::Table, Folders::Id),
                    true,
                ))
                .foreign_key(&mut fk(
                    (FileGrants::Table, FileGrants::FileId),
                    (Files::Table, Files::Id),
                    true,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(FileTaskLinks::Table)
                .col(ColumnDef::new(FileTaskLinks::FileId).uuid().not_null())
                .col(ColumnDef::new(FileTaskLinks::TaskId).uuid().not_null())
                .col(ColumnDef::new(FileTaskLinks::CreatedBy).uuid().not_null())
                .col(ts(FileTaskLinks::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(FileTaskLinks::FileId)
                        .col(FileTaskLinks::TaskId),
                )
                .foreign_key(&mut fk(
                    (FileTaskLinks::Table, FileTaskLinks::FileId),
                    (Files::Table, Files::Id),
                    true,
                ))
                .foreign_key(&mut fk(
                    (FileTaskLinks::Table, FileTaskLinks::TaskId),
                    (Tasks::Table, Tasks::Id),
                    true,
                ))
                .to_owned(),
        )
        .await?;
        for i in [
            Index::create()
                .name("ux_blobs_storage_key")
                .table(Blobs::Table)
                .col(Blobs::StorageKey)
                .unique()
                .to_owned(),
            Index::create()
                .name("ux_folders_name")
                .table(Folders::Table)
                .col(Folders::ProjectId)
                .col(Folders::Place)
                .col(Folders::NameKey)
                .unique()
                .to_owned(),
            Index::create()
                .name("ix_folders_deleted")
                .table(Folders::Table)
                .col(Folders::DeletedAt)
                .to_owned(),
            Index::create()
                .name("ux_files_name")
                .table(Files::Table)
                .col(Files::ProjectId)
                .col(Files::Place)
                .col(Files::NameKey)
                .unique()
                .to_owned(),
            Index::create()
                .name("ix_files_task")
                .table(Files::Table)
                .col(Files::TaskId)
                .to_owned(),
            Index::create()
                .name("ix_files_folder")
                .table(Files::Table)
                .col(Files::FolderId)
                .to_owned(),
            Index::create()
                .name("ix_files_deleted")
                .table(Files::Table)
                .col(Files::DeletedAt)
                .to_owned(),
            Index::create()
                .name("ux_file_versions_number")
                .table(FileVersions::Table)
                .col(FileVersions::FileId)
                .col(FileVersions::Number)
                .unique()
                .to_owned(),
            Index::create()
                .name("ix_file_versions_sha256")
                .table(FileVersions::Table)
                .col(FileVersions::Sha256)
                .to_owned(),
            Index::create()
                .name("ix_file_grants_project")
                .table(FileGrants::Table)
                .col(FileGrants::ProjectId)
                .to_owned(),
            Index::create()
                .name("ix_file_task_links_task")
                .table(FileTaskLinks::Table)
                .col(FileTaskLinks::TaskId)
                .to_owned(),
        ] {
            m.create_index(i).await?;
        }
        move_attachments(m).await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Attachments were moved into the library and their tables dropped: going back would
        // have to split them out again, which no one needs.
        Err(DbErr::Migration(
            "the file library cannot be rolled back".into(),
        ))
    }
}

/// Task attachments become library files attached to their task (same ids, so their URLs
/// stay valid), their versions file versions, and their content blobs. Where two versions
/// held the same content under two keys, one key is kept: the other object is left on disk.
async fn move_attachments(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    for sql in [
        "INSERT INTO blobs (sha256, storage_key, size, created_at) \
         SELECT sha256, MIN(storage_key), MAX(size), MIN(created_at) FROM attachment_versions \
         GROUP BY sha256",
        "INSERT INTO files (id, project_id, folder_id, place, name, name_key, kind, task_id, \
           permission, viewers, current_version, size, content_type, created_by, created_at, \
           updated_at, version, deleted_at, deleted_by) \
         SELECT a.id, t.project_id, NULL, a.task_id, a.name, NULL, 'file', a.task_id, \
           a.permission, a.viewers, a.current_version, COALESCE(v.size, 0), \
           COALESCE(v.content_type, 'application/octet-stream'), a.created_by, a.created_at, \
           a.updated_at, a.version, NULL, NULL \
         FROM attachments a JOIN tasks t ON t.id = a.task_id \
         LEFT JOIN attachment_versions v ON v.attachment_id = a.id AND v.number = a.current_version",
        "INSERT INTO file_versions (id, file_id, number, name, size, sha256, content_type, note, \
           created_by, created_at) \
         SELECT id, attachment_id, number, name, size, sha256, content_type, NULL, uploaded_by, \
           created_at FROM attachment_versions",
        "DROP TABLE attachment_versions",
        "DROP TABLE attachments",
    ] {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}
