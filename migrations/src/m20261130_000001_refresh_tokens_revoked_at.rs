use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    RevokedAt,
}

/// A starting server reads the sessions ended within the last access-token lifetime (their
/// access tokens are still unexpired and must stay refused); the table keeps every refresh
/// token ever issued, so that read needs an index instead of a scan.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_refresh_tokens_revoked_at")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::RevokedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_refresh_tokens_revoked_at")
                .table(RefreshTokens::Table)
                .to_owned(),
        )
        .await
    }
}
