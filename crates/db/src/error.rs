use sea_orm::{DbErr, SqlErr};

/// What a repository can report. Infrastructure failures stay opaque (`Db`); the rest
/// are conditions the HTTP edge turns into 404/409.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint was violated; the string names the constraint's meaning.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Anything else from the database.
    #[error(transparent)]
    Db(DbErr),
}

impl From<DbErr> for RepoError {
    fn from(e: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(_)) = e.sql_err() {
            return RepoError::Conflict("unique");
        }
        RepoError::Db(e)
    }
}

pub type RepoResult<T> = Result<T, RepoError>;
