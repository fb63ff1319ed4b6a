//! Screen-mode consoles are shared: everyone who opens the same node of the same lab
//! (the student, a teacher or grader who watches, a teacher who takes over) is on one
//! terminal on the node, with one parser. So a watcher sees what the student sees,
//! and someone who joins later gets the whole screen at once. Each viewer's WebSocket
//! still gets frames of its own (`screen::View`).
//!
//! A console lives while someone has it open: the registry keeps only weak
//! references, and the last viewer to leave ends the terminal and its process.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};

use futures::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use super::frame::Frame;
use super::screen::{ScreenModel, View};
use crate::engine::{EngineError, Resize, Terminal};

/// The size of a new console's PTY until a viewer who may type says theirs.
pub const INITIAL_SIZE: (u16, u16) = (24, 80);

/// The consoles open now, by instance and node.
#[derive(Default)]
pub struct SharedConsoles {
    open: tokio::sync::Mutex<HashMap<(String, String), Weak<SharedConsole>>>,
}

impl SharedConsoles {
    /// The console of `node` in `instance` if one is open and running, else a new one
    /// on the terminal `start` opens. Opening is under the registry's lock, so two
    /// viewers arriving at once share one terminal, not two.
    pub async fn join<F>(
        &self,
        instance: &str,
        node: &str,
        start: F,
    ) -> Result<Arc<SharedConsole>, EngineError>
    where
        F: AsyncFnOnce((u16, u16)) -> Result<Terminal, EngineError>,
    {
        let mut open = self.open.lock().await;
        open.retain(|_, console| console.strong_count() > 0);
        let key = (instance.to_string(), node.to_string());
        if let Some(console) = open.get(&key).and_then(Weak::upgrade).filter(|c| !c.ended()) {
            return Ok(console);
        }
        let terminal = start((INITIAL_SIZE.1, INITIAL_SIZE.0)).await?;
        let console = Arc::new(SharedConsole::start(terminal));
        open.insert(key, Arc::downgrade(&console));
        Ok(console)
    }
}

/// One terminal on a node and its screen.
pub struct SharedConsole {
    screen: Arc<Mutex<ScreenModel>>,
    input: tokio::sync::Mutex<Pin<Box<dyn AsyncWrite + Send>>>,
    resize: Resize,
    /// Changes with every chunk of output; closed when the terminal ends.
    changes: watch::Receiver<()>,
    reader: tokio::task::AbortHandle,
}

impl SharedConsole {
    fn start(terminal: Terminal) -> SharedConsole {
        let Terminal { mut output, input, resize } = terminal;
        let screen = Arc::new(Mutex::new(ScreenModel::new(INITIAL_SIZE.0, INITIAL_SIZE.1)));
        let (changed, changes) = watch::channel(());
        let feeding = screen.clone();
        // Reads the node's output into the screen. It holds no reference to the
        // console, so the console can end (and abort it) when its last viewer leaves;
        // when the output ends, dropping `changed` tells every viewer.
        let reader = tokio::spawn(async move {
            while let Some(Ok(bytes)) = output.next().await {
                feeding.lock().expect("the screen lock").feed(&bytes);
                changed.send_replace(());
            }
        })
        .abort_handle();
        SharedConsole { screen, input: tokio::sync::Mutex::new(input), resize, changes, reader }
    }

    /// Tells of every change from now on (and of the screen as it is, at once).
    pub fn subscribe(&self) -> watch::Receiver<()> {
        let mut changes = self.changes.clone();
        changes.mark_changed();
        changes
    }

    /// Whether the terminal's process has ended.
    pub fn ended(&self) -> bool {
        self.changes.has_changed().is_err()
    }

    /// Writes keys to the terminal.
    pub async fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut input = self.input.lock().await;
        input.write_all(bytes).await?;
        input.flush().await
    }

    /// Resizes the screen and the node's PTY alike.
    pub async fn resize(&self, rows: u16, cols: u16) {
        let (rows, cols) = self.screen.lock().expect("the screen lock").resize(rows, cols);
        if let Err(error) = (self.resize)(cols, rows).await {
            tracing::debug!(%error, "console: the PTY was not resized");
        }
    }

    /// What changed for `view` since its last frame.
    pub fn frame(&self, view: &mut View) -> Option<Frame> {
        view.frame(&mut self.screen.lock().expect("the screen lock"))
    }

    pub fn application_cursor(&self) -> bool {
        self.screen.lock().expect("the screen lock").application_cursor()
    }

    pub fn bracketed_paste(&self) -> bool {
        self.screen.lock().expect("the screen lock").bracketed_paste()
    }
}

impl Drop for SharedConsole {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A terminal whose output is fed from the test and whose input the test reads.
    pub(crate) fn fake()
    -> (Terminal, tokio::sync::mpsc::UnboundedSender<bytes::Bytes>, tokio::io::DuplexStream) {
        let (to_screen, from_test) = tokio::sync::mpsc::unbounded_channel::<bytes::Bytes>();
        let output = futures::stream::unfold(from_test, |mut rx| async move {
            rx.recv().await.map(|b| (Ok::<_, EngineError>(b), rx))
        });
        let (keys, typed) = tokio::io::duplex(1024);
        let resize: Resize = Box::new(|_, _| Box::pin(async { Ok(()) }));
        (Terminal { output: Box::pin(output), input: Box::pin(keys), resize }, to_screen, typed)
    }

    #[tokio::test]
    async fn viewers_of_one_node_share_a_terminal_until_the_last_leaves_or_it_ends() {
        use tokio::io::AsyncReadExt;
        let consoles = SharedConsoles::default();
        let (terminal, print, mut typed) = fake();
        let mut spare = Some(terminal);
        let first =
            consoles.join("lab-1", "r1", async |_| Ok(spare.take().expect("opened once"))).await.unwrap();
        let second = consoles.join("lab-1", "r1", async |_| panic!("a second terminal")).await.unwrap();
        assert!(Arc::ptr_eq(&first, &second));

        let mut changes = second.subscribe();
        changes.changed().await.unwrap();
        print.send(bytes::Bytes::from_static(b"r1# ")).unwrap();
        changes.changed().await.unwrap();
        let mut view = View::default();
        let frame = second.frame(&mut view).unwrap();
        assert_eq!(frame.lines[0].runs[0].text, "r1#");
        first.write(b"show ip route\r").await.unwrap();
        let mut buffer = [0u8; 14];
        typed.read_exact(&mut buffer).await.unwrap();
        assert_eq!(&buffer, b"show ip route\r");

        // The terminal ends: viewers are told, and the next viewer gets a new one.
        drop(print);
        assert!(changes.changed().await.is_err());
        assert!(first.ended());
        let (terminal, _print, _typed) = fake();
        let mut spare = Some(terminal);
        let third = consoles.join("lab-1", "r1", async |_| Ok(spare.take().unwrap())).await.unwrap();
        assert!(!Arc::ptr_eq(&first, &third));
        // Another node is another terminal; nobody left, nothing kept.
        let (terminal, _p, _t) = fake();
        let mut spare = Some(terminal);
        let other = consoles.join("lab-1", "pc1", async |_| Ok(spare.take().unwrap())).await.unwrap();
        assert!(!Arc::ptr_eq(&third, &other));
        drop((first, second, third, other));
        let (terminal, _p, _t) = fake();
        let mut spare = Some(terminal);
        consoles.join("lab-1", "pc1", async |_| Ok(spare.take().unwrap())).await.unwrap();
        assert_eq!(consoles.open.lock().await.len(), 1, "gone consoles are forgotten");
    }
}
