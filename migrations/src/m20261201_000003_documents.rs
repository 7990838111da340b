use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Files {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DocUpdates {
    Table,
    Id,
    DocId,
    Origin,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DocTickets {
    Table,
    TokenHash,
    DocId,
    UserId,
    Scopes,
    SessionId,
    PatId,
    CredentialExpiresAt,
    ExpiresAt,
}

/// Co-edited documents (issue 13, F5):
/// - `doc_updates`: a document's Yjs updates as they arrive, in order (`id`), each written
///   before it is passed on, so a restart loses no edit anyone saw; compacted into one merged
///   update from time to time. `origin` names the server instance that received it, so
///   instances sharing a database pass each other's edits to their own editors.
/// - `doc_tickets`: short-lived single-use tickets for clients that cannot send a token when
///   they open a WebSocket (a stock y-websocket provider): the SHA-256 of the ticket, and the
///   credential it stands for (a session or a personal token, with its scopes), which must
///   still be alive when the ticket is used.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DocUpdates::Table)
                .col(
                    ColumnDef::new(DocUpdates::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(DocUpdates::DocId).uuid().not_null())
                .col(ColumnDef::new(DocUpdates::Origin).uuid().not_null())
                .col(ColumnDef::new(DocUpdates::Data).binary().not_null())
                .col(
                    ColumnDef::new(DocUpdates::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DocUpdates::Table, DocUpdates::DocId)
                        .to(Files::Table, Files::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_doc_updates_doc_id")
                .table(DocUpdates::Table)
                .col(DocUpdates::DocId)
                .col(DocUpdates::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DocTickets::Table)
                .col(
                    ColumnDef::new(DocTickets::TokenHash)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(DocTickets::DocId).uuid().not_null())
                .col(ColumnDef::new(DocTickets::UserId).uuid().not_null())
                .col(ColumnDef::new(DocTickets::Scopes).string_len(200).null())
                .col(ColumnDef::new(DocTickets::SessionId).uuid().null())
                .col(ColumnDef::new(DocTickets::PatId).uuid().null())
                .col(
                    ColumnDef::new(DocTickets::CredentialExpiresAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(DocTickets::ExpiresAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DocTickets::Table, DocTickets::DocId)
                        .to(Files::Table, Files::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DocTickets::Table, DocTickets::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_doc_tickets_expires_at")
                .table(DocTickets::Table)
                .col(DocTickets::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DocTickets::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(DocUpdates::Table).to_owned())
            .await
    }
}
