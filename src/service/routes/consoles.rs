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
//! Who: the instance's owner (read-write); the class's teacher and admins read-only,
//! or read-write with `?take_over=true`; the class's graders read-only. Anyone else
//! gets 404 before the upgrade. Each connection is a terminal session of its own on
//! the node: a teacher does not see the student's keystrokes, only the node.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{Path, Query, State};
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

pub fn router() -> Router<AppState> {
    Router::new().route("/api/assignments/{id}/students/{student_id}/console/{node}", get(console))
}

/// How to attach.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ConsoleQuery {
    /// A teacher types too, instead of watching (teachers and admins only).
    #[serde(default)]
    pub take_over: bool,
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
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    // Who may look comes first: a request that is no upgrade learns nothing either.
    let writable = authz::console(&state.db, &user, id, student_id, query.take_over).await?;
    let engine = state.engine()?;
    let target = grading::target(&state.db, &state.config.lab_prefix, id, student_id).await?;
    let nodes = engine.nodes(&target.instance).await?;
    let kind = nodes.iter().find(|n| n.node == node).ok_or(ApiError::NotFound)?.kind;
    let command: Vec<String> = match kind {
        Some(NodeKind::Router | NodeKind::Firewall) => vec!["vtysh".into()],
        Some(NodeKind::Custom) => vec!["sh".into()],
        _ => vec!["bash".into(), "-l".into()],
    };
    let upgrade = upgrade
        .map_err(|_| ApiError::BadRequest("open this path as a WebSocket (Upgrade: websocket)".into()))?;
    let terminal = engine.terminal(&target.instance, &node, &command, (80, 24)).await?;
    tracing::info!(by = %user.username, instance = %target.instance, %node, writable, "console opened");
    let activity = state.lifecycle.clone().map(|lifecycle| Activity::new(lifecycle, target.instance.clone()));
    Ok(upgrade.on_upgrade(move |socket| pump(socket, terminal, writable, activity)))
}

/// Typing in a console is work on the lab: it tells the lifecycle, so a lab in use
/// never expires for being idle. At most every [`Activity::EVERY`], since a touch
/// takes the lifecycle's lock and keys come many a second.
struct Activity {
    lifecycle: Lifecycle,
    instance: InstanceId,
    last: Option<Instant>,
}

impl Activity {
    const EVERY: Duration = Duration::from_secs(30);

    fn new(lifecycle: Lifecycle, instance: InstanceId) -> Activity {
        Activity { lifecycle, instance, last: None }
    }

    async fn typed(&mut self) {
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
