//! What the service's HTTP tests share: a service served on loopback until the test
//! stops it, and a logged-in client that sends its CSRF token with every change. Each
//! test file adds its own helpers to these types in `impl` blocks of its own.
#![allow(dead_code)]

use std::net::SocketAddr;

use asbuilt::service::{AppState, Config, FirstAdmin, Service};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

#[path = "../support/passed.rs"]
mod passed;

/// A running service; dropping it does not stop it, `stop` does.
pub struct Server {
    pub address: SocketAddr,
    pub state: AppState,
    pub first_admin: Option<FirstAdmin>,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Serves an opened service on its configured address (port 0 in tests).
    pub async fn serve(service: Service, first_admin: Option<FirstAdmin>) -> Server {
        let listener = service.bind().await.expect("bind loopback");
        let state = service.state.clone();
        let address = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            service
                .serve(listener, async move {
                    let _ = stopped.await;
                })
                .await
                .expect("serves until stopped");
        });
        Server { address, state, first_admin, stop, done }
    }

    /// The service with its default settings on loopback port 0, its data in
    /// `data_dir`, and no lab engine.
    pub async fn start_plain(data_dir: &std::path::Path) -> Server {
        let config = Config {
            data_dir: data_dir.to_path_buf(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Config::default()
        };
        let (service, first_admin) = Service::open(config).await.expect("service opens");
        Server::serve(service, first_admin).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.done.await.expect("server task ends");
    }

    pub fn admin_password(&self) -> String {
        self.first_admin.as_ref().expect("first start made an admin").password.clone()
    }

    /// Logs in with a cookie session.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        Session::login(&self.url(""), username, password).await
    }
}

/// A logged-in client that sends its CSRF token with every change.
#[derive(Clone)]
pub struct Session {
    pub client: Client,
    pub csrf: String,
    pub base: String,
}

impl Session {
    pub async fn login(base: &str, username: &str, password: &str) -> Session {
        let client = Client::builder().cookie_store(true).build().expect("client");
        let response = client
            .post(format!("{base}/api/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        let body: Value = response.json().await.expect("login body");
        let csrf = body["csrf_token"].as_str().expect("csrf token").to_string();
        Session { client, csrf, base: base.to_string() }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base)).header("x-csrf-token", &self.csrf)
    }

    /// The status and the body as JSON (or as a JSON string when it is not JSON).
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    /// Makes an account as an admin (display name = username): its id.
    pub async fn create_user(&self, username: &str, role: &str, password: &str) -> i64 {
        let (status, body) = self
            .post(
                "/api/users",
                json!({ "username": username, "display_name": username, "role": role, "password": password }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "create {username}: {body}");
        body["id"].as_i64().expect("user id")
    }

    /// Posts bytes as they are (an archive), with the status and the body as JSON.
    pub async fn post_bytes(&self, path: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let response = self
            .request(Method::POST, path)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

impl Server {
    /// Stores a report of `student`'s lab (of the topology `lab`) with every check
    /// passed, as a grading run would: a service without a lab engine cannot grade.
    pub async fn store_passed_report(
        &self,
        lab: &str,
        assignment: i64,
        student_id: i64,
        student: &str,
    ) -> i64 {
        let design = asbuilt::design::Lab::load(&asbuilt::topology::Source::new("lab.yml", lab.to_string()))
            .expect("the lab loads")
            .design_for(Some(student));
        let suite = asbuilt::checks::derive::suite(&design);
        let results = passed::all_passed(&suite);
        let report = asbuilt::checks::report::Report::build(&suite, &results, "2026-12-02T12:00:00Z");
        sqlx::query(
            "INSERT INTO reports (assignment_id, student_id, instance, ran_at, student_view, earned, possible, \
             percent, duration_ms, report_json) VALUES (?, ?, 'x', 0, 0, ?, ?, ?, 0, ?)",
        )
        .bind(assignment)
        .bind(student_id)
        .bind(report.score.earned)
        .bind(report.score.possible)
        .bind(report.score.percent)
        .bind(serde_json::to_string(&report).expect("reports serialize"))
        .execute(&self.state.db)
        .await
        .expect("store a report")
        .last_insert_rowid()
    }
}
