//! The first admin: on a start with no admin account, one is made with a random
//! password, which is handed to the CLI to print once. Later starts find the admin and
//! make nothing, so the password is never shown again.

use sqlx::SqlitePool;

use super::auth::password;
use super::time::now;

/// The username of the admin made on first start.
pub const FIRST_ADMIN: &str = "admin";

/// The account made on first start and its password, which exists nowhere else.
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    pub username: String,
    pub password: String,
}

/// Makes the first admin if there is no admin at all.
pub async fn ensure_admin(db: &SqlitePool) -> Result<Option<FirstAdmin>, String> {
    let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .fetch_one(db)
        .await
        .map_err(|e| format!("count admins: {e}"))?;
    if admins > 0 {
        return Ok(None);
    }
    let secret = password::random_password();
    let hash = password::hash(&secret)?;
    // An account called `admin` that is no longer an admin keeps its name; the new one
    // gets a free name instead of taking it over.
    let mut username = FIRST_ADMIN.to_string();
    let mut n = 1;
    while sqlx::query("SELECT 1 FROM users WHERE username = ?")
        .bind(&username)
        .fetch_optional(db)
        .await
        .map_err(|e| format!("look up {username}: {e}"))?
        .is_some()
    {
        n += 1;
        username = format!("{FIRST_ADMIN}{n}");
    }
    sqlx::query(
        "INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES (?, ?, 'admin', ?, ?)",
    )
    .bind(&username)
    .bind("Administrator")
    .bind(&hash)
    .bind(now())
    .execute(db)
    .await
    .map_err(|e| format!("create the first admin: {e}"))?;
    tracing::info!(%username, "created the first admin");
    Ok(Some(FirstAdmin { username, password: secret }))
}
