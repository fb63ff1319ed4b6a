//! The student's pages in a real headless Chromium, with the real Docker engine and one
//! shared small lab (tests/fixtures/web/student-lab.yml): signing in, the assignments,
//! requesting the lab and watching it come up on the page, "check my work" showing a
//! failing check with its hint, handing in, and another student getting 404 for this
//! lab's page while its owner gets it.
//!
//! One lab is deployed for the whole file (CI time); everything that needs a lab happens
//! in one test, in the order a student would do it.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use asbuilt::engine::Engine;
use asbuilt::engine::docker::DockerEngine;
use asbuilt::service::{Config, Service};
use reqwest::header::{ACCEPT, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod browser_support;
mod service_support;

use browser_support::Browser;
use service_support::{Server, Session};

const PASSWORD: &str = "a long enough password";
const LONG: Duration = Duration::from_secs(180);

fn lab_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/web/student-lab.yml");
    std::fs::read_to_string(path).expect("the test lab")
}

impl Server {
    /// A service on loopback; with `engine`, the lab lifecycle runs on it as in
    /// `asbuilt serve`.
    async fn start(data_dir: &Path, prefix: &str, engine: Option<Arc<DockerEngine>>) -> Server {
        let config = Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.to_path_buf(),
            lab_prefix: prefix.to_string(),
            lab_reap_secs: 1,
            check_interval_secs: 1,
            ..Config::default()
        };
        let (mut service, first_admin) = Service::open(config).await.expect("service opens");
        if let Some(engine) = engine {
            service.state.engine = Some(engine.clone());
            service.start_labs(engine).await.expect("the lifecycle starts");
        }
        Server::serve(service, first_admin).await
    }
}

/// A teacher with class C1 (students s1, s2) and class C2 (student x1), the test lab
/// published to C1.
struct School {
    teacher: Session,
    assignment: i64,
    ids: std::collections::HashMap<String, i64>,
}

impl School {
    async fn new(server: &Server) -> School {
        let base = server.url("");
        let admin = Session::login(&base, "admin", &server.admin_password()).await;
        let mut ids = std::collections::HashMap::new();
        for (name, role) in [("teacher", "teacher"), ("s1", "student"), ("s2", "student"), ("x1", "student")]
        {
            let (status, body) = admin
                .post(
                    "/api/users",
                    json!({ "username": name, "display_name": name, "role": role, "password": PASSWORD,
                            "student_number": (role == "student").then(|| name.to_string()) }),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            ids.insert(name.to_string(), body["id"].as_i64().expect("user id"));
        }
        let teacher = Session::login(&base, "teacher", PASSWORD).await;
        let mut classes = Vec::new();
        for (class, students) in
            [("C1", "s1,S1,s1@example.org\ns2,S2,s2@example.org\n"), ("C2", "x1,X1,x1@example.org\n")]
        {
            let (_, body) = teacher.post("/api/classes", json!({ "name": class })).await;
            let id = body["id"].as_i64().expect("class");
            let response = teacher
                .request(Method::POST, &format!("/api/classes/{id}/students/import"))
                .header("content-type", "text/csv")
                .body(format!("number,name,email\n{students}"))
                .send()
                .await
                .expect("import");
            assert_eq!(response.status(), StatusCode::OK);
            classes.push(id);
        }
        let (status, lab) = teacher.post("/api/labs", json!({ "source": lab_source() })).await;
        assert_eq!(status, StatusCode::CREATED, "{lab}");
        let (status, assignment) = teacher
            .post(
                "/api/assignments",
                json!({ "class_id": classes[0], "lab_id": lab["lab_id"], "title": "Twee pc's verbinden",
                        "opens_at": "2026-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{assignment}");
        School { teacher, assignment: assignment["id"].as_i64().expect("assignment"), ids }
    }
}

/// A client that keeps cookies but does not follow redirects.
async fn page_client(server: &Server, username: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = client
        .post(server.url("/login"))
        .form(&[("username", username), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "login of {username}");
    client
}

async fn status_of(client: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("page");
    let status = response.status();
    (status, response.text().await.expect("page body"))
}

/// Signs in through the login page and waits until the browser left it.
async fn sign_in(browser: &Browser, server: &Server, username: &str) {
    browser.goto(&server.url("/login")).await;
    browser.fill("#username", username).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.path().await.starts_with("/login") {
        assert!(Instant::now() < deadline, "still on the login page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Scrolls the page so that `css` is at the top of the window, for a screenshot.
async fn scroll_to(browser: &Browser, css: &str) {
    let script =
        "document.querySelector(arguments[0]).scrollIntoView({block: 'start'}); window.scrollBy(0, -8);";
    browser.client.execute(script, vec![json!(css)]).await.expect("scroll");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_requests_their_lab_checks_their_work_hands_in_and_nobody_else_sees_it() {
    const PREFIX: &str = "t-ws-";
    let _cleanup = common::DestroyOnDrop(PREFIX);
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Arc::new(common::engine().await);
    let server = Server::start(dir.path(), PREFIX, Some(engine.clone())).await;
    let school = School::new(&server).await;
    let a = school.assignment;
    let lab_url = server.url(&format!("/my/assignments/{a}"));
    let browser = Browser::start("nl").await;

    // Signed in, a student lands on their assignments: the lab is not requested yet.
    sign_in(&browser, &server, "s1").await;
    assert_eq!(browser.path().await, "/my");
    let row = browser.text(&format!("tr[data-assignment='{a}']")).await;
    assert!(row.contains("Twee pc's verbinden") && row.contains("niet aangevraagd"), "{row}");
    assert!(row.contains("nog niet gecontroleerd"), "{row}");

    // The lab page: the task as formatted text, its raw HTML shown and never run, the
    // diagram with every node named.
    browser.click(&format!("a[href='/my/assignments/{a}']")).await;
    browser.wait_for_text("h1", "Twee pc's verbinden", Duration::from_secs(10)).await;
    assert_eq!(browser.text(".markdown strong").await, "pc2");
    let task = browser.text(".markdown").await;
    assert!(task.contains("<script>document.title"), "raw HTML is shown as text: {task}");
    assert!(!browser.client.title().await.expect("title").contains("ingebroken"), "the task's script ran");
    for node in ["pc1", "pc2"] {
        browser.find(&format!("#diagram svg g.node[data-node='{node}']")).await;
    }
    assert_eq!(browser.text("#lab-state").await, "niet aangevraagd");

    // Request the lab and watch it come up without reloading: its state goes through
    // the build to ready, and then each node shows that it runs, in the table and on
    // the diagram.
    // With the keyboard alone: Enter on the focused button.
    let request = browser.find("#request-lab").await;
    request.send_keys(&fantoccini::key::Key::Enter.to_string()).await.expect("press Enter");
    let mut seen = Vec::new();
    let start = Instant::now();
    loop {
        let state = browser.text("#lab-state").await;
        if seen.last() != Some(&state) {
            seen.push(state.clone());
        }
        if state == "klaar" {
            break;
        }
        assert!(start.elapsed() < LONG, "the lab never became ready on the page; states seen: {seen:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("the lab was ready on the page {:?} after the click; states seen: {seen:?}", start.elapsed());
    assert!(
        seen.iter().any(|s| s == "wordt gebouwd" || s == "in de wachtrij"),
        "the page showed the lab on its way: {seen:?}"
    );
    assert_eq!(browser.path().await, format!("/my/assignments/{a}"), "no reload or navigation");
    let focused = browser.client.execute("return document.activeElement.id", vec![]).await.expect("focus");
    assert_eq!(focused, json!("status-heading"), "the hidden button handed its focus to the lab's status");
    for node in ["pc1", "pc2"] {
        browser
            .wait_for_text(&format!("[data-node-state='{node}']"), "draait", Duration::from_secs(20))
            .await;
        assert_eq!(
            browser.attribute(&format!("#diagram g.node[data-node='{node}']"), "data-state").await.as_deref(),
            Some("running")
        );
    }
    // A console per node, in an iframe (the console page itself is another part's).
    let s1 = school.ids["s1"];
    let link = "a[data-console-link='pc1']";
    assert_eq!(browser.attribute(link, "href").await, Some(format!("/consoles/{a}/{s1}/pc1")));
    browser.click(link).await;
    assert_eq!(browser.attribute("#console-frame", "title").await.as_deref(), Some("Console van pc1"));
    // Extending says until when the lab now lives (never past the assignment's maximum).
    browser.click("#extend-lab").await;
    browser.wait_for_text("#lab-action-note", "Verlengd tot", Duration::from_secs(10)).await;
    assert_eq!(browser.text("#lab-action-error").await, "");
    scroll_to(&browser, "main").await;
    browser.screenshot("student-lab").await;

    // The engine is asked for each node's state: a node stopped behind the lifecycle's
    // back shows as stopped without a reload.
    let name = browser.attribute("[data-lab-page]", "data-instance").await.expect("instance name");
    let stopped = std::process::Command::new("docker")
        .args([
            "ps",
            "-q",
            "--filter",
            &format!("label=org.asbuilt.instance={name}"),
            "--filter",
            "label=org.asbuilt.node=pc1",
        ])
        .output()
        .expect("docker ps");
    let container = String::from_utf8_lossy(&stopped.stdout).trim().to_string();
    assert!(!container.is_empty(), "no container of pc1 for {name}");
    let stop = std::process::Command::new("docker")
        .args(["stop", "-t", "1", &container])
        .output()
        .expect("docker stop");
    assert!(stop.status.success(), "{stop:?}");
    browser.wait_for_text("[data-node-state='pc1']", "gestopt", Duration::from_secs(20)).await;
    assert_eq!(
        browser.attribute("#diagram g.node[data-node='pc1']", "data-state").await.as_deref(),
        Some("stopped")
    );
    // The student puts it back with the reset button: the lab is built again.
    browser.click("#reset-lab").await;
    browser.client.accept_alert().await.expect("confirm the reset");
    browser.wait_for_text("#lab-state", "wordt", Duration::from_secs(20)).await;
    browser.wait_for_text("#lab-state", "klaar", LONG).await;
    browser.wait_for_text("[data-node-state='pc1']", "draait", Duration::from_secs(20)).await;

    // Check my work: pc2 has no address yet, so its checks fail, each with its hint,
    // shown as the checks finish.
    browser.click("#check-work").await;
    let summary = browser.wait_for_text("#check-summary", "Score", LONG).await;
    assert!(summary.contains("fout"), "{summary}");
    let ping = browser.find("li[data-check='check-1']").await;
    let class = ping.attr("class").await.expect("class").unwrap_or_default();
    assert!(class.contains("status-fail") || class.contains("status-skipped"), "{class}");
    let hint = browser.text("li[data-check='check-1'] .check-hint").await;
    assert!(hint.contains("Heeft pc2 al een adres"), "the hint shows: {hint}");
    browser.find("li.status-fail .check-detail").await;
    let passed = browser.text("li[data-check='address/pc1:eth1'] .check-status").await;
    assert_eq!(passed, "goed", "asbuilt built pc1's address");
    scroll_to(&browser, "#check-heading").await;
    browser.screenshot("student-check").await;

    // The same check over HTTP as the page reads it: the library's check events as each
    // check starts and finishes, then the stored report.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let session = Session::login(&server.url(""), "s1", PASSWORD).await;
    let response = session
        .request(Method::POST, &format!("/api/assignments/{a}/check"))
        .header(ACCEPT, "text/event-stream")
        .send()
        .await
        .expect("check with progress");
    assert_eq!(response.status(), StatusCode::OK);
    let body = tokio::time::timeout(LONG, response.text()).await.expect("the stream ends").expect("body");
    let events: Vec<(String, Value)> = body
        .split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event:"))?.trim().to_string();
            let data: String = block.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim).collect();
            Some((name, serde_json::from_str(&data).expect("event data is JSON")))
        })
        .collect();
    let finished: Vec<&Value> =
        events.iter().filter(|(n, d)| n == "check" && d["event"] == "finished").map(|(_, d)| d).collect();
    assert_eq!(finished.len(), 4, "one finished event per check: {body}");
    assert_eq!(finished.last().map(|d| d["done"].clone()), Some(json!(4)), "{body}");
    let (last, report) = events.last().expect("events");
    assert_eq!(last, "report", "{body}");
    assert!(report["report"]["student_view"] == true && report["percent"].as_f64() < Some(100.0), "{report}");

    // The assignments page shows the lab ready and the last score.
    browser.goto(&server.url("/my")).await;
    let row = browser.text(&format!("tr[data-assignment='{a}']")).await;
    assert!(row.contains("klaar") && row.contains('%'), "{row}");
    browser.screenshot("student-assignments").await;

    // Hand in: the lab is graded at that moment, the teacher sees it; once only.
    browser.goto(&lab_url).await;
    browser.click("#hand-in").await;
    browser.client.accept_alert().await.expect("confirm the hand-in");
    browser.wait_for_text("#hand-in-state", "Beoordeeld bij inleveren", LONG).await;
    let (status, hand_ins) = school.teacher.get(&format!("/api/assignments/{a}/hand-ins")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hand_ins.as_array().map(Vec::len), Some(1), "{hand_ins}");
    assert_eq!(
        (hand_ins[0]["student_id"].as_i64(), hand_ins[0]["state"].as_str()),
        (Some(s1), Some("graded"))
    );
    assert!(hand_ins[0]["percent"].as_f64() < Some(100.0), "{hand_ins}");
    // The hand-in's report is a full one: it is the student's result for the class.
    let (_, results) = school.teacher.get(&format!("/api/assignments/{a}/results")).await;
    assert_eq!(results[0]["report_id"], hand_ins[0]["report_id"], "{results}");
    let (status, _) = session.send(Method::POST, &format!("/api/assignments/{a}/hand-in"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "a second hand-in");
    // The teacher's class overview shows when s1 handed in.
    let (status, overview) = school.teacher.get(&format!("/teach/assignments/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    let page = overview.as_str().expect("the overview is a page");
    let row = page
        .split(&format!("data-student-id=\"{s1}\""))
        .nth(1)
        .expect("s1's row")
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.contains("class=\"handed-in\"><time datetime="), "{row}");

    // Nobody else sees any of it. x1 is in another class: this lab's URL is 404, for the
    // page and for the API behind it; its owner gets the page (the positive control).
    let owner = page_client(&server, "s1").await;
    let (status, html) = status_of(&owner, &lab_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("data-instance=\"{name}\"")), "the owner's page is about their lab");
    let stranger = page_client(&server, "x1").await;
    let (status, html) = status_of(&stranger, &lab_url).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "x1 opens s1's lab page");
    assert!(!html.contains(&name), "the 404 says nothing of the lab");
    let x1 = Session::login(&server.url(""), "x1", PASSWORD).await;
    for path in [
        format!("/api/instances/{name}"),
        format!("/api/instances/{name}/nodes"),
        format!("/api/assignments/{a}/hand-ins"),
    ] {
        assert_eq!(x1.get(&path).await.0, StatusCode::NOT_FOUND, "{path} as x1");
    }
    // s2 is in the class: the same URL is s2's own lab page, with nothing of s1's lab.
    let classmate = page_client(&server, "s2").await;
    let (status, html) = status_of(&classmate, &lab_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(&name) && html.contains("data-state=\"not_requested\""), "s2 sees only their own");
    let s2 = Session::login(&server.url(""), "s2", PASSWORD).await;
    assert_eq!(s2.get(&format!("/api/instances/{name}/nodes")).await.0, StatusCode::NOT_FOUND);
    // In the browser, x1 typing the URL gets the not-found page.
    browser.click("[data-logout]").await;
    sign_in(&browser, &server, "x1").await;
    browser.goto(&lab_url).await;
    browser.wait_for_text("h1", "Niet gevonden", Duration::from_secs(10)).await;

    browser.close().await;
    let (status, gone) = school.teacher.send(Method::DELETE, &format!("/api/instances/{name}"), None).await;
    assert_eq!((status, gone["state"].as_str()), (StatusCode::OK, Some("destroyed")), "{gone}");
    assert!(
        engine.instances().await.expect("instances").iter().all(|s| !s.instance.as_str().starts_with(PREFIX))
    );
    server.stop().await;
}

#[tokio::test]
async fn without_a_session_the_pages_go_to_the_login_and_staff_have_no_student_pages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), "t-ws-none-", None).await;
    let school = School::new(&server).await;
    let a = school.assignment;
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/my".to_string(), format!("/my/assignments/{a}")] {
        let response = anonymous.get(server.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[LOCATION], format!("/login?next={path}"));
    }
    // A teacher has no assignments of their own to work on: /my sends them home, and a
    // student's lab page is not theirs.
    let teacher = page_client(&server, "teacher").await;
    let response = teacher.get(server.url("/my")).send().await.unwrap();
    assert_eq!(response.headers()[LOCATION], "/teach");
    assert_eq!(
        status_of(&teacher, &server.url(&format!("/my/assignments/{a}"))).await.0,
        StatusCode::NOT_FOUND
    );
    // Without a lab engine a student still sees their assignment and its task; the lab
    // says labs are unavailable and offers nothing to request.
    let student = page_client(&server, "s1").await;
    let (status, html) = status_of(&student, &server.url("/my")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("labs niet beschikbaar") && html.contains("Twee pc&#x27;s verbinden"), "{html}");
    let (status, html) = status_of(&student, &server.url(&format!("/my/assignments/{a}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Deze server draait nu geen labs"), "{html}");
    assert!(html.contains("&lt;script&gt;document.title"), "raw HTML in the task is escaped");
    // Nothing on the lab page comes from another host, the consoles included.
    for attribute in ["src=\"", "href=\""] {
        for value in html.split(attribute).skip(1).map(|rest| rest.split('"').next().unwrap_or("")) {
            assert!(
                value.starts_with('/') || value.starts_with('#'),
                "{attribute}{value}\" leaves the server"
            );
        }
    }
    assert!(html.contains(&format!("href=\"/consoles/{a}/{}/pc1\"", school.ids["s1"])), "{html}");
    // The same page in English, for a student who chose it.
    student.get(server.url("/lang/en?next=/my")).send().await.unwrap();
    let (_, html) = status_of(&student, &server.url("/my")).await;
    assert!(html.contains("<h1>My assignments</h1>") && html.contains("labs unavailable"), "{html}");
    // An assignment that does not exist is the same 404 as one of another class.
    assert_eq!(status_of(&student, &server.url("/my/assignments/999")).await.0, StatusCode::NOT_FOUND);
    // A hand-in without a lab engine still counts; it is not graded, and says why.
    let session = Session::login(&server.url(""), "s1", PASSWORD).await;
    let (status, body) = session.send(Method::POST, &format!("/api/assignments/{a}/hand-in"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, list) = school.teacher.get(&format!("/api/assignments/{a}/hand-ins")).await;
        if list[0]["state"] == "not_graded" {
            assert!(list[0]["error"].as_str().unwrap_or("").contains("engine"), "{list}");
            break;
        }
        assert!(Instant::now() < deadline, "{list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop().await;
}
