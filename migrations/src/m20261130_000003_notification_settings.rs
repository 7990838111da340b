use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    UserId,
    Kind,
    InApp,
    Email,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// C7: per user and kind of notification, whether it is shown in the app and sent by e-mail.
/// A kind without a row has the defaults (both on).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NotificationSettings::Table)
                .col(
                    ColumnDef::new(NotificationSettings::UserId)
                        .uuid()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(NotificationSettings::Kind)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(NotificationSettings::InApp)
                        .boolean()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(NotificationSettings::Email)
                        .boolean()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(NotificationSettings::UserId)
                        .col(NotificationSettings::Kind),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationSettings::Table, NotificationSettings::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(NotificationSettings::Table).to_owned())
            .await
    }
}
