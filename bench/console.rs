//! Keystroke to echo through a console's WebSocket on loopback: the screen mode the
//! web console uses (the server parses the output and sends frames, coalesced) against
//! the raw mode (bytes as the node prints them) as the baseline. Same lab, same node
//! (a host's bash), same keystrokes; one at a time, as a fast typist types them.
//!
//!     cargo bench --bench console
//!     ASBUILT_BENCH_KEYS=1000 cargo bench --bench console
//!
//! For each keystroke: the time from sending the character until its echo is seen:
//! in raw mode the byte in the output, in screen mode a frame whose cursor row ends
//! with everything typed on the line so far. It prints p50, p95 and max of each
//! (docs/benchmarks.md, "Console latency"; the goal is a p95 of at most 50 ms).
//! Under `cargo test --bench console` it types a few keys in each mode, as a smoke
//! test of the harness.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/console_support/mod.rs"]
mod console_support;
#[path = "../tests/service_support/mod.rs"]
mod service_support;

use std::time::{Duration, Instant};

use console_support::{ConsoleLab, Mirror, Socket, open_socket, token};
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

/// Characters on one line before it is erased (Ctrl+U), so the line never wraps.
const LINE: usize = 40;
/// The pause between keystrokes: a fast typist's 30 keys a second.
const PACE: Duration = Duration::from_millis(33);
/// Longer than this without the echo is a failure, not a slow measurement.
const LIMIT: Duration = Duration::from_secs(10);

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(run());
}

async fn run() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let keys: usize = if measuring {
        std::env::var("ASBUILT_BENCH_KEYS").ok().and_then(|v| v.parse().ok()).unwrap_or(400)
    } else {
        10
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = ConsoleLab::start(dir.path(), "benchconsole").await;
    let token = token(&lab.s1).await;

    // The two modes take turns, a line each, so that neither gets the quieter minute.
    let mut raw = Raw::open(&lab, &token).await;
    let mut screen = Screen::open(&lab, &token).await;
    let (mut raw_times, mut screen_times) = (Vec::new(), Vec::new());
    while raw_times.len() < keys {
        let n = LINE.min(keys - raw_times.len());
        raw_times.extend(raw.line(n).await);
        screen_times.extend(screen.line(n).await);
    }
    println!("console keystroke to echo, {keys} keys each, on loopback (ms):");
    println!("{:<8} {:>8} {:>8} {:>8}", "mode", "p50", "p95", "max");
    for (name, times) in [("raw", &mut raw_times), ("screen", &mut screen_times)] {
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p95 = times[(times.len() * 95).div_ceil(100).saturating_sub(1)];
        println!(
            "{name:<8} {:>8.1} {:>8.1} {:>8.1}",
            ms(times[times.len() / 2]),
            ms(p95),
            ms(times[times.len() - 1])
        );
    }
    drop(lab.deployed);
    lab.server.stop().await;
}

/// `a`..`z` over and over.
fn letter(i: usize) -> char {
    (b'a' + (i % 26) as u8) as char
}

/// The raw console: bytes each way.
struct Raw {
    socket: Socket,
}

impl Raw {
    async fn open(lab: &ConsoleLab, token: &str) -> Raw {
        let mut socket = open_socket(&lab.server, token, &lab.raw_socket("pc1")).await.expect("raw console");
        // The shell's prompt, then quiet.
        drain(&mut socket, Duration::from_millis(1500)).await;
        Raw { socket }
    }

    async fn line(&mut self, keys: usize) -> Vec<Duration> {
        let mut times = Vec::with_capacity(keys);
        for i in 0..keys {
            tokio::time::sleep(PACE).await;
            let c = letter(i);
            let sent = Instant::now();
            self.socket.send(Message::Binary(vec![c as u8].into())).await.expect("send");
            let deadline = sent + LIMIT;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match tokio::time::timeout(left, self.socket.next()).await {
                    Ok(Some(Ok(Message::Binary(bytes)))) if bytes.contains(&(c as u8)) => break,
                    Ok(Some(Ok(_))) => {}
                    other => panic!("no echo of {c:?} in raw mode: {other:?}"),
                }
            }
            times.push(sent.elapsed());
        }
        self.socket.send(Message::Binary(vec![0x15].into())).await.expect("Ctrl+U");
        drain(&mut self.socket, Duration::from_millis(200)).await;
        times
    }
}

/// The screen mode: JSON input, frames out.
struct Screen {
    socket: Socket,
    mirror: Mirror,
}

impl Screen {
    async fn open(lab: &ConsoleLab, token: &str) -> Screen {
        let mut socket = open_socket(&lab.server, token, &lab.socket("pc1")).await.expect("screen console");
        let resize = json!({ "type": "resize", "cols": 100, "rows": 30 }).to_string();
        socket.send(Message::Text(resize.into())).await.expect("resize");
        let mut screen = Screen { socket, mirror: Mirror::default() };
        let quiet = Instant::now() + Duration::from_millis(1500);
        while let Ok(Some(Ok(message))) =
            tokio::time::timeout(quiet.saturating_duration_since(Instant::now()), screen.socket.next()).await
        {
            if let Message::Text(text) = message {
                screen.mirror.apply(&text);
            }
        }
        screen
    }

    async fn line(&mut self, keys: usize) -> Vec<Duration> {
        let mut times = Vec::with_capacity(keys);
        let mut typed = String::new();
        for i in 0..keys {
            tokio::time::sleep(PACE).await;
            let c = letter(i);
            typed.push(c);
            let sent = Instant::now();
            self.send(json!({ "type": "text", "data": c.to_string() })).await;
            self.until(|m| m.cursor_row().ends_with(&typed)).await;
            times.push(sent.elapsed());
        }
        self.send(json!({ "type": "key", "key": "u", "ctrl": true })).await;
        self.until(|m| !m.cursor_row().ends_with(&typed)).await;
        times
    }

    async fn send(&mut self, message: serde_json::Value) {
        self.socket.send(Message::Text(message.to_string().into())).await.expect("send");
    }

    async fn until(&mut self, done: impl Fn(&Mirror) -> bool) {
        let deadline = Instant::now() + LIMIT;
        while !done(&self.mirror) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => self.mirror.apply(&text),
                Ok(Some(Ok(_))) => {}
                other => panic!("no echo in screen mode: {other:?}; row: {:?}", self.mirror.cursor_row()),
            }
        }
    }
}

/// Reads and drops whatever comes within `quiet`.
async fn drain(socket: &mut Socket, quiet: Duration) {
    while let Ok(Some(Ok(_))) = tokio::time::timeout(quiet, socket.next()).await {}
}
