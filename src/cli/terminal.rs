//! An interactive console in the user's own terminal: raw mode, keys to the node,
//! output to the screen, window size kept in step.

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::engine::{Engine, EngineError};
use crate::plan::InstanceId;

/// Puts the terminal back however the console ends.
struct RawMode(bool);

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.0 {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}

/// Runs `command` on `node` interactively until it exits.
pub async fn attach(
    engine: &dyn Engine,
    instance: &InstanceId,
    node: &str,
    command: &[String],
) -> Result<(), EngineError> {
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let mut terminal = engine.terminal(instance, node, command, size).await?;
    let _raw = RawMode(super::engine::interactive() && crossterm::terminal::enable_raw_mode().is_ok());

    let mut input = terminal.input;
    let keys = tokio::spawn(async move {
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 1024];
        loop {
            match stdin.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if input.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    let _ = input.flush().await;
                }
            }
        }
    });

    let resize = terminal.resize;
    let window = tokio::spawn(async move {
        let Ok(mut changes) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())
        else {
            return;
        };
        while changes.recv().await.is_some() {
            if let Ok((cols, rows)) = crossterm::terminal::size() {
                let _ = resize(cols, rows).await;
            }
        }
    });

    let mut stdout = tokio::io::stdout();
    let mut result = Ok(());
    while let Some(chunk) = terminal.output.next().await {
        match chunk {
            Ok(bytes) => {
                if stdout.write_all(&bytes).await.is_err() {
                    break;
                }
                let _ = stdout.flush().await;
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    keys.abort();
    window.abort();
    result
}
