//! What the web console's browser test and its latency benchmark share: a service on
//! loopback with the Docker engine, a class (teacher t1, students s1 and s2), and s1's
//! lab of one FRR router and one host, deployed under the name the service gives it
//! (`instances::instance_for`), with every part built so the router has its
//! connected route. The including crate declares `common` and `service_support`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use asbuilt::design::Lab;
use asbuilt::service::instances::{SERVICE_PREFIX, instance_for};
use asbuilt::service::{Config, Service};
use asbuilt::topology::Source;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common;
use crate::service_support::{Server, Session};

pub const PASSWORD: &str = "a long enough password";

/// `{lab}` is replaced by each user's own lab name, so their instances never meet.
const LAB: &str = "lab: {lab}\ntitle: Console\ntrains: [B1-K2-W1]\nnodes:\n  r1: { kind: router }\n  pc1: { kind: host }\nlinks:\n  - r1:eth1 -- pc1:eth1\ndesign:\n  addresses:\n    r1:eth1: 192.0.2.1/24\n    pc1:eth1: 192.0.2.11/24\n";

pub struct ConsoleLab {
    pub server: Server,
    pub assignment: i64,
    pub s1_id: i64,
    pub s2_id: i64,
    pub s1: Session,
    pub s2: Session,
    pub t1: Session,
    pub deployed: common::Deployed,
}

impl ConsoleLab {
    /// The service, the class, and s1's lab deployed and ready.
    pub async fn start(data_dir: &Path, lab: &str) -> ConsoleLab {
        let config = Config {
            data_dir: data_dir.to_path_buf(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Config::default()
        };
        let (mut service, first_admin) = Service::open(config).await.expect("service opens");
        service.state.engine = Some(Arc::new(common::engine().await));
        let server = Server::serve(service, first_admin).await;
        let admin = server.login("admin", &server.admin_password()).await;
        let mut ids = Vec::new();
        for (name, role, number) in
            [("t1", "teacher", None), ("s1", "student", Some("100001")), ("s2", "student", Some("100002"))]
        {
            let user = json!({ "username": name, "display_name": name, "role": role, "password": PASSWORD,
                               "student_number": number });
            let (status, body) = admin.post("/api/users", user).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            ids.push(body["id"].as_i64().expect("id"));
        }
        let t1 = server.login("t1", PASSWORD).await;
        let (_, class) = t1.post("/api/classes", json!({ "name": "4A" })).await;
        let class = class["id"].as_i64().expect("class");
        let response = t1
            .request(Method::POST, &format!("/api/classes/{class}/students/import"))
            .header("content-type", "text/csv")
            .body("number,name,email\n100001,s1,s1@x.nl\n100002,s2,s2@x.nl\n")
            .send()
            .await
            .expect("import");
        assert_eq!(response.status(), StatusCode::OK);
        let source = LAB.replace("{lab}", lab);
        let (status, uploaded) = t1.post("/api/labs", json!({ "source": source })).await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        let (status, assignment) = t1
            .post(
                "/api/assignments",
                json!({ "class_id": class, "lab_id": uploaded["lab_id"], "opens_at": "2026-01-01T00:00:00Z",
                        "deadline": "2036-01-01T00:00:00Z" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{assignment}");
        let assignment = assignment["id"].as_i64().expect("assignment");
        let design = Lab::load(&Source::new("console.yml", &source)).expect("the lab loads");
        let design = common::all_prebuilt(design.design_for(Some("100001")));
        let instance = instance_for(SERVICE_PREFIX, lab, assignment, "100001");
        let deployed = common::Deployed::new(design, instance.as_str()).await;
        ConsoleLab {
            s1: server.login("s1", PASSWORD).await,
            s2: server.login("s2", PASSWORD).await,
            t1,
            server,
            assignment,
            s1_id: ids[1],
            s2_id: ids[2],
            deployed,
        }
    }

    /// The console page of one of s1's nodes.
    pub fn page(&self, node: &str) -> String {
        format!("/consoles/{}/{}/{node}", self.assignment, self.s1_id)
    }

    /// The WebSocket of one of s1's nodes, in screen mode.
    pub fn socket(&self, node: &str) -> String {
        format!("/api/assignments/{}/students/{}/console/{node}?screen=true", self.assignment, self.s1_id)
    }

    /// The WebSocket of one of s1's nodes, raw bytes.
    pub fn raw_socket(&self, node: &str) -> String {
        format!("/api/assignments/{}/students/{}/console/{node}", self.assignment, self.s1_id)
    }
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A bearer token of the session's account (a WebSocket client has no cookie jar).
pub async fn token(session: &Session) -> String {
    let (status, body) = session.post("/api/tokens", json!({ "name": "console" })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().expect("token").to_string()
}

/// Opens a console's WebSocket; the HTTP status when it is refused.
pub async fn open_socket(server: &Server, token: &str, path: &str) -> Result<Socket, u16> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}{path}", server.address).into_client_request().expect("request");
    request.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("connect {path}: {other}"),
    }
}

/// The screen as the browser would have it, rebuilt from screen frames: each row's
/// text, the cursor, whether the alternate screen is on.
#[derive(Debug, Default)]
pub struct Mirror {
    pub rows: Vec<String>,
    pub cursor: (u64, u64),
    pub alternate: bool,
    pub read_only: bool,
    pub exited: bool,
}

impl Mirror {
    /// Applies one text message of a screen-mode socket.
    pub fn apply(&mut self, message: &str) {
        let value: serde_json::Value = serde_json::from_str(message).expect("a JSON message");
        match value["type"].as_str() {
            Some("screen") => {
                let rows = value["rows"].as_u64().expect("rows") as usize;
                if value["full"] == true || self.rows.len() != rows {
                    self.rows = vec![String::new(); rows];
                }
                for line in value["lines"].as_array().expect("lines") {
                    let y = line["y"].as_u64().expect("y") as usize;
                    self.rows[y] = line["runs"]
                        .as_array()
                        .expect("runs")
                        .iter()
                        .map(|run| run["text"].as_str().expect("text"))
                        .collect();
                }
                self.cursor = (
                    value["cursor"]["y"].as_u64().expect("cursor y"),
                    value["cursor"]["x"].as_u64().expect("cursor x"),
                );
                self.alternate = value["alternate"] == true;
            }
            Some("read-only") => self.read_only = true,
            Some("exit") => self.exited = true,
            other => panic!("an unknown message {other:?}: {message}"),
        }
    }

    pub fn text(&self) -> String {
        self.rows.join("\n")
    }

    /// The row the cursor is on.
    pub fn cursor_row(&self) -> &str {
        self.rows.get(self.cursor.0 as usize).map(String::as_str).unwrap_or("")
    }
}
