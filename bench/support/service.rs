//! What the service benches share: `asbuilt serve` started as its own process (the
//! benches load it from another process, over loopback, as browsers would), and a
//! school set up through its JSON API: an admin, a teacher, a class of students with
//! their own sessions, a lab and an assignment.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

// The tests' logged-in session: the benches drive the service as the tests do.
#[path = "../../tests/service_support/mod.rs"]
mod service_support;
pub use service_support::Session;

/// Every bench account's password.
pub const PASSWORD: &str = "bench-password-1234";

/// `asbuilt serve` as a child process; killed when dropped.
pub struct Served {
    child: tokio::process::Child,
    pub base: String,
    pub admin_password: String,
}

impl Served {
    /// Starts the service on a free loopback port with `data_dir`, its labs named with
    /// `prefix`, and extra `ASBUILT_*` settings.
    pub async fn start(data_dir: &Path, prefix: &str, settings: &[(&str, String)]) -> Served {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_asbuilt"));
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("ASBUILT_LOG", "warn,asbuilt::service::server=info")
            .env("ASBUILT_LAB_PREFIX", prefix)
            .env_remove("ASBUILT_DATA_DIR")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in settings {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start asbuilt serve");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let address = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = stderr.next_line().await.expect("read its log") {
                if let Some(rest) = line.split("serving address=").nth(1) {
                    return rest.trim().to_string();
                }
            }
            panic!("asbuilt serve ended before serving");
        })
        .await
        .expect("serving within a minute");
        // Keep reading its log, or the child blocks on a full pipe; show what it warns.
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                if line.contains("WARN") || line.contains("ERROR") {
                    eprintln!("  service: {line}");
                }
            }
        });
        let mut out = child.stdout.take().expect("stdout");
        let mut printed = vec![0; 4096];
        let n = tokio::time::timeout(Duration::from_secs(5), out.read(&mut printed))
            .await
            .expect("the first start prints the admin's password")
            .expect("read stdout");
        let printed = String::from_utf8_lossy(&printed[..n]).to_string();
        let admin_password = printed
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("password:"))
            .expect("a password line")
            .trim()
            .to_string();
        Served { child, base: format!("http://{address}"), admin_password }
    }

    /// SIGTERM, and wait for it to finish its work.
    pub async fn stop(mut self) {
        let pid = self.child.id().expect("running") as i32;
        // SAFETY: kill(2) on the child this bench started and still owns.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let _ = tokio::time::timeout(Duration::from_secs(120), self.child.wait()).await;
    }
}

/// A class with its students signed in and one assignment of `lab_source`.
pub struct School {
    pub teacher: Session,
    pub students: Vec<Session>,
    pub assignment: i64,
}

impl School {
    pub async fn new(served: &Served, students: usize, lab_source: &str) -> School {
        let base = served.base.as_str();
        let admin = Session::login(base, "admin", &served.admin_password).await;
        let names: Vec<String> = (0..students).map(|i| format!("s{:06}", 100_000 + i)).collect();
        let user = |name: &str, role: &str| {
            json!({ "username": name, "display_name": name, "role": role, "password": PASSWORD,
                    "student_number": (role == "student").then(|| name.to_string()) })
        };
        let (status, body) = admin.post("/api/users", user("teacher", "teacher")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        // Password hashing is the slow part of making accounts: a few at a time.
        let made = futures::future::join_all(names.chunks(8).map(|chunk| {
            let admin = admin.clone();
            async move {
                for name in chunk {
                    let (status, body) = admin.post("/api/users", user(name, "student")).await;
                    assert_eq!(status, StatusCode::CREATED, "{body}");
                }
            }
        }));
        made.await;
        let teacher = Session::login(base, "teacher", PASSWORD).await;
        let (_, class) = teacher.post("/api/classes", json!({ "name": "bench" })).await;
        let class = class["id"].as_i64().expect("class id");
        let csv: String = std::iter::once("number,name,email\n".to_string())
            .chain(names.iter().map(|s| format!("{s},{s},{s}@example.org\n")))
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
        let (status, lab) = teacher.post("/api/labs", json!({ "source": lab_source })).await;
        assert_eq!(status, StatusCode::CREATED, "{lab}");
        let (status, assignment) = teacher
            .post(
                "/api/assignments",
                json!({ "class_id": class, "lab_id": lab["lab_id"], "opens_at": "2026-01-01T00:00:00Z",
                        "deadline": "2036-01-01T00:00:00Z", "idle_ttl_secs": 3600,
                        "max_lifetime_secs": 7200 }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{assignment}");
        let sessions = futures::future::join_all(names.chunks(8).map(|chunk| async move {
            let mut out = Vec::new();
            for name in chunk {
                out.push(Session::login(base, name, PASSWORD).await);
            }
            out
        }))
        .await
        .into_iter()
        .flatten()
        .collect();
        School { teacher, students: sessions, assignment: assignment["id"].as_i64().expect("assignment id") }
    }

    /// Student `i` asks for their lab; its instance name.
    pub async fn request(&self, i: usize) -> String {
        let (status, body) = self.students[i]
            .send(Method::POST, &format!("/api/assignments/{}/instance", self.assignment), None)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        body["name"].as_str().expect("an instance name").to_string()
    }
}

/// The value at `fraction` (0..=1) of the samples, by nearest rank.
pub fn percentile(samples: &mut [f64], fraction: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    let rank = ((fraction * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
