//! Why the store could not do what was asked.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("store {path} was written by a newer Earshot (schema {found}, this one knows {known})")]
    TooNew { path: String, found: i64, known: usize },
    #[error("team store: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("the team store cannot be reached ({0})")]
    Offline(String),
    #[error("store: a saved row cannot be read back ({0})")]
    Corrupt(String),
}
