//! Students' labs through the service's HTTP API on the real Docker engine: request,
//! the queue, events over SSE, reset, extend, destroy, idle expiry, who may see what,
//! and recovery after `asbuilt serve` is killed with SIGKILL in the middle of a deploy.
//!
//! Every test runs its own service on its own data directory with its own instance
//! prefix (`lab-prefix`), so that reconciling at start never touches another test's
//! labs, and removes what it leaves behind when it ends, however it ends.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use asbuilt::engine::Engine;
use asbuilt::engine::docker::DockerEngine;
use asbuilt::service::{Config, Service};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// One runtime for every test, so that one engine (and its connections) serves them all.
static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime"));

static ENGINE: tokio::sync::OnceCell<Arc<DockerEngine>> = tokio::sync::OnceCell::const_new();

async fn engine() -> Arc<DockerEngine> {
    ENGINE.get_or_init(|| async { Arc::new(common::engine().await) }).await.clone()
}

/// Two hosts on one cable: the smallest lab with a link.
const LAB: &str = "\
lab: tiny
title: Tiny
trains: [B1-K2-W1]
nodes:
  pc1: { kind: host }
  pc2: { kind: host }
links:
  - pc1:eth1 -- pc2:eth1
design:
  addresses:
    pc1:eth1: 192.0.2.11/24
    pc2:eth1: 192.0.2.12/24
";

const PASSWORD: &str = "a long enough password";
const LONG: Duration = Duration::from_secs(180);

/// A service in this process, on loopback port 0, with the lifecycle on Docker.
mod service_support;

use service_support::{Server, Session};

impl Server {
    async fn start(data_dir: &Path, prefix: &str, tweak: impl FnOnce(&mut Config)) -> Server {
        let mut config = Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.to_path_buf(),
            lab_prefix: prefix.to_string(),
            lab_reap_secs: 1,
            ..Config::default()
        };
        tweak(&mut config);
        let (mut service, first_admin) = Service::open(config).await.expect("service opens");
        // As `asbuilt serve` does: grading and consoles use the engine directly, the
        // lifecycle deploys through it.
        service.state.engine = Some(engine().await);
        service.start_labs(engine().await).await.expect("the lifecycle starts");
        assert!(first_admin.is_some(), "a new data directory");
        Server::serve(service, first_admin).await
    }
}

impl Session {
    /// Polls an instance until `done` holds for it.
    async fn wait_for(&self, name: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let (status, body) = self.get(&format!("/api/instances/{name}")).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            if done(&body) {
                return body;
            }
            assert!(start.elapsed() < LONG, "{name} never got {what}: {body}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn wait_for_state(&self, name: &str, state: &str) -> Value {
        self.wait_for(name, state, |b| b["state"] == state).await
    }

    /// Opens the instance's event stream.
    async fn events(&self, name: &str) -> Events {
        let response = self
            .client
            .get(format!("{}/api/instances/{name}/events", self.base))
            .send()
            .await
            .expect("events request");
        assert_eq!(response.status(), StatusCode::OK);
        Events { response, buffer: String::new() }
    }
}

/// A server-sent event stream, read one event at a time.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    /// The next event's name and data, skipping keep-alive comments.
    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if !name.is_empty() {
                    return (name, serde_json::from_str(&data).expect("event data is JSON"));
                }
                continue;
            }
            let chunk = tokio::time::timeout(LONG, self.response.chunk())
                .await
                .expect("an event in time")
                .expect("read the stream")
                .expect("the stream goes on");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The states the instance enters, up to and including `last`.
    async fn states_until(&mut self, last: &str) -> Vec<String> {
        let mut states = Vec::new();
        loop {
            let (name, data) = self.next().await;
            if name == "state" {
                let state = data["state"].as_str().expect("a state").to_string();
                states.push(state.clone());
                if state == last {
                    return states;
                }
            }
        }
    }
}

/// A school of one teacher, one class and `students`, with `LAB` published to it.
struct School {
    admin: Session,
    teacher: Session,
    students: Vec<Session>,
    assignment: i64,
}

impl School {
    async fn new(base: &str, admin_password: &str, students: &[&str], idle_ttl_secs: i64) -> School {
        let admin = Session::login(base, "admin", admin_password).await;
        let new_user = |name: &str, role: &str| {
            json!({ "username": name, "display_name": name, "role": role, "password": PASSWORD,
                    "student_number": (role == "student").then(|| name.to_string()) })
        };
        let (status, body) = admin.post("/api/users", new_user("teacher", "teacher")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        for s in students {
            let (status, body) = admin.post("/api/users", new_user(s, "student")).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let teacher = Session::login(base, "teacher", PASSWORD).await;
        let (_, class) = teacher.post("/api/classes", json!({ "name": "C1" })).await;
        let class = class["id"].as_i64().expect("class");
        let csv: String = std::iter::once("number,name,email\n".to_string())
            .chain(students.iter().map(|s| format!("{s},{s},{s}@example.org\n")))
            .collect();
        let response = teacher
            .client
            .post(format!("{base}/api/classes/{class}/students/import"))
            .header("x-csrf-token", &teacher.csrf)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("import");
        assert_eq!(response.status(), StatusCode::OK);
        let (status, lab) = teacher.post("/api/labs", json!({ "source": LAB })).await;
        assert_eq!(status, StatusCode::CREATED, "{lab}");
        let (status, assignment) = teacher
            .post(
                "/api/assignments",
                json!({ "class_id": class, "lab_id": lab["lab_id"], "opens_at": "2026-01-01T00:00:00Z",
                        "deadline": "2036-01-01T00:00:00Z", "idle_ttl_secs": idle_ttl_secs,
                        "max_lifetime_secs": 3600 }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{assignment}");
        let mut sessions = Vec::new();
        for s in students {
            sessions.push(Session::login(base, s, PASSWORD).await);
        }
        School { admin, teacher, students: sessions, assignment: assignment["id"].as_i64().expect("id") }
    }

    /// Student `i` asks for their lab; its name.
    async fn request(&self, i: usize) -> (String, Value) {
        let (status, body) = self.students[i]
            .send(Method::POST, &format!("/api/assignments/{}/instance", self.assignment), None)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        (body["name"].as_str().expect("a name").to_string(), body)
    }
}

/// The engine's instances with a prefix.
async fn engine_instances(prefix: &str) -> Vec<String> {
    let all = engine().await.instances().await.expect("list instances");
    all.into_iter().map(|s| s.instance.to_string()).filter(|n| n.starts_with(prefix)).collect()
}

/// Every container Docker has with a prefix on its instance label: (instance, role,
/// state).
fn containers(prefix: &str) -> Vec<(String, String, String)> {
    let output = std::process::Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            "label=org.asbuilt.instance",
            "--format",
            "{{.Label \"org.asbuilt.instance\"}} {{.Label \"org.asbuilt.role\"}} {{.State}}",
        ])
        .output()
        .expect("docker ps");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(|l| {
            let mut parts = l.split_whitespace().map(str::to_string);
            (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_student_requests_resets_extends_and_destroys_their_lab_and_watches_it_over_sse() {
    const PREFIX: &str = "t-si-life-";
    let _cleanup = common::DestroyOnDrop(PREFIX);
    RUNTIME.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        // A first lifetime shorter than the assignment's maximum (3600 s), so extending
        // has room.
        let server = Server::start(dir.path(), PREFIX, |c| c.lab_lifetime_secs = 600).await;
        let school = School::new(&server.url(""), &server.admin_password(), &["s1", "s2"], 3600).await;
        let (s1, s2) = (&school.students[0], &school.students[1]);

        let (name, requested) = school.request(0).await;
        assert!(name.starts_with(PREFIX), "{name}");
        assert!(["queued", "deploying"].contains(&requested["state"].as_str().unwrap()), "{requested}");
        let mut events = s1.events(&name).await;
        let (first, status) = events.next().await;
        assert_eq!((first.as_str(), status["name"].as_str()), ("status", Some(name.as_str())));
        if status["state"] != "ready" {
            let states = events.states_until("ready").await;
            assert!(states.iter().all(|s| ["deploying", "ready"].contains(&s.as_str())), "{states:?}");
        }
        let ready = s1.wait_for_state(&name, "ready").await;
        assert!(ready["expires_at"].is_string() && ready["idle_expires_at"].is_string(), "{ready}");
        assert_eq!(engine_instances(PREFIX).await, vec![name.clone()]);

        // "Check my work" finds the lab the lifecycle deployed (one name for both) and
        // grades it against the student's own design: asbuilt built every part of this
        // lab, so full marks. s2 has no lab yet, so there is nothing to grade.
        let check = format!("/api/assignments/{}/check", school.assignment);
        let (status, report) = s1.send(Method::POST, &check, None).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert!(report["report"]["score"]["possible"].as_f64() > Some(0.0), "{report}");
        assert_eq!(report["percent"].as_f64(), Some(100.0), "{report}");
        assert_eq!(report["report"]["student"].as_str(), Some("s1"), "{report}");
        let (status, body) = s2.send(Method::POST, &check, None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("no_instance")),
            "{body}"
        );

        // Another student sees nothing of it, not even that it exists; its owner, the
        // teacher and the admin do.
        for (method, path) in [
            (Method::GET, format!("/api/instances/{name}")),
            (Method::GET, format!("/api/instances/{name}/events")),
            (Method::POST, format!("/api/instances/{name}/reset")),
            (Method::DELETE, format!("/api/instances/{name}")),
        ] {
            let (status, _) = s2.send(method.clone(), &path, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path} as s2");
        }
        let (_, s2_list) = s2.get("/api/instances").await;
        assert_eq!(s2_list, json!([]));
        for session in [s1, &school.teacher, &school.admin] {
            let (status, list) = session.get("/api/instances").await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        }
        // The owner's second request is refused: the lab runs already.
        let (status, _) =
            s1.send(Method::POST, &format!("/api/assignments/{}/instance", school.assignment), None).await;
        assert_eq!(status, StatusCode::CONFLICT);

        // A reset goes through removal and a new deploy, in that order, on the stream.
        let (status, body) = s1.send(Method::POST, &format!("/api/instances/{name}/reset"), None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let states = events.states_until("ready").await;
        let at =
            |s: &str| states.iter().position(|x| x == s).unwrap_or_else(|| panic!("no {s} in {states:?}"));
        assert!(at("destroying") < at("deploying") && at("deploying") < at("ready"), "{states:?}");

        let (_, before) = s1.get(&format!("/api/instances/{name}")).await;
        let (status, extended) =
            s1.post(&format!("/api/instances/{name}/extend"), json!({ "seconds": 60 })).await;
        assert_eq!(status, StatusCode::OK, "{extended}");
        // RFC 3339 times in UTC compare as text.
        let (was, now) = (before["expires_at"].as_str().unwrap(), extended["expires_at"].as_str().unwrap());
        assert!(now > was, "extending moved the end of the lab: {was} -> {now}");

        let metrics = s1.client.get(server.url("/metrics")).send().await.expect("metrics");
        let metrics = metrics.text().await.expect("metrics text");
        assert!(metrics.contains("asbuilt_instances{state=\"ready\"} 1"), "{metrics}");
        assert!(metrics.contains("asbuilt_queue_length 0"), "{metrics}");
        assert!(metrics.contains("asbuilt_nodes 2"), "{metrics}");
        let (_, health) = s1.get("/healthz").await;
        assert_eq!(health, json!({ "status": "ok", "labs": "running" }));

        let (status, gone) = s1.send(Method::DELETE, &format!("/api/instances/{name}"), None).await;
        assert_eq!((status, gone["state"].as_str()), (StatusCode::OK, Some("destroyed")), "{gone}");
        assert!(engine_instances(PREFIX).await.is_empty());
        assert!(containers(PREFIX).is_empty(), "{:?}", containers(PREFIX));
        drop(events);
        server.stop().await;
    });
}

#[test]
fn when_the_only_deploy_slot_is_busy_the_second_student_waits_at_position_one_then_gets_a_lab() {
    const PREFIX: &str = "t-si-queue-";
    let _cleanup = common::DestroyOnDrop(PREFIX);
    RUNTIME.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = Server::start(dir.path(), PREFIX, |c| c.lab_deploys = 1).await;
        let school = School::new(&server.url(""), &server.admin_password(), &["q1", "q2"], 3600).await;
        let (first, _) = school.request(0).await;
        let (second, queued) = school.request(1).await;
        assert_eq!(
            (queued["state"].as_str(), queued["position"].as_u64()),
            (Some("queued"), Some(1)),
            "{queued}"
        );
        let (_, shown) = school.students[1].get(&format!("/api/instances/{second}")).await;
        assert!(shown["state"] != "queued" || shown["position"] == 1, "{shown}");
        school.students[0].wait_for_state(&first, "ready").await;
        school.students[1].wait_for_state(&second, "ready").await;
        // The student removes their own; the class's teacher removes the other.
        let (status, _) =
            school.students[0].send(Method::DELETE, &format!("/api/instances/{first}"), None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, gone) =
            school.teacher.send(Method::DELETE, &format!("/api/instances/{second}"), None).await;
        assert_eq!((status, gone["state"].as_str()), (StatusCode::OK, Some("destroyed")), "{gone}");
        assert!(engine_instances(PREFIX).await.is_empty());
        server.stop().await;
    });
}

#[test]
fn a_lab_nobody_uses_for_its_idle_time_expires_and_its_containers_are_gone() {
    const PREFIX: &str = "t-si-idle-";
    let _cleanup = common::DestroyOnDrop(PREFIX);
    RUNTIME.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = Server::start(dir.path(), PREFIX, |_| {}).await;
        let school = School::new(&server.url(""), &server.admin_password(), &["i1"], 3).await;
        let (name, _) = school.request(0).await;
        let ready = school.students[0].wait_for_state(&name, "ready").await;
        // Work in the lab starts its idle time again.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let (status, _) =
            school.students[0].send(Method::POST, &format!("/api/instances/{name}/touch"), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, touched) = school.students[0].get(&format!("/api/instances/{name}")).await;
        assert!(
            touched["state"] != "ready" || touched["idle_expires_at"] != ready["idle_expires_at"],
            "{ready} then {touched}"
        );
        let expired = school.students[0].wait_for_state(&name, "expired").await;
        assert!(expired["detail"].as_str().unwrap_or_default().contains("idle"), "{expired}");
        assert!(engine_instances(PREFIX).await.is_empty());
        assert!(containers(PREFIX).is_empty(), "{:?}", containers(PREFIX));
        server.stop().await;
    });
}

/// `asbuilt serve` as a child process on a data directory, on a loopback port.
struct Child {
    child: tokio::process::Child,
    base: String,
    stdout: String,
}

impl Child {
    async fn start(data_dir: &Path, prefix: &str) -> Child {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_asbuilt"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("ASBUILT_LOG", "info")
            .env("ASBUILT_LAB_PREFIX", prefix)
            .env_remove("ASBUILT_DATA_DIR")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start asbuilt serve");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let address = tokio::time::timeout(LONG, async {
            while let Some(line) = stderr.next_line().await.expect("read stderr") {
                if let Some(rest) = line.split("serving address=").nth(1) {
                    return rest.trim().to_string();
                }
            }
            panic!("asbuilt serve ended before serving");
        })
        .await
        .expect("serving in time");
        // Keep reading its log, or the child blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = stderr.next_line().await {} });
        let mut stdout = String::new();
        if let Some(mut out) = child.stdout.take() {
            // Only the first start prints (the admin's password); read what is there.
            let mut buf = vec![0; 4096];
            if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(500), out.read(&mut buf)).await {
                stdout = String::from_utf8_lossy(&buf[..n]).to_string();
            }
        }
        Child { child, base: format!("http://{address}"), stdout }
    }

    fn admin_password(&self) -> String {
        let line =
            self.stdout.lines().find(|l| l.trim_start().starts_with("password:")).expect("a password line");
        line.split_once(':').expect("password: x").1.trim().to_string()
    }

    async fn kill_9(mut self) {
        let pid = self.child.id().expect("running") as i32;
        // SAFETY: kill(2) with a pid this test started and still owns.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
        self.child.wait().await.expect("reaped");
    }

    async fn stop(mut self) {
        let pid = self.child.id().expect("running") as i32;
        // SAFETY: as above.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let status = tokio::time::timeout(LONG, self.child.wait()).await.expect("stops").expect("wait");
        assert!(status.success(), "{status}");
    }
}

#[test]
fn after_a_sigkill_during_a_deploy_a_restart_loses_nothing_and_finishes_the_lab_with_nothing_stranded() {
    const PREFIX: &str = "t-si-kill-";
    let _cleanup = common::DestroyOnDrop(PREFIX);
    RUNTIME.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = Child::start(dir.path(), PREFIX).await;
        let password = first.admin_password();
        let school = School::new(&first.base, &password, &["k1"], 3600).await;
        let (name, _) = school.request(0).await;
        // Killed once the engine made a node: the lab is half-built.
        let mut events = school.students[0].events(&name).await;
        loop {
            let (kind, data) = events.next().await;
            assert!(data["state"] != "ready", "the deploy ended before the kill: {data}");
            if kind == "node" {
                break;
            }
        }
        first.kill_9().await;
        drop(events);

        let second = Child::start(dir.path(), PREFIX).await;
        assert!(second.stdout.is_empty(), "a restart prints no new password: {}", second.stdout);
        let admin = Session::login(&second.base, "admin", &password).await;
        let student = Session::login(&second.base, "k1", PASSWORD).await;
        // Nothing the school made is lost.
        let (_, users) = admin.get("/api/users").await;
        assert_eq!(users.as_array().map(Vec::len), Some(3), "{users}");
        let (_, labs) = admin.get("/api/labs").await;
        assert_eq!(labs.as_array().map(Vec::len), Some(1), "{labs}");
        let (status, assignment) = student.get(&format!("/api/assignments/{}", school.assignment)).await;
        assert_eq!(status, StatusCode::OK, "{assignment}");
        // The interrupted deploy was queued again and finishes.
        let ready = student.wait_for_state(&name, "ready").await;
        let nodes = ready["nodes"].as_u64().expect("nodes") as usize;
        assert_eq!(engine_instances(PREFIX).await, vec![name.clone()]);
        let made = containers(PREFIX);
        assert!(made.iter().all(|(i, _, state)| i == &name && state == "running"), "{made:?}");
        assert_eq!(made.iter().filter(|(_, role, _)| role == "node").count(), nodes, "{made:?}");

        let (status, _) = student.send(Method::DELETE, &format!("/api/instances/{name}"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(containers(PREFIX).is_empty(), "{:?}", containers(PREFIX));
        second.stop().await;
    });
}
