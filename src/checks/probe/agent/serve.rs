//! The agent's side: requests in, each done by the same code asbuilt runs on the host,
//! in the namespace the agent runs in.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use super::session::read_line;
use super::{Op, Request, Response};
use crate::checks::probe::net::{Bound, Listener, Net, Watch};
use crate::checks::probe::netns::Namespace;

/// What the agent holds for the probes between requests.
enum Held {
    Bound(Bound),
    Watch(Arc<Watch>),
    Listener(Arc<Listener>),
}

#[derive(Default)]
struct Handles {
    next: AtomicU64,
    held: Mutex<HashMap<u64, Held>>,
}

impl Handles {
    fn keep(&self, held: Held) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.held.lock().expect("not poisoned").insert(id, held);
        id
    }

    fn take(&self, id: u64) -> Option<Held> {
        self.held.lock().expect("not poisoned").remove(&id)
    }

    fn watch(&self, id: u64) -> Option<Arc<Watch>> {
        match self.held.lock().expect("not poisoned").get(&id) {
            Some(Held::Watch(w)) => Some(w.clone()),
            _ => None,
        }
    }

    fn listener(&self, id: u64) -> Option<Arc<Listener>> {
        match self.held.lock().expect("not poisoned").get(&id) {
            Some(Held::Listener(l)) => Some(l.clone()),
            _ => None,
        }
    }
}

/// Serves requests from `input` until it closes, answering on `output`. Each request
/// runs as a task of its own, so a slow one (a ping that waits) holds up no other.
pub async fn serve<R, W>(input: R, mut output: W) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let handles = Arc::new(Handles::default());
    let (answers, mut queue) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        while let Some(line) = queue.recv().await {
            output.write_all(line.as_bytes()).await?;
            output.flush().await?;
        }
        Ok::<_, std::io::Error>(())
    });
    let mut input = BufReader::new(input);
    while let Some(line) = read_line(&mut input).await? {
        let request: Request = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("not a request: {e}"),
                ));
            }
        };
        let (handles, answers) = (handles.clone(), answers.clone());
        tokio::spawn(async move {
            let result = perform(&handles, request.op).await;
            let line = serde_json::to_string(&Response { id: request.id, result }).unwrap_or_else(|e| {
                let failed =
                    Response { id: request.id, result: Err(format!("an answer that is no JSON: {e}")) };
                serde_json::to_string(&failed).expect("a string answer serializes")
            });
            let _ = answers.send(line + "\n");
        });
    }
    // Input closed: asbuilt is done with this node. Everything held is dropped.
    drop(answers);
    let _ = writer.await;
    Ok(())
}

async fn perform(handles: &Handles, op: Op) -> Result<serde_json::Value, String> {
    let net = Net::Local(Namespace::Current);
    let gone = |what: &str, id: u64| format!("no {what} {id} is held");
    match op {
        Op::Interface { name } => json(net.interface(&name).await),
        Op::Routes => json(net.routes().await),
        Op::BridgeVlans { port } => json(net.bridge_vlans(&port).await),
        Op::LinkAddress { name } => json(net.link_address(&name).await),
        Op::Ping { dst, id, burst } => json(net.ping(dst, id, burst).await),
        Op::Traceroute { dst, max_hops, per_hop, budget } => {
            json(net.traceroute(dst, max_hops, per_hop, budget).await)
        }
        Op::Listening { protocol, port } => json(net.listening(protocol, port).await),
        Op::BindFresh { protocol, to } => {
            let bound = net.bind_fresh(protocol, to).await.map_err(|e| e.to_string())?;
            let port = bound.port();
            json(Ok::<_, String>((handles.keep(Held::Bound(bound)), port)))
        }
        Op::Connect { socket, to, timeout } => match handles.take(socket) {
            Some(Held::Bound(bound)) => json(net.connect(bound, to, timeout).await),
            _ => Err(gone("socket", socket)),
        },
        Op::Exchange { socket, to, payload, timeout } => match handles.take(socket) {
            Some(Held::Bound(bound)) => json(net.exchange(bound, to, payload, timeout).await),
            _ => Err(gone("socket", socket)),
        },
        Op::Http { to, method, host, path, timeout } => {
            json(net.http(to, &method, &host, &path, timeout).await)
        }
        Op::Https { to, name, path, timeout } => json(net.https(to, &name, &path, timeout).await),
        Op::Greeting { to, timeout } => json(net.greeting(to, timeout).await),
        Op::DhcpDiscover { interface, timeout } => json(net.dhcp_discover(&interface, timeout).await),
        Op::Watch { sought } => {
            let watch = net.watch(sought).await.map_err(|e| e.to_string())?;
            json(Ok::<_, String>(handles.keep(Held::Watch(Arc::new(watch)))))
        }
        Op::Seen { watch, grace } => match handles.watch(watch) {
            Some(w) => json(Ok::<_, String>(w.seen(grace).await)),
            None => Err(gone("watch", watch)),
        },
        Op::Listen { protocol, port } => {
            let listener = net.listen(protocol, port).await.map_err(|e| e.to_string())?;
            let id = listener.map(|l| handles.keep(Held::Listener(Arc::new(l))));
            json(Ok::<_, String>(id))
        }
        Op::FirstPeer { listener, timeout } => match handles.listener(listener) {
            Some(l) => json(Ok::<_, String>(l.first_peer(timeout).await)),
            None => Err(gone("listener", listener)),
        },
        Op::SendFrame { ifindex, mac, packet } => json(net.send_frame(ifindex, mac, packet).await),
        Op::Release { handle } => {
            handles.take(handle);
            Ok(serde_json::Value::Null)
        }
    }
}

fn json<T: Serialize, E: std::fmt::Display>(result: Result<T, E>) -> Result<serde_json::Value, String> {
    let value = result.map_err(|e| e.to_string())?;
    serde_json::to_value(value).map_err(|e| e.to_string())
}
