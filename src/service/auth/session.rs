//! Sessions (a browser's login) and API tokens (a script's), both stored only as the
//! hash of their secret.

use sqlx::SqlitePool;

use super::secret::{random_token, token_hash};
use crate::service::time::now;

/// The session cookie's name.
pub const COOKIE: &str = "asbuilt_session";

/// A new session's secrets, which leave the service once, in the login response.
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// Starts a session for `user_id` lasting `ttl_secs`.
pub async fn create(db: &SqlitePool, user_id: i64, ttl_secs: i64) -> Result<NewSession, sqlx::Error> {
    let token = random_token();
    let csrf_token = random_token();
    let created = now();
    let expires_at = created + ttl_secs;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(&csrf_token)
    .bind(created)
    .bind(expires_at)
    .execute(db)
    .await?;
    // Expired sessions are of no use to anyone; a login is a cheap moment to drop them.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= ?").bind(created).execute(db).await?;
    Ok(NewSession { token, csrf_token, expires_at })
}

/// Ends the session with this token hash (logout).
pub async fn delete(db: &SqlitePool, hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(hash).execute(db).await?;
    Ok(())
}

/// Ends every session of a user (their password changed, or they were disabled).
pub async fn delete_all_of(db: &SqlitePool, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = ?").bind(user_id).execute(db).await?;
    Ok(())
}

/// The value of one cookie in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// The `Set-Cookie` values for a new session: the session itself (HttpOnly, so scripts
/// on a page never see it) and its CSRF token (readable, so a page can send it back).
pub fn set_cookies(session: &NewSession, ttl_secs: i64, secure: bool) -> [String; 2] {
    let secure = if secure { "; Secure" } else { "" };
    [
        format!("{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl_secs}{secure}", session.token),
        format!(
            "{}={}; Path=/; SameSite=Lax; Max-Age={ttl_secs}{secure}",
            super::csrf::COOKIE,
            session.csrf_token
        ),
    ]
}

/// The `Set-Cookie` values that remove both cookies.
pub fn clear_cookies() -> [String; 2] {
    [
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        format!("{}=; Path=/; SameSite=Lax; Max-Age=0", super::csrf::COOKIE),
    ]
}

/// API tokens start with this, so a leaked one is recognisable in logs and scanners.
pub const TOKEN_PREFIX: &str = "asb_";

/// Makes an API token for `user_id`; returns its id and the token, which is shown once.
pub async fn create_api_token(
    db: &SqlitePool,
    user_id: i64,
    name: &str,
) -> Result<(i64, String), sqlx::Error> {
    let token = format!("{TOKEN_PREFIX}{}", random_token());
    let id =
        sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)")
            .bind(user_id)
            .bind(name)
            .bind(token_hash(&token))
            .bind(now())
            .execute(db)
            .await?
            .last_insert_rowid();
    Ok((id, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others() {
        let header = "a=1; asbuilt_session=xyz; b=2";
        assert_eq!(cookie_value(header, COOKIE), Some("xyz"));
        assert_eq!(cookie_value(header, "c"), None);
    }

    #[test]
    fn the_session_cookie_is_http_only_and_lax_and_secure_when_asked() {
        let session = NewSession { token: "t".into(), csrf_token: "c".into(), expires_at: 0 };
        let [plain, csrf] = set_cookies(&session, 60, false);
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax") && !plain.contains("Secure"));
        assert!(!csrf.contains("HttpOnly"));
        let [secure, _] = set_cookies(&session, 60, true);
        assert!(secure.ends_with("; Secure"));
    }
}
