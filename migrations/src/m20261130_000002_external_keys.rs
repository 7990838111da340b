use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExternalKeys {
    Table,
    Kind,
    ScopeId,
    Key,
    ObjectId,
    CreatedBy,
    CreatedAt,
}

/// I3: the external keys CI scripts give their objects (`key:` in a seed file), kept on the
/// server so two machines running the same file resolve a key to the same object. Keys of
/// departments, users and projects are global (scope = the nil UUID); keys of milestones,
/// tasks and comments are per project (scope = the project's id). An object has at most one
/// key of its kind, so an export names it one way.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ExternalKeys::Table)
                .col(ColumnDef::new(ExternalKeys::Kind).string_len(16).not_null())
                .col(ColumnDef::new(ExternalKeys::ScopeId).uuid().not_null())
                .col(ColumnDef::new(ExternalKeys::Key).string_len(200).not_null())
                .col(ColumnDef::new(ExternalKeys::ObjectId).uuid().not_null())
                .col(ColumnDef::new(ExternalKeys::CreatedBy).uuid().not_null())
                .col(
                    ColumnDef::new(ExternalKeys::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(ExternalKeys::Kind)
                        .col(ExternalKeys::ScopeId)
                        .col(ExternalKeys::Key),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_external_keys_object")
                .table(ExternalKeys::Table)
                .col(ExternalKeys::Kind)
                .col(ExternalKeys::ObjectId)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ExternalKeys::Table).to_owned())
            .await
    }
}
