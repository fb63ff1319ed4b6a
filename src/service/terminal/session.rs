//! A console's WebSocket in screen mode. One task owns the screen: it feeds the
//! node's output to the parser, turns the browser's input into bytes with the modes the
//! parser knows, and sends a frame of what changed a few milliseconds after output
//! arrives, at most every [`FRAME_GAP`]: `top` or `cat` of a big file then costs the
//! browser a frame now and then, not one per chunk.
//!
//! Client to server, text frames (JSON):
//! - `{"type":"text","data":"ls"}`: typed text, as it is;
//! - `{"type":"key","key":"ArrowUp","ctrl":false,"alt":false,"shift":false}`: a key
//!   with no text of its own (see `keys.rs`);
//! - `{"type":"paste","data":"..."}`: pasted text (bracketed if the program asked);
//! - `{"type":"resize","cols":100,"rows":30}`: the element's size in cells;
//! - `{"type":"scroll","rows":-3}`: the view back (positive) or forward into history.
//!
//! Binary frames are raw bytes, as in the raw mode. A read-only console drops all
//! input but resize and scroll. Server to client: `{"type":"read-only"}` first on a
//! console that may not type, then `{"type":"screen",...}` frames (`frame.rs`), and
//! `{"type":"exit"}` when the terminal ends.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use super::keys::{self, KeyPress};
use super::screen::ScreenModel;
use crate::engine::Terminal;
use crate::service::routes::consoles::Activity;

/// How long output is gathered after it starts before a frame goes: a program writes
/// a screen in a few chunks, and one frame of it is cheaper than three.
pub const GATHER: Duration = Duration::from_millis(3);

/// The least time between two frames (about 60 a second).
pub const FRAME_GAP: Duration = Duration::from_millis(16);

/// The size of the PTY until the browser says its own.
pub const INITIAL_SIZE: (u16, u16) = (24, 80);

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

/// Runs the console until the node's terminal or the browser ends.
pub async fn pump(socket: WebSocket, terminal: Terminal, writable: bool, mut activity: Option<Activity>) {
    let (mut to_client, mut from_client) = socket.split();
    let Terminal { mut output, mut input, resize } = terminal;
    let mut model = ScreenModel::new(INITIAL_SIZE.0, INITIAL_SIZE.1);
    if !writable && to_client.send(Message::Text(r#"{"type":"read-only"}"#.into())).await.is_err() {
        return;
    }
    // The browser draws the (empty) screen at once, so it knows it is connected.
    let mut due = Some(Instant::now());
    let mut last_frame = Instant::now() - FRAME_GAP;
    loop {
        let frame_timer = async move {
            match due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            chunk = output.next() => {
                let Some(Ok(bytes)) = chunk else { break };
                model.feed(&bytes);
                due = due.or(Some((Instant::now() + GATHER).max(last_frame + FRAME_GAP)));
            }
            message = from_client.next() => {
                let Some(Ok(message)) = message else { return };
                let bytes = match message {
                    Message::Text(text) => match serde_json::from_str::<Input>(&text) {
                        Ok(Input::Text { data }) => Some(data.into_bytes()),
                        Ok(Input::Key(press)) => keys::bytes(&press, model.application_cursor()),
                        Ok(Input::Paste { data }) => Some(keys::paste(&data, model.bracketed_paste())),
                        Ok(Input::Resize { cols, rows }) => {
                            let (rows, cols) = model.resize(rows, cols);
                            let _ = resize(cols, rows).await;
                            None
                        }
                        Ok(Input::Scroll { rows }) => {
                            model.scroll(rows);
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
                    model.to_live();
                    // The node's shell is gone when its input cannot be written.
                    if input.write_all(&bytes).await.is_err() || input.flush().await.is_err() {
                        break;
                    }
                    if let Some(activity) = activity.as_mut() {
                        activity.typed().await;
                    }
                }
                // A resize or a scroll shows at once; typing shows with its echo, as
                // output. (A frame that finds nothing changed costs nothing either.)
                due = due.or(Some(Instant::now()));
            }
            _ = frame_timer => {
                due = None;
                if let Some(frame) = model.frame() {
                    // Only a frame sent holds the next one back: an empty tick before
                    // a key's echo must not delay the echo by a whole gap.
                    last_frame = Instant::now();
                    let json = serde_json::to_string(&frame).expect("a frame is JSON");
                    if to_client.send(Message::Text(json.into())).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
    // The terminal ended: what it printed last, then the notice.
    if let Some(frame) = model.frame() {
        let json = serde_json::to_string(&frame).expect("a frame is JSON");
        let _ = to_client.send(Message::Text(json.into())).await;
    }
    let _ = to_client.send(Message::Text(r#"{"type":"exit"}"#.into())).await;
    let _ = to_client.close().await;
}
