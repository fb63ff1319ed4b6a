//! Opening the database: one SQLite file in the data directory, in WAL mode (readers do
//! not wait for the writer, and `VACUUM INTO` can back it up while the service runs),
//! with foreign keys enforced, and migrated to the schema this build expects.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "asbuilt.db";

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The data directory could not be created.
    #[error("failed to create data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    /// SQLite refused to open the file.
    #[error("failed to open database {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    /// A migration failed; the database is left at the last one that succeeded.
    #[error("failed to migrate database {path}: {source}")]
    Migrate { path: String, source: sqlx::migrate::MigrateError },
}

/// Opens (creating if needed) the database in `data_dir` and runs every migration this
/// build carries that the database has not had yet.
pub async fn open(data_dir: &Path) -> Result<SqlitePool, DbError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|source| DbError::DataDir { path: data_dir.display().to_string(), source })?;
    let path = data_dir.join(DB_FILE);
    let shown = path.display().to_string();
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|source| DbError::Open { path: shown.clone(), source })?
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL is durable across a crash of the service in WAL mode; only a power
        // loss may lose the last transactions.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|source| DbError::Open { path: shown.clone(), source })?;
    sqlx::migrate!("src/service/migrations")
        .run(&pool)
        .await
        .map_err(|source| DbError::Migrate { path: shown, source })?;
    Ok(pool)
}
