//! The service's lab actions over HTTP with the real Docker engine: grading (check my
//! work, class runs with their progress stream, stored reports, exports) and the
//! deadline run. Student instances are deployed here with the engine directly, under
//! the name the service gives them (`instances::instance_for`), since the lifecycle
//! that will deploy them is built elsewhere.

mod archive_support;
mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use asbuilt::design::Lab;
use asbuilt::service::instances::{SERVICE_PREFIX, instance_for};
use asbuilt::service::{Config, Service};
use asbuilt::topology::Source;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// One router and one host; the student configures nothing the checks need, so
/// every check has an outcome quickly. Each test names its own lab: assignment ids
/// start at 1 in every test's database, and instance names must not meet.
fn tiny(lab: &str) -> String {
    TINY.replace("svctiny", lab)
}

const TINY: &str = "lab: svctiny\ntitle: Tiny\ntrains: [B1-K2-W1]\nnodes:\n  r1: { kind: router }\n  pc1: { kind: host }\nlinks:\n  - r1:eth1 -- pc1:eth1\ndesign:\n  addresses:\n    r1:eth1: 192.0.2.1/24\n    pc1:eth1: 192.0.2.11/24\n";

const PASSWORD: &str = "a long enough password";

mod service_support;

use service_support::{Server, Session};

impl Server {
    async fn start(data_dir: &Path) -> Server {
        let config = Config {
            data_dir: data_dir.to_path_buf(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            grading_workers: 2,
            ..Config::default()
        };
        let (mut service, first_admin) = Service::open(config).await.expect("service opens");
        service.state.engine = Some(Arc::new(common::engine().await));
        Server::serve(service, first_admin).await
    }
}

impl Session {
    async fn text(&self, path: &str) -> String {
        let response = self.request(Method::GET, path).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.text().await.expect("body")
    }
}

/// A school with one class: teacher t1, grader g1, students s1 and s2 (numbers
/// 100001, 100002), and the tiny lab uploaded.
struct School {
    admin: Session,
    t1: Session,
    g1: Session,
    s1: Session,
    s2: Session,
    class: i64,
    lab: i64,
    s1_id: i64,
    s2_id: i64,
}

async fn school(server: &Server, lab: &str) -> School {
    let password = server.first_admin.as_ref().expect("first start").password.clone();
    let admin = server.login("admin", &password).await;
    let mut ids = Vec::new();
    for (name, role, number) in [
        ("t1", "teacher", None),
        ("g1", "grader", None),
        ("s1", "student", Some("100001")),
        ("s2", "student", Some("100002")),
    ] {
        let (status, body) = admin
            .post(
                "/api/users",
                json!({ "username": name, "display_name": name, "role": role, "password": PASSWORD, "student_number": number }),
            )
            .await;
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
    let (status, _) = t1.send(Method::PUT, &format!("/api/classes/{class}/graders/{}", ids[1]), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, lab) = t1.post("/api/labs", json!({ "source": tiny(lab) })).await;
    assert_eq!(status, StatusCode::CREATED, "{lab}");
    School {
        g1: server.login("g1", PASSWORD).await,
        s1: server.login("s1", PASSWORD).await,
        s2: server.login("s2", PASSWORD).await,
        admin,
        t1,
        class,
        lab: lab["lab_id"].as_i64().expect("lab"),
        s1_id: ids[2],
        s2_id: ids[3],
    }
}

async fn assign(school: &School, deadline: &str) -> i64 {
    let (status, body) = school
        .t1
        .post(
            "/api/assignments",
            json!({ "class_id": school.class, "lab_id": school.lab, "opens_at": "2026-01-01T00:00:00Z", "deadline": deadline }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().expect("assignment")
}

/// Deploys a student's instance of an assignment as the lifecycle will: their variant,
/// under the service's name for it. Destroyed when the guard drops.
async fn deploy_for(lab: &str, assignment: i64, student_number: &str) -> common::Deployed {
    let source = tiny(lab);
    let loaded = Lab::load(&Source::new("tiny.yml", &source)).expect("tiny lab loads");
    let design = loaded.design_for(Some(student_number));
    // The service runs with the default `lab-prefix`.
    let instance = instance_for(SERVICE_PREFIX, lab, assignment, student_number);
    common::Deployed::new(design, instance.as_str()).await
}

/// Reads a server-sent event stream to its end: each event's name and JSON data.
async fn read_events(session: &Session, path: &str) -> Vec<(String, Value)> {
    let mut response = session.request(Method::GET, path).send().await.expect("events request");
    assert_eq!(response.status(), StatusCode::OK);
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = response.chunk().await.expect("chunk") {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("event: run-finished") && text.ends_with("\n\n") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(300), read).await.expect("the run finishes");
    let mut events = Vec::new();
    for block in text.split("\n\n") {
        let mut name = None;
        let mut data = None;
        for line in block.lines() {
            if let Some(n) = line.strip_prefix("event: ") {
                name = Some(n.to_string());
            }
            if let Some(d) = line.strip_prefix("data: ") {
                data = serde_json::from_str::<Value>(d).ok();
            }
        }
        if let (Some(name), Some(data)) = (name, data) {
            events.push((name, data));
        }
    }
    events
}

#[tokio::test]
async fn grading_check_my_work_class_runs_reports_and_exports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let school = school(&server, "svcgrade").await;
    let assignment = assign(&school, "2036-01-01T00:00:00Z").await;
    let _s1_lab = deploy_for("svcgrade", assignment, "100001").await;
    let _s2_lab = deploy_for("svcgrade", assignment, "100002").await;

    // Check my work: the student view, with a score; a second at once waits.
    let check = format!("/api/assignments/{assignment}/check");
    let (status, report) = school.s1.post(&check, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["student_view"], true, "{report}");
    assert_eq!(report["report"]["student_view"], true);
    assert!(report["report"]["score"]["percent"].is_number(), "{report}");
    assert!(!report["report"]["checks"].as_array().expect("checks").is_empty(), "{report}");
    let mine = report["id"].as_i64().expect("report id");
    let response = school.s1.request(Method::POST, &check).send().await.expect("second check");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");

    // The report is the student's own: theirs to read, nobody else's of their class.
    let (status, _) = school.s1.get(&format!("/api/reports/{mine}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = school.s2.get(&format!("/api/reports/{mine}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) = school.s2.get(&format!("/api/assignments/{assignment}/reports")).await;
    assert_eq!(listed, json!([]), "s2 sees none of s1's reports");

    // The grader grades the class; progress streams in order.
    let (status, started) = school.g1.post(&format!("/api/assignments/{assignment}/runs"), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let run = started["run_id"].as_i64().expect("run id");
    let events = read_events(&school.g1, &format!("/api/runs/{run}/events")).await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"run-started"), "{names:?}");
    assert_eq!(names.last(), Some(&"run-finished"), "{names:?}");
    assert_eq!(events.last().unwrap().1["graded"], 2, "{events:?}");
    for student in [school.s1_id, school.s2_id] {
        let own: Vec<&str> =
            events.iter().filter(|(_, d)| d["student_id"] == student).map(|(n, _)| n.as_str()).collect();
        assert_eq!(own.first(), Some(&"student-started"), "{own:?}");
        assert_eq!(own.last(), Some(&"student-graded"), "{own:?}");
        assert!(own.iter().filter(|n| **n == "check").count() >= 2, "{own:?}");
    }
    // A stream opened after the run replays it whole.
    let again = read_events(&school.t1, &format!("/api/runs/{run}/events")).await;
    assert_eq!(again.len(), events.len());
    let (_, run_view) = school.t1.get(&format!("/api/runs/{run}")).await;
    assert_eq!(
        (run_view["graded"].as_i64(), run_view["finished_at"].is_string()),
        (Some(2), true),
        "{run_view}"
    );
    let (_, reports) = school.t1.get(&format!("/api/assignments/{assignment}/reports")).await;
    let from_run = reports.as_array().unwrap().iter().filter(|r| r["run_id"] == run).count();
    assert_eq!(from_run, 2, "{reports}");
    let stored =
        reports.as_array().unwrap().iter().find(|r| r["run_id"] == run).unwrap()["id"].as_i64().unwrap();
    let (_, full) = school.g1.get(&format!("/api/reports/{stored}")).await;
    assert_eq!(full["student_view"], false, "{full}");
    assert!(full["ran_by"].is_number(), "the grader who ran it: {full}");

    // The class's results: JSON per student, CSV per check and per work process.
    let (status, results) = school.t1.get(&format!("/api/assignments/{assignment}/results")).await;
    assert_eq!(status, StatusCode::OK);
    let results = results.as_array().expect("per student");
    assert_eq!(results.len(), 2, "{results:?}");
    let checks = results[0]["checks"].as_array().expect("checks").len();
    assert!(checks >= 2);
    assert_eq!(results[0]["work_processes"][0]["code"], "B1-K2-W1", "{:?}", results[0]);
    let csv = school.g1.text(&format!("/api/assignments/{assignment}/results?format=csv&by=check")).await;
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("student_number,name,report_id,graded_at,check,"), "{csv}");
    assert_eq!(lines.len(), 1 + 2 * checks, "{csv}");
    assert!(lines[1].starts_with("100001,"), "{csv}");
    let csv =
        school.g1.text(&format!("/api/assignments/{assignment}/results?format=csv&by=work_process")).await;
    assert!(csv.contains("100002,s2,") && csv.contains(",B1-K2-W1,") && csv.contains(",total,"), "{csv}");
    let (status, _) = school.s1.get(&format!("/api/assignments/{assignment}/results")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let metrics = school.t1.text("/metrics").await;
    for line in [
        "asbuilt_reports{view=\"full\"} 2",
        "asbuilt_reports{view=\"student\"} 1",
        "asbuilt_grading_runs_running 0",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} not in:\n{metrics}");
    }

    // A node stopped behind the service's back: the instance is not graded, and the
    // refused check does not use up the student's turn.
    let (_, whole) = school.s2.post(&check, json!({})).await;
    assert!(whole["id"].is_number(), "positive control: s2's lab is whole: {whole}");
    let _ = &school.admin;
    let container = format!("asbuilt.{}.pc1", instance_for(SERVICE_PREFIX, "svcgrade", assignment, "100001"));
    let stopped = std::process::Command::new("docker")
        .args(["stop", "-t", "1", &container])
        .output()
        .expect("docker stop");
    assert!(stopped.status.success(), "{stopped:?}");
    server.state.check_limit.give_back(school.s1_id);
    let (status, body) = school.s1.post(&check, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("instance_broken")),
        "{body}"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("infrastructure"), "{body}");
    let (status, _) = school.s1.post(&check, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a refused check is no turn taken (else 429)");
    server.stop().await;
}

/// A Kathará lab a teacher imports as a zip is a lab like any other: published, run by a
/// student from the stored topology, and graded in full by "check my work".
#[tokio::test]
async fn a_kathara_lab_imported_into_the_service_runs_for_a_student_and_scores_full_marks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let school = school(&server, "svcimport").await;
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/kathara/static-routing");
    let zip = archive_support::zip_of(&archive_support::entries_of(&fixture, "static-routing/"));
    let (status, imported) = school.t1.post_bytes("/api/labs/import?filename=static-routing.zip", zip).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    let name = imported["name"].as_str().expect("name").to_string();
    let (status, assignment) = school
        .t1
        .post(
            "/api/assignments",
            json!({ "class_id": school.class, "lab_id": imported["lab_id"], "opens_at": "2026-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{assignment}");
    let assignment = assignment["id"].as_i64().expect("assignment");

    // The student's lab, from the topology the service stored, as the lifecycle builds it.
    let (_, version) = school.t1.get(&format!("/api/labs/{}/versions/1", imported["lab_id"])).await;
    let stored = Lab::load(&Source::new("stored.yml", version["source"].as_str().expect("source")))
        .expect("the stored import loads");
    let instance = instance_for(SERVICE_PREFIX, &name, assignment, "100001");
    let _lab = common::Deployed::new(stored.design_for(Some("100001")), instance.as_str()).await;

    let (status, report) = school.s1.post(&format!("/api/assignments/{assignment}/check"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let checks = report["report"]["checks"].as_array().expect("checks");
    assert!(checks.len() >= 4, "the imported design is graded: {report}");
    let failed: Vec<&Value> = checks.iter().filter(|c| c["status"] != "pass").map(|c| &c["id"]).collect();
    assert!(failed.is_empty(), "every check passes: {failed:?}");
    assert_eq!(report["report"]["score"]["percent"], 100.0, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn the_deadline_run_grades_and_saves_every_instance_once_also_when_the_service_was_down_at_the_deadline()
 {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let school = school(&server, "svcdeadline").await;
    // Deploying takes a while; the deadline is set once the lab runs.
    let placeholder = assign(&school, "2036-01-01T00:00:00Z").await;
    let _lab = deploy_for("svcdeadline", placeholder, "100001").await;
    let deadline = asbuilt::service::time::format_rfc3339(asbuilt::service::time::now() + 3);
    sqlx::query("UPDATE assignments SET deadline = ? WHERE id = ?")
        .bind(asbuilt::service::time::parse_rfc3339(&deadline).unwrap())
        .bind(placeholder)
        .execute(&server.state.db)
        .await
        .expect("move the deadline");
    let assignment = placeholder;
    // The service is down when the deadline passes.
    server.stop().await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let server = Server::start(dir.path()).await;

    let finished = async {
        loop {
            let done: Option<i64> = sqlx::query_scalar(
                "SELECT finished_at FROM grading_runs WHERE assignment_id = ? AND kind = 'deadline'",
            )
            .bind(assignment)
            .fetch_optional(&server.state.db)
            .await
            .expect("query")
            .flatten();
            if done.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(240), finished).await.expect("the deadline run finishes");
    let count = |sql: &'static str| {
        let db = server.state.db.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).bind(assignment).fetch_one(&db).await.expect("count") }
    };
    assert_eq!(count("SELECT COUNT(*) FROM reports WHERE assignment_id = ? AND ran_by IS NULL").await, 1);
    let files: String = sqlx::query_scalar("SELECT files_json FROM saved_configs WHERE assignment_id = ?")
        .bind(assignment)
        .fetch_one(&server.state.db)
        .await
        .expect("saved configuration");
    let files: Value = serde_json::from_str(&files).expect("json");
    let frr = files.as_array().unwrap().iter().find(|f| f["node"] == "r1" && f["name"] == "frr.conf");
    assert!(frr.is_some_and(|f| f["content"].as_str().unwrap().contains("frr")), "{files}");
    let t1 = server.login("t1", PASSWORD).await;
    let (_, results) = t1.get(&format!("/api/assignments/{assignment}/results")).await;
    assert_eq!(results.as_array().map(Vec::len), Some(1), "{results}");
    let (status, saved) = t1.get(&format!("/api/assignments/{assignment}/saved-configs")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(saved.as_array().map(Vec::len), Some(1), "{saved}");
    assert!(
        saved[0]["files"].as_array().is_some_and(|f| f.iter().any(|f| f["name"] == "addresses.txt")),
        "{saved}"
    );
    let s1 = server.login("s1", PASSWORD).await;
    let (status, _) = s1.get(&format!("/api/assignments/{assignment}/saved-configs")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let _ = (&school.s1_id, &school.s2_id);
    server.stop().await;

    // A restart after the deadline does not run it again.
    let server = Server::start(dir.path()).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM grading_runs WHERE assignment_id = ?")
        .bind(assignment)
        .fetch_one(&server.state.db)
        .await
        .expect("count");
    assert_eq!(runs, 1);
    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE assignment_id = ?")
        .bind(assignment)
        .fetch_one(&server.state.db)
        .await
        .expect("count");
    assert_eq!(reports, 1);
    server.stop().await;
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A bearer token of the session's account (a WebSocket client carries no cookie jar).
async fn token(session: &Session) -> String {
    let (status, body) = session.post("/api/tokens", json!({ "name": "console" })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().expect("token").to_string()
}

/// Opens a console; the HTTP status when it is refused.
async fn open_console(server: &Server, token: &str, path: &str) -> Result<Socket, u16> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}{path}", server.address).into_client_request().expect("request");
    request.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("connect {path}: {other}"),
    }
}

/// Everything the console prints within `wait`, or until `until` appears.
async fn read_until(socket: &mut Socket, until: &str, wait: Duration) -> String {
    use futures::StreamExt;
    let mut seen = String::new();
    let _ = tokio::time::timeout(wait, async {
        while let Some(Ok(message)) = socket.next().await {
            if let tokio_tungstenite::tungstenite::Message::Binary(bytes) = message {
                seen.push_str(&String::from_utf8_lossy(&bytes));
                if seen.contains(until) {
                    break;
                }
            }
        }
    })
    .await;
    seen
}

async fn type_line(socket: &mut Socket, line: &str) {
    use futures::SinkExt;
    let bytes = format!("{line}\n").into_bytes();
    socket.send(tokio_tungstenite::tungstenite::Message::Binary(bytes.into())).await.expect("send keys");
}

#[tokio::test]
async fn consoles_echo_for_the_owner_resize_stay_read_only_for_a_watching_teacher_and_hide_from_others() {
    use futures::SinkExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let school = school(&server, "svcconsole").await;
    let assignment = assign(&school, "2036-01-01T00:00:00Z").await;
    let _lab = deploy_for("svcconsole", assignment, "100001").await;
    let path = format!("/api/assignments/{assignment}/students/{}/console/pc1", school.s1_id);
    let (s1, s2, t1, g1) =
        (token(&school.s1).await, token(&school.s2).await, token(&school.t1).await, token(&school.g1).await);

    // The owner types; the shell computes, so the answer is not the echo of the keys.
    let mut owner = open_console(&server, &s1, &path).await.expect("the owner's console");
    let n: u32 = 10_000 + std::process::id() % 10_000;
    type_line(&mut owner, &format!("echo hi-$(({n}+1))")).await;
    let seen = read_until(&mut owner, &format!("hi-{}", n + 1), Duration::from_secs(20)).await;
    assert!(seen.contains(&format!("hi-{}", n + 1)), "{seen:?}");
    let resize = json!({ "type": "resize", "cols": 101, "rows": 33 }).to_string();
    owner.send(tokio_tungstenite::tungstenite::Message::Text(resize.into())).await.expect("resize");
    tokio::time::sleep(Duration::from_millis(300)).await;
    type_line(&mut owner, "stty size").await;
    let seen = read_until(&mut owner, "33 101", Duration::from_secs(20)).await;
    assert!(seen.contains("33 101"), "{seen:?}");

    // The teacher watches: keys go nowhere, until they take over.
    let mut watching = open_console(&server, &t1, &path).await.expect("the teacher's console");
    type_line(&mut watching, &format!("echo ro-$(({n}+2))")).await;
    let seen = read_until(&mut watching, &format!("ro-{}", n + 2), Duration::from_secs(3)).await;
    assert!(!seen.contains(&format!("ro-{}", n + 2)), "a read-only console ran a command: {seen:?}");
    let mut taking_over =
        open_console(&server, &t1, &format!("{path}?take_over=true")).await.expect("take over");
    type_line(&mut taking_over, &format!("echo to-$(({n}+3))")).await;
    let seen = read_until(&mut taking_over, &format!("to-{}", n + 3), Duration::from_secs(20)).await;
    assert!(seen.contains(&format!("to-{}", n + 3)), "{seen:?}");

    // A grader watches; another student does not learn the instance exists.
    assert!(open_console(&server, &g1, &path).await.is_ok());
    assert_eq!(open_console(&server, &g1, &format!("{path}?take_over=true")).await.err(), Some(403));
    assert_eq!(open_console(&server, &s2, &path).await.err(), Some(404));
    let nowhere = format!("/api/assignments/{assignment}/students/{}/console/pc9", school.s1_id);
    assert_eq!(open_console(&server, &s1, &nowhere).await.err(), Some(404));
    server.stop().await;
}
