//! One viewer's WebSocket in screen mode, on a console shared with whoever else
//! looks at the node (`shared.rs`). It turns the browser's input into bytes with the
//! modes the parser knows, and sends a frame of what changed for this viewer a few
//! milliseconds after output arrives, at most every [`FRAME_GAP`]: `top` or `cat` of a
//! big file then costs the browser a frame now and then, not one per chunk.
//!
//! Client to server, text frames (JSON):
//! - `{"type":"text","data":"ls"}`: typed text, as it is;
//! - `{"type":"key","key":"ArrowUp","ctrl":false,"alt":false,"shift":false}`: a key
//!   with no text of its own (see `keys.rs`);
//! - `{"type":"paste","data":"..."}`: pasted text (bracketed if the program asked);
//! - `{"type":"resize","cols":100,"rows":30}`: the element's size in cells;
//! - `{"type":"scroll","rows":-3}`: the view back (positive) or forward into history.
//!
//! Binary frames are raw bytes, as in the raw mode. A read-only viewer's input is
//! dropped but for scrolling; the terminal has the size of whoever may type. Server to client: `{"type":"read-only"}` first on a
//! console that may not type, then `{"type":"screen",...}` frames (`frame.rs`), and
//! `{"type":"exit"}` when the terminal ends.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::time::Instant;

use super::keys::{self, KeyPress};
use super::screen::View;
use super::shared::SharedConsole;
use crate::service::routes::consoles::Activity;

/// How long output is gathered after it starts before a frame goes: a program writes
/// a screen in a few chunks, and one frame of it is cheaper than three.
pub const GATHER: Duration = Duration::from_millis(3);

/// The least time between two frames (about 60 a second).
pub const FRAME_GAP: Duration = Duration::from_millis(16);

/// Output this soon after a key is most likely its echo: it goes out without
/// gathering, since a typist waits for it.
pub const ECHO_WINDOW: Duration = Duration::from_millis(100);

/// Input from the browser.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
enum Input {
    Text { data: String },
    Key(KeyPress),
    Paste { data: String },
    Resize { cols: u16, rows: u16 },
    Scroll { rows: i32 },
}

/// Runs one viewer of a shared console until the terminal ends or the viewer leaves.
pub async fn pump(
    socket: WebSocket,
    console: Arc<SharedConsole>,
    writable: bool,
    mut activity: Option<Activity>,
) {
    let (mut to_client, mut from_client) = socket.split();
    let mut view = View::default();
    let mut changes = console.subscribe();
    if !writable && to_client.send(Message::Text(r#"{"type":"read-only"}"#.into())).await.is_err() {
        return;
    }
    let mut due: Option<Instant> = None;
    let mut last_frame = Instant::now() - FRAME_GAP;
    let mut last_key: Option<Instant> = None;
    loop {
        let frame_timer = async move {
            match due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = changes.changed() => {
                // The terminal ended: what it printed last goes out below.
                if changed.is_err() { break }
                let echo = last_key.is_some_and(|at| at.elapsed() < ECHO_WINDOW);
                let gather = if echo { Duration::ZERO } else { GATHER };
                due = due.or(Some((Instant::now() + gather).max(last_frame + FRAME_GAP)));
            }
            message = from_client.next() => {
                let Some(Ok(message)) = message else { return };
                let bytes = match message {
                    Message::Text(text) => match serde_json::from_str::<Input>(&text) {
                        Ok(Input::Text { data }) => Some(data.into_bytes()),
                        Ok(Input::Key(press)) => keys::bytes(&press, console.application_cursor()),
                        Ok(Input::Paste { data }) => Some(keys::paste(&data, console.bracketed_paste())),
                        // The terminal has one size: that of whoever types. Watchers
                        // get it as it is.
                        Ok(Input::Resize { cols, rows }) => {
                            if writable {
                                console.resize(rows, cols).await;
                            }
                            None
                        }
                        Ok(Input::Scroll { rows }) => {
                            view.scroll(rows);
                            due = due.or(Some(Instant::now()));
                            None
                        }
                        Err(error) => {
                            tracing::debug!(%error, "console: unknown input");
                            None
                        }
                    },
                    Message::Binary(bytes) => Some(bytes.to_vec()),
                    Message::Close(_) => return,
                    _ => None,
                };
                if let Some(bytes) = bytes.filter(|b| writable && !b.is_empty()) {
                    if view.scrolled_back() > 0 {
                        view.to_live();
                        due = due.or(Some(Instant::now()));
                    }
                    // The node's shell is gone when its input cannot be written.
                    if console.write(&bytes).await.is_err() {
                        break;
                    }
                    last_key = Some(Instant::now());
                    if let Some(activity) = activity.as_mut() {
                        activity.typed().await;
                    }
                }
            }
            _ = frame_timer => {
                due = None;
                if let Some(frame) = console.frame(&mut view) {
                    // Only a frame sent holds the next one back.
                    last_frame = Instant::now();
                    let json = serde_json::to_string(&frame).expect("a frame is JSON");
                    if to_client.send(Message::Text(json.into())).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
    if let Some(frame) = console.frame(&mut view) {
        let json = serde_json::to_string(&frame).expect("a frame is JSON");
        let _ = to_client.send(Message::Text(json.into())).await;
    }
    let _ = to_client.send(Message::Text(r#"{"type":"exit"}"#.into())).await;
    let _ = to_client.close().await;
}
