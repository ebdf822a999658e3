//! The store layer's one error type.

use std::path::PathBuf;

use thiserror::Error;

/// Errors of the store layer.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("schema migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error(
        "the cache {path} was written by a newer Plant Console (schema {found}, this one knows {supported}); \
         it was left untouched: use the newer console or move the file away"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "the cache {path} is from an older Plant Console (schema {found}, this one knows {supported}); \
         start the console once to bring it up to date"
    )]
    OlderSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("stored JSON is unreadable: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("the cache {path} is damaged: {problem}")]
    Corrupt { path: PathBuf, problem: String },
    #[error("cannot move the damaged cache {path} aside: {source}")]
    SetAside {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The blocking task that ran store work failed or panicked ([`super::blocking`]).
    #[error("a store task failed: {0}")]
    Task(String),
    #[error("the last changes could not be saved to the cache: {0}")]
    Unsaved(String),
}
