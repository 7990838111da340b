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
}

#[derive(DeriveIden)]
enum Uploads {
    Table,
    Id,
    UserId,
    ProjectId,
    FolderId,
    TargetFileId,
    Name,
    Note,
    Length,
    Received,
    Parts,
    State,
    ResultFileId,
    Problem,
    CreatedAt,
    UpdatedAt,
    ExpiresAt,
}

/// Resumable uploads (tus 1.0, issue 13 F1): one row per upload under way. Its bytes are
/// staged in the file store as one object per request (`uploads/<id>/<offset>-<uuid>`), so
/// any instance can take the next request and the staged bytes live where the blobs do.
/// `received` and `parts` (the JSON list of stored pieces) move together, once a request's
/// bytes are stored, and only from the offset that request started at. Finished uploads stay until they
/// expire, so a client that lost the last answer can still learn the result.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let ts = |c: Uploads| {
            ColumnDef::new(c)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        m.create_table(
            Table::create()
                .table(Uploads::Table)
                .col(ColumnDef::new(Uploads::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(Uploads::UserId).uuid().not_null())
                .col(ColumnDef::new(Uploads::ProjectId).uuid().not_null())
                .col(ColumnDef::new(Uploads::FolderId).uuid().null())
                .col(ColumnDef::new(Uploads::TargetFileId).uuid().null())
                .col(ColumnDef::new(Uploads::Name).string_len(255).not_null())
                .col(ColumnDef::new(Uploads::Note).string_len(1000).null())
                .col(ColumnDef::new(Uploads::Length).big_integer().not_null())
                .col(ColumnDef::new(Uploads::Received).big_integer().not_null())
                .col(ColumnDef::new(Uploads::Parts).text().not_null())
                .col(ColumnDef::new(Uploads::State).string_len(16).not_null())
                .col(ColumnDef::new(Uploads::ResultFileId).uuid().null())
                .col(ColumnDef::new(Uploads::Problem).text().null())
                .col(ts(Uploads::CreatedAt))
                .col(ts(Uploads::UpdatedAt))
                .col(ts(Uploads::ExpiresAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Uploads::Table, Uploads::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Uploads::Table, Uploads::ProjectId)
                        .to(Projects::Table, Projects::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_uploads_expires_at")
                .table(Uploads::Table)
                .col(Uploads::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Uploads::Table).to_owned())
            .await
    }
}
