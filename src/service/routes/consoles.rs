//! Consoles: a node's terminal over a WebSocket.
//!
//! `GET /api/assignments/{id}/students/{student_id}/console/{node}` upgrades to a
//! WebSocket that runs the node's console (vtysh on routers and firewalls, a login
//! shell elsewhere, as `asbuilt console` does). The protocol:
//! - server to client, binary frames: what the terminal prints, as raw bytes;
//! - client to server, binary frames: keystrokes, as raw bytes (dropped on a read-only
//!   console);
//! - client to server, text frames: JSON control messages, `{"type":"resize","cols":
//!   100,"rows":30}`;
//! - server to client, text frames: JSON notices, `{"type":"read-only"}` once at the
//!   start of a console that may not type, and `{"type":"exit"}` when the terminal
//!   ends, followed by a close.
//!
//! With `?screen=true` the server keeps the terminal's screen instead and sends the
//! browser what changed on it (`service::terminal`, whose `session.rs` documents those
//! messages); the web console page uses that mode. A screen-mode console is shared:
//! everyone who opens the same node sees one terminal (a watching teacher sees what
//! the student does), and only those who may type reach it.
//!
//! Who: the instance's owner (read-write); the class's teacher and admins read-only,
//! or read-write with `?take_over=true`; the class's graders read-only. Anyone else
//! gets 404 before the upgrade. In the raw mode each connection is a terminal session
//! of its own on the node: a teacher does not see the student's keystrokes, only the
//! node.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::get;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use utoipa::IntoParams;

use crate::engine::Terminal;
use crate::kind::NodeKind;
use crate::plan::InstanceId;
use crate::service::auth::CurrentUser;
use crate::service::authz;
use crate::service::error::{ApiError, ErrorBody};
use crate::service::grading;
use crate::service::lifecycle::Lifecycle;
use crate::service::state::AppState;
use crate::service::terminal;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/assignments/{id}/students/{student_id}/console/{node}", get(console))
}

/// How to attach.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ConsoleQuery {
    /// A teacher types too, instead of watching (teachers and admins only).
    #[serde(default)]
    pub take_over: bool,
    /// Screen updates (JSON) instead of the terminal's raw bytes.
    #[serde(default)]
    pub screen: bool,
}

/// A control message from the client.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
enum Control {
    Resize { cols: u16, rows: u16 },
}

/// Attaches to a node's terminal in a student's instance (a WebSocket; see the module
/// documentation for its messages).
#[utoipa::path(get, path = "/api/assignments/{id}/students/{student_id}/console/{node}", tag = "consoles",
    params(("id" = i64, Path, description = "assignment id"), ("student_id" = i64, Path, description = "the student whose instance it is"),
        ("node" = String, Path, description = "the node"), ConsoleQuery),
    responses((status = 101, description = "switching to the WebSocket"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn console(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, student_id, node)): Path<(i64, i64, String)>,
    Query(query): Query<ConsoleQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    // A page of another site may open a WebSocket here, and the browser would send
    // it the session cookie if the sites were the same (SameSite does not tell ports
    // or subdomains apart): a console opens only from this server's own pages.
    if !same_origin(&headers) {
        return Err(ApiError::Forbidden);
    }
    let console = open(&state, &user, id, student_id, &node, query.take_over).await?;
    let upgrade = upgrade
        .map_err(|_| ApiError::BadRequest("open this path as a WebSocket (Upgrade: websocket)".into()))?;
    let command: Vec<String> = match console.kind {
        Some(NodeKind::Router | NodeKind::Firewall) => vec!["vtysh".into()],
        Some(NodeKind::Custom) => vec!["sh".into()],
        _ => vec!["bash".into(), "-l".into()],
    };
    let engine = state.engine()?;
    let writable = console.writable;
    tracing::info!(by = %user.username, instance = %console.instance, %node, writable, screen = query.screen, "console opened");
    let activity =
        state.lifecycle.clone().map(|lifecycle| Activity::new(lifecycle, console.instance.clone()));
    if query.screen {
        let start = async |size| engine.terminal(&console.instance, &node, &command, size).await;
        let shared = state.consoles.join(console.instance.as_str(), &node, start).await?;
        return Ok(
            upgrade.on_upgrade(move |socket| terminal::session::pump(socket, shared, writable, activity))
        );
    }
    let terminal = engine.terminal(&console.instance, &node, &command, (80, 24)).await?;
    Ok(upgrade.on_upgrade(move |socket| pump(socket, terminal, writable, activity)))
}

/// Whether a browser's `Origin` (if it sent one) is this server, as the request's
/// `Host` names it. Clients that are no browser send none.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let origin = origin.to_str().unwrap_or("");
    let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).unwrap_or("");
    !host.is_empty() && authority.eq_ignore_ascii_case(host)
}

/// A console someone may open: the instance, the node's kind and whether they may type.
pub struct Console {
    pub instance: InstanceId,
    pub kind: Option<NodeKind>,
    pub writable: bool,
}

/// Who may open `node`'s console, and on what: the one decision the WebSocket and the
/// console page both take. Who may look comes first, so a request that may not
/// learns nothing else (not whether the lab or the node exists).
pub async fn open(
    state: &AppState,
    user: &CurrentUser,
    assignment_id: i64,
    student_id: i64,
    node: &str,
    take_over: bool,
) -> Result<Console, ApiError> {
    let writable = authz::console(&state.db, user, assignment_id, student_id, take_over).await?;
    let engine = state.engine()?;
    let target = grading::target(&state.db, &state.config.lab_prefix, assignment_id, student_id).await?;
    let nodes = engine.nodes(&target.instance).await?;
    let kind = nodes.iter().find(|n| n.node == node).ok_or(ApiError::NotFound)?.kind;
    Ok(Console { instance: target.instance, kind, writable })
}

/// Typing in a console is work on the lab: it tells the lifecycle, so a lab in use
/// never expires for being idle. At most every [`Activity::EVERY`], since a touch
/// takes the lifecycle's lock and keys come many a second.
pub struct Activity {
    lifecycle: Lifecycle,
    instance: InstanceId,
    last: Option<Instant>,
}

impl Activity {
    const EVERY: Duration = Duration::from_secs(30);

    fn new(lifecycle: Lifecycle, instance: InstanceId) -> Activity {
        Activity { lifecycle, instance, last: None }
    }

    pub async fn typed(&mut self) {
        if self.last.is_some_and(|last| last.elapsed() < Self::EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        // A lab the lifecycle does not run (deployed by an operator) has no idle time.
        if let Err(error) = self.lifecycle.touch(&self.instance).await {
            tracing::debug!(%error, instance = %self.instance, "console: no activity recorded");
        }
    }
}

/// Moves bytes both ways until either side ends.
async fn pump(socket: WebSocket, terminal: Terminal, writable: bool, mut activity: Option<Activity>) {
    let (mut to_client, mut from_client) = socket.split();
    let Terminal { mut output, mut input, resize } = terminal;
    if !writable {
        let _ = to_client.send(Message::Text(r#"{"type":"read-only"}"#.into())).await;
    }
    let printing = async move {
        while let Some(chunk) = output.next().await {
            let Ok(bytes) = chunk else { break };
            if to_client.send(Message::Binary(bytes)).await.is_err() {
                return;
            }
        }
        let _ = to_client.send(Message::Text(r#"{"type":"exit"}"#.into())).await;
        let _ = to_client.close().await;
    };
    let typing = async move {
        while let Some(Ok(message)) = from_client.next().await {
            match message {
                Message::Binary(bytes) if writable => {
                    // The node's shell is gone when its input cannot be written.
                    let Ok(()) = write_keys(&mut input, &bytes).await else { break };
                    if let Some(activity) = activity.as_mut() {
                        activity.typed().await;
                    }
                }
                Message::Text(text) => match serde_json::from_str::<Control>(&text) {
                    Ok(Control::Resize { cols, rows }) => {
                        let _ = resize(cols.max(1), rows.max(1)).await;
                    }
                    Err(error) => tracing::debug!(%error, "console: unknown control message"),
                },
                Message::Close(_) => break,
                _ => {}
            }
        }
    };
    // Either side ending ends the console; dropping the terminal ends its process.
    tokio::select! {
        _ = printing => {}
        _ = typing => {}
    }
}

async fn write_keys(
    input: &mut std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
    bytes: &[u8],
) -> std::io::Result<()> {
    input.write_all(bytes).await?;
    input.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().unwrap());
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, origin.parse().unwrap());
        }
        headers
    }

    #[test]
    fn only_this_servers_pages_or_clients_without_an_origin_open_a_console() {
        assert!(same_origin(&headers(None, "lab.school.nl")));
        assert!(same_origin(&headers(Some("https://lab.school.nl"), "lab.school.nl")));
        assert!(same_origin(&headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080")));
        assert!(!same_origin(&headers(Some("http://127.0.0.1:9999"), "127.0.0.1:8080")));
        assert!(!same_origin(&headers(Some("https://evil.school.nl"), "lab.school.nl")));
        assert!(!same_origin(&headers(Some("null"), "lab.school.nl")));
    }
}
