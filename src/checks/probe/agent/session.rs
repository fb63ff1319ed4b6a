//! asbuilt's side of a probe agent: requests out, answers matched back by id.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{AgentChannel, MAX_LINE, Op, Request, Response};
use crate::checks::probe::ProbeError;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<serde_json::Value, String>>>>>;

/// One running agent in one node, shared by every probe of a run in that node.
pub struct Session {
    node: String,
    outgoing: mpsc::UnboundedSender<String>,
    pending: Pending,
    /// Set when the agent's output ended: no answer can come any more.
    ended: Arc<AtomicBool>,
    next_id: AtomicU64,
    tasks: [JoinHandle<()>; 2],
    _keep: Mutex<Box<dyn Send>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        // Closing the agent's input ends it; the child or exec goes with `_keep`.
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// How much longer than its own time an answer may take: the engine's exec stream and
/// the agent's start.
const SLACK: Duration = Duration::from_secs(5);

impl Session {
    /// Starts talking to the agent at the other end of `channel`.
    pub fn start(node: &str, channel: AgentChannel) -> Arc<Session> {
        let AgentChannel { mut requests, answers, keep } = channel;
        let pending: Pending = Arc::default();
        let (outgoing, mut queue) = mpsc::unbounded_channel::<String>();
        let writer = tokio::spawn(async move {
            while let Some(line) = queue.recv().await {
                if requests.write_all(line.as_bytes()).await.is_err() || requests.flush().await.is_err() {
                    return;
                }
            }
        });
        let waiting = pending.clone();
        let ended = Arc::new(AtomicBool::new(false));
        let ending = ended.clone();
        let reader = tokio::spawn(async move {
            let mut answers = BufReader::new(answers);
            loop {
                let line = match read_line(&mut answers).await {
                    Ok(Some(line)) => line,
                    Ok(None) | Err(_) => break,
                };
                let Ok(response) = serde_json::from_str::<Response>(&line) else { break };
                if let Some(tx) = waiting.lock().expect("not poisoned").remove(&response.id) {
                    let _ = tx.send(response.result);
                }
            }
            // The agent is gone: whoever still waits hears so at once.
            let mut waiting = waiting.lock().expect("not poisoned");
            ending.store(true, Ordering::SeqCst);
            waiting.clear();
        });
        Arc::new(Session {
            node: node.to_string(),
            outgoing,
            pending,
            ended,
            next_id: AtomicU64::new(1),
            tasks: [writer, reader],
            _keep: Mutex::new(keep),
        })
    }

    /// Asks the agent to do `op`, which takes up to `takes` itself.
    pub async fn call<T: DeserializeOwned>(&self, op: Op, takes: Duration) -> Result<T, ProbeError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut pending = self.pending.lock().expect("not poisoned");
            // Checked under the lock the reader clears at its end, so no call waits
            // for an agent that has already gone.
            if self.ended.load(Ordering::SeqCst) {
                return Err(self.failed("the agent is no longer running".into()));
            }
            pending.insert(id, tx);
        }
        let line = serde_json::to_string(&Request { id, op }).map_err(|e| self.failed(e.to_string()))? + "\n";
        if self.outgoing.send(line).is_err() {
            self.pending.lock().expect("not poisoned").remove(&id);
            return Err(self.failed("the agent is no longer running".into()));
        }
        let answer = match tokio::time::timeout(takes + SLACK, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => return Err(self.failed("the agent ended before it answered".into())),
            Err(_) => {
                self.pending.lock().expect("not poisoned").remove(&id);
                return Err(self.failed(format!("no answer within {} s", (takes + SLACK).as_secs())));
            }
        };
        let value = answer.map_err(|reason| self.failed(reason))?;
        serde_json::from_value(value).map_err(|e| self.failed(format!("an answer asbuilt cannot read: {e}")))
    }

    /// Lets go of what a handle holds, without waiting (a probe's drop cannot wait).
    pub fn release(&self, handle: u64) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(line) = serde_json::to_string(&Request { id, op: Op::Release { handle } }) {
            let _ = self.outgoing.send(line + "\n");
        }
    }

    fn failed(&self, reason: String) -> ProbeError {
        ProbeError::Agent { node: self.node.clone(), reason }
    }
}

/// One line without its newline, at most [`MAX_LINE`] long; `None` at the end.
pub(super) async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok((!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned()));
        }
        let (taken, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(at) => (at + 1, true),
            None => (buf.len(), false),
        };
        line.extend_from_slice(&buf[..taken]);
        reader.consume(taken);
        if line.len() > MAX_LINE {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "a line longer than allowed"));
        }
        if done {
            line.pop();
            return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
        }
    }
}
