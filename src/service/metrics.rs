//! Prometheus metrics in the text exposition format, served at `/metrics`.
//!
//! Counters that only the service sees (HTTP requests, failed logins) are kept here in
//! memory; gauges that the database knows (users by role, sessions) are read from it at
//! scrape time, so they are right after a restart.
//!
//! Other parts of the service add their own gauges by implementing [`MetricsSource`]
//! and calling `state.metrics.register(...)` at start: that is where the lab
//! lifecycle's instances by state, queue length and durations belong.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::SqlitePool;

use super::error::ApiError;
use super::state::AppState;

/// A part of the service that contributes metrics at scrape time.
#[async_trait::async_trait]
pub trait MetricsSource: Send + Sync {
    /// Appends `# HELP`, `# TYPE` and sample lines to `out`.
    async fn write(&self, db: &SqlitePool, out: &mut String) -> Result<(), String>;
}

/// The service's own counters, and the other sources to ask at scrape time.
#[derive(Default)]
pub struct Metrics {
    /// (method, route template, status) to count. The route is the template
    /// (`/api/classes/{id}`), never the path, so ids do not explode the series.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    login_failures: AtomicU64,
    /// Where the lifecycle (instances by state, queue length) plugs in.
    sources: Mutex<Vec<Arc<dyn MetricsSource>>>,
}

impl Metrics {
    /// Adds a source asked at every scrape, after the service's own metrics.
    pub fn register(&self, source: Arc<dyn MetricsSource>) {
        self.sources.lock().unwrap_or_else(|e| e.into_inner()).push(source);
    }

    pub fn login_failed(&self) {
        self.login_failures.fetch_add(1, Ordering::Relaxed);
    }

    fn count_request(&self, method: &str, route: &str, status: u16) {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *requests.entry((method.to_string(), route.to_string(), status)).or_default() += 1;
    }

    /// The whole exposition.
    pub async fn render(&self, db: &SqlitePool) -> Result<String, String> {
        let mut out = String::new();
        out.push_str("# HELP asbuilt_users Accounts by role.\n# TYPE asbuilt_users gauge\n");
        let by_role: Vec<(String, i64)> =
            sqlx::query_as("SELECT role, COUNT(*) FROM users WHERE disabled = 0 GROUP BY role")
                .fetch_all(db)
                .await
                .map_err(|e| format!("count users: {e}"))?;
        for role in super::auth::Role::ALL {
            let count = by_role.iter().find(|(r, _)| r == role.as_str()).map_or(0, |(_, n)| *n);
            let _ = writeln!(out, "asbuilt_users{{role=\"{}\"}} {count}", role.as_str());
        }
        let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE expires_at > ?")
            .bind(super::time::now())
            .fetch_one(db)
            .await
            .map_err(|e| format!("count sessions: {e}"))?;
        out.push_str(
            "# HELP asbuilt_sessions Sessions that have not expired.\n# TYPE asbuilt_sessions gauge\n",
        );
        let _ = writeln!(out, "asbuilt_sessions {sessions}");
        out.push_str("# HELP asbuilt_login_failures_total Failed logins since start.\n");
        out.push_str("# TYPE asbuilt_login_failures_total counter\n");
        let _ = writeln!(out, "asbuilt_login_failures_total {}", self.login_failures.load(Ordering::Relaxed));
        out.push_str("# HELP asbuilt_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE asbuilt_http_requests_total counter\n");
        let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for ((method, route, status), count) in requests {
            let _ = writeln!(
                out,
                "asbuilt_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(&route)
            );
        }
        // Cloned out, so no lock is held while a source awaits.
        let sources = self.sources.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for source in sources {
            source.write(db, &mut out).await?;
        }
        Ok(out)
    }
}

/// Escapes a label value as the exposition format wants.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Middleware counting every request by its route template and status.
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    // Unmatched paths share one label, so scanning for URLs cannot add series.
    let route =
        request.extensions().get::<MatchedPath>().map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    state.metrics.count_request(&method, &route, response.status().as_u16());
    response
}

/// `GET /metrics`.
pub async fn serve(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state.db).await {
        Ok(text) => ([("content-type", "text/plain; version=0.0.4")], text).into_response(),
        Err(cause) => ApiError::Internal(format!("render metrics: {cause}")).into_response(),
    }
}
