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

use axum::extract::ws::Message;
use futures::{Sink, SinkExt, Stream, StreamExt};
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
/// `socket` is the viewer's WebSocket (any stream and sink of its messages, so tests
/// can stand in for a browser).
pub async fn pump<S>(socket: S, console: Arc<SharedConsole>, writable: bool, mut activity: Option<Activity>)
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message>,
{
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

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures::channel::mpsc;
    use tokio::io::AsyncReadExt;

    use super::*;
    use crate::service::terminal::shared::SharedConsoles;
    use crate::service::terminal::shared::tests::fake;

    /// The browser's end of a viewer's socket: what it sends in, what it gets out.
    struct Browser {
        incoming: mpsc::UnboundedReceiver<Result<Message, axum::Error>>,
        outgoing: mpsc::UnboundedSender<Message>,
    }

    impl Stream for Browser {
        type Item = Result<Message, axum::Error>;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Pin::new(&mut self.incoming).poll_next(cx)
        }
    }

    impl Sink<Message> for Browser {
        type Error = mpsc::SendError;
        fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Pin::new(&mut self.outgoing).poll_ready(cx)
        }
        fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
            Pin::new(&mut self.outgoing).start_send(item)
        }
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Pin::new(&mut self.outgoing).poll_flush(cx)
        }
        fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Pin::new(&mut self.outgoing).poll_close(cx)
        }
    }

    /// A viewer pumping on a fake terminal: (keys in, messages out).
    fn viewer(
        console: Arc<SharedConsole>,
        writable: bool,
    ) -> (mpsc::UnboundedSender<Result<Message, axum::Error>>, mpsc::UnboundedReceiver<Message>) {
        let (keys, incoming) = mpsc::unbounded();
        let (outgoing, messages) = mpsc::unbounded();
        tokio::spawn(pump(Browser { incoming, outgoing }, console, writable, None));
        (keys, messages)
    }

    fn text(message: &str) -> Result<Message, axum::Error> {
        Ok(Message::Text(message.to_string().into()))
    }

    /// Messages that came out by now, as JSON.
    fn received(messages: &mut mpsc::UnboundedReceiver<Message>) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        while let Ok(Message::Text(t)) = messages.try_recv() {
            out.push(serde_json::from_str(&t).unwrap());
        }
        out
    }

    /// Waits (a while at most) until messages come, and takes them.
    async fn next_messages(messages: &mut mpsc::UnboundedReceiver<Message>) -> Vec<serde_json::Value> {
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let got = received(messages);
            if !got.is_empty() {
                return got;
            }
        }
        panic!("nothing came");
    }

    #[tokio::test]
    async fn a_flood_of_output_is_a_few_frames_and_the_screen_ends_as_the_program_left_it() {
        let consoles = SharedConsoles::default();
        let (terminal, print, mut typed) = fake();
        let mut spare = Some(terminal);
        let console = consoles.join("lab", "pc1", async |_| Ok(spare.take().unwrap())).await.unwrap();
        let (keys, mut messages) = viewer(console, true);
        let first = next_messages(&mut messages).await;
        assert_eq!((first.len(), &first[0]["full"]), (1, &serde_json::json!(true)), "the screen at once");

        // 2000 chunks as fast as they come (what `cat` of a big file does): a frame
        // at most every gap, and the last one has the final screen.
        let started = std::time::Instant::now();
        for i in 0..2000 {
            print.send(bytes::Bytes::from(format!("line {i}\r\n"))).unwrap();
            if i % 50 == 0 {
                tokio::task::yield_now().await;
            }
        }
        let mut frames = Vec::new();
        while !frames.last().is_some_and(|f: &serde_json::Value| f.to_string().contains("line 1999")) {
            frames.extend(next_messages(&mut messages).await);
        }
        let most = 2 + (started.elapsed().as_millis() / FRAME_GAP.as_millis()) as usize;
        assert!(frames.len() <= most, "{} frames in {:?}", frames.len(), started.elapsed());

        // A key reaches the terminal, and its echo the screen.
        keys.unbounded_send(text(r#"{"type":"text","data":"x"}"#)).unwrap();
        let mut key = [0u8; 1];
        typed.read_exact(&mut key).await.unwrap();
        assert_eq!(&key, b"x");
        print.send(bytes::Bytes::from_static(b"$ x")).unwrap();
        let echo = next_messages(&mut messages).await;
        assert!(echo.last().unwrap().to_string().contains("$ x"), "{echo:?}");

        // The program ends: the viewer is told.
        drop(print);
        let last = next_messages(&mut messages).await;
        assert_eq!(last.last().map(|m| m["type"].clone()), Some(serde_json::json!("exit")), "{last:?}");
    }

    #[tokio::test]
    async fn a_watcher_is_told_it_is_read_only_and_its_keys_and_size_go_nowhere() {
        let consoles = SharedConsoles::default();
        let (terminal, print, mut typed) = fake();
        let mut spare = Some(terminal);
        let console = consoles.join("lab", "r1", async |_| Ok(spare.take().unwrap())).await.unwrap();
        let (owner_keys, mut owner) = viewer(console.clone(), true);
        let (watcher_keys, mut watcher) = viewer(console, false);
        assert_eq!(next_messages(&mut watcher).await[0]["type"], "read-only");
        next_messages(&mut owner).await;

        watcher_keys.unbounded_send(text(r#"{"type":"text","data":"reload\r"}"#)).unwrap();
        watcher_keys.unbounded_send(text(r#"{"type":"resize","cols":40,"rows":10}"#)).unwrap();
        owner_keys.unbounded_send(text(r#"{"type":"key","key":"ArrowUp"}"#)).unwrap();
        let mut key = [0u8; 3];
        typed.read_exact(&mut key).await.unwrap();
        assert_eq!(&key, b"\x1b[A", "only the owner's key reached the terminal");

        owner_keys.unbounded_send(text(r#"{"type":"resize","cols":100,"rows":30}"#)).unwrap();
        print.send(bytes::Bytes::from_static(b"r1# ")).unwrap();
        let mut seen = Vec::new();
        while !seen.last().is_some_and(|f: &serde_json::Value| f.to_string().contains("r1#")) {
            seen.extend(next_messages(&mut watcher).await);
        }
        let last = seen.last().expect("the watcher sees the output");
        assert_eq!(
            (last["rows"].as_u64(), last["cols"].as_u64()),
            (Some(30), Some(100)),
            "the typist's size"
        );
        assert!(last.to_string().contains("r1#"), "{last}");
    }
}
