//! The teacher's pages in a real headless Chromium and over HTTP: the topology editor
//! underlining a broken line with the server's message, saving and publishing a lab
//! that the class's student then has, the class-list import showing a bad row's error
//! next to the row, and the class overview refused (404) to a teacher of another class.
//! One test needs a running lab and deploys one small lab on the real Docker engine:
//! the overview's live lab state, pulling a cable and clearing it, and a grading run.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use asbuilt::engine::Engine;
use asbuilt::service::{Config, Service};
use reqwest::StatusCode;
use serde_json::{Value, json};

mod archive_support;
mod browser_support;
mod common;
mod service_support;

use browser_support::Browser;
use service_support::{Server, Session};

const PASSWORD: &str = "a long enough password";
const WAIT: Duration = Duration::from_secs(15);

/// A valid lab: a router and a host on one cable.
const TINY_LAB: &str = "lab: tiny\ntitle: Tiny\ntrains: [B1-K2-W1]\nnodes:\n  r1: { kind: router }\n  pc1: { kind: host }\nlinks:\n  - r1:eth1 -- pc1:eth1\ndesign:\n  addresses:\n    r1:eth1: 10.0.0.1/24\n    pc1:eth1: 10.0.0.11/24\n";

/// The same lab with its cable to a node that does not exist, on line 8.
const BROKEN_LAB: &str = "lab: tiny\ntitle: Tiny\ntrains: [B1-K2-W1]\nnodes:\n  r1: { kind: router }\n  pc1: { kind: host }\nlinks:\n  - r1:eth1 -- pc9:eth1\ndesign:\n  addresses:\n    r1:eth1: 10.0.0.1/24\n    pc1:eth1: 10.0.0.11/24\n";

/// An account made by the admin, with a password; students get a student number.
async fn account(admin: &Session, username: &str, role: &str) -> i64 {
    let mut body = json!({ "username": username, "display_name": format!("{role} {username}"), "role": role,
        "password": PASSWORD });
    if role == "student" {
        body["student_number"] = json!(username);
    }
    let (status, made) = admin.post("/api/users", body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made["id"].as_i64().expect("user id")
}

async fn import(teacher: &Session, class_id: i64, csv: &str) -> Value {
    let response = teacher
        .request(reqwest::Method::POST, &format!("/api/classes/{class_id}/students/import"))
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .expect("import");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("import report")
}

/// Signs in through the login page and waits until it has left it.
async fn sign_in(browser: &Browser, server: &Server, username: &str, password: &str) {
    browser.goto(&server.url("/login")).await;
    browser.fill("#username", username).await;
    browser.fill("#password", password).await;
    browser.click("button[type=submit]").await;
    let deadline = Instant::now() + WAIT;
    while browser.path().await.starts_with("/login") {
        assert!(Instant::now() < deadline, "{username} is still on the login page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn script(browser: &Browser, code: &str) -> Value {
    browser.client.execute(code, vec![]).await.unwrap_or_else(|e| panic!("{code}: {e}"))
}

/// Waits until `code` (a JavaScript expression) is true in the page.
async fn wait_until(browser: &Browser, code: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if script(browser, &format!("return Boolean({code});")).await == Value::Bool(true) {
            return;
        }
        assert!(Instant::now() < deadline, "never true: {code}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_editor_underlines_a_broken_line_with_the_servers_message_and_previews_a_students_variant() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    account(&admin, "juf", "teacher").await;
    account(&admin, "100001", "student").await;
    let teacher = server.login("juf", PASSWORD).await;
    let (_, class) = teacher.post("/api/classes", json!({ "name": "4A" })).await;
    import(&teacher, class["id"].as_i64().unwrap(), "number,name,email\n100001,Sam Student,sam@school.nl\n")
        .await;
    let (status, uploaded) = teacher.post("/api/labs", json!({ "source": TINY_LAB })).await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    let lab_id = uploaded["lab_id"].as_i64().unwrap();

    let browser = Browser::start("en").await;
    sign_in(&browser, &server, "juf", PASSWORD).await;
    browser.goto(&server.url(&format!("/teach/labs/{lab_id}/edit"))).await;
    // The valid lab: no marks, its diagram and its derived checks.
    browser.wait_for_text("#source-status", "No errors", WAIT).await;
    wait_until(&browser, "document.querySelector('#diagram svg')").await;
    let checks: u64 = browser.text("#check-count").await.parse().unwrap();
    assert!(checks > 0, "a cabled, addressed lab has derived checks");
    // Warnings may be underlined (their own colour); errors are not.
    assert_eq!(
        script(&browser, "return document.querySelectorAll('#source-mirror mark.error').length;").await,
        0
    );

    // A student's view: their variant's diagram and the checks they get.
    script(
        &browser,
        "const s = document.getElementById('view-as'); s.value = '100001'; s.dispatchEvent(new Event('change'));",
    )
    .await;
    browser.wait_for_text("#variant-note", "100001", WAIT).await;

    // Typing a cable to a node that does not exist: the mark sits on line 8 and the
    // message names the node.
    browser.fill("#source", BROKEN_LAB).await;
    wait_until(&browser, "document.querySelector('#source-mirror mark.error[data-line=\"8\"]')").await;
    let message = browser.wait_for_text("#diagnostics", "pc9", WAIT).await;
    assert!(message.contains("line 8:"), "the message links to its place: {message}");
    assert_eq!(browser.attribute("#source", "aria-invalid").await.as_deref(), Some("true"));
    let marked =
        script(&browser, "return document.querySelector('#source-mirror mark.error').textContent;").await;
    assert!(marked.as_str().unwrap().contains("pc9"), "the mark covers the bad name: {marked}");
    // The error's mark is on line 8: the mirror's text before it has seven line breaks.
    let before = script(
        &browser,
        "const m = document.getElementById('source-mirror'); const r = document.createRange(); \
         r.setStart(m, 0); r.setEndBefore(m.querySelector('mark.error')); return r.toString().split('\\n').length;",
    )
    .await;
    assert_eq!(before, 8, "the mark starts on line 8");

    // The message's place moves the cursor there.
    browser.click("#diagnostics li.error .place").await;
    let cursor = script(
        &browser,
        "const s = document.getElementById('source'); return [s.selectionStart, document.activeElement.id];",
    )
    .await;
    let line_8_starts = BROKEN_LAB.split('\n').take(7).map(|l| l.len() + 1).sum::<usize>();
    assert!(cursor[0].as_u64().unwrap() as usize >= line_8_starts, "{cursor}");
    assert_eq!(cursor[1], "source");

    // Tab indents with spaces and keeps the focus in the editor.
    browser.fill("#source", "a").await;
    browser.find("#source").await.send_keys("\u{e004}b").await.unwrap(); // WebDriver's Tab key
    assert_eq!(script(&browser, "return document.getElementById('source').value;").await, "a  b");

    // Back to the broken file for the picture.
    browser.fill("#source", BROKEN_LAB).await;
    wait_until(&browser, "document.querySelector('#source-mirror mark[data-line=\"8\"]')").await;
    script(&browser, "window.scrollTo(0, document.querySelector('h1').offsetTop - 8);").await;
    browser.screenshot("teacher-editor").await;
    browser.close().await;
    server.stop().await;
}

/// The editor's validation is the upload's: the same diagnostics at the same places,
/// and for a valid file the diagram and the derived checks of the plan or a variant.
#[tokio::test]
async fn validating_answers_what_an_upload_would_without_storing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    account(&admin, "juf", "teacher").await;
    let teacher = server.login("juf", PASSWORD).await;

    let (status, checked) = teacher.post("/api/labs/validate", json!({ "source": BROKEN_LAB })).await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["valid"], false);
    let (status, refused) = teacher.post("/api/labs", json!({ "source": BROKEN_LAB })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(checked["diagnostics"], refused["error"]["diagnostics"], "one validator, one answer");
    assert_eq!(checked["diagnostics"][0]["line"], 8, "{checked}");

    let (_, plan) = teacher.post("/api/labs/validate", json!({ "source": TINY_LAB, "lang": "en" })).await;
    assert_eq!((plan["valid"].as_bool(), plan["name"].as_str()), (Some(true), Some("tiny")), "{plan}");
    assert!(plan["svg"].as_str().unwrap().contains("<svg"), "{plan}");
    assert!(!plan["checks"].as_array().unwrap().is_empty(), "{plan}");
    assert!(plan["student"].is_null());
    let (_, variant) =
        teacher.post("/api/labs/validate", json!({ "source": TINY_LAB, "student": "100001" })).await;
    assert_eq!(variant["student"], "100001", "{variant}");
    assert!(variant["svg"].as_str().unwrap().contains("student 100001"), "the diagram names the student");
    let (_, labs) = teacher.get("/api/labs").await;
    assert_eq!(labs, json!([]), "validating stores nothing");
    server.stop().await;
}

#[tokio::test]
async fn a_lab_saved_and_published_in_the_editor_is_the_students_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    account(&admin, "juf", "teacher").await;
    account(&admin, "100001", "student").await;
    account(&admin, "100002", "student").await;
    let teacher = server.login("juf", PASSWORD).await;
    let (_, class) = teacher.post("/api/classes", json!({ "name": "4A" })).await;
    let class_id = class["id"].as_i64().unwrap();
    import(&teacher, class_id, "number,name,email\n100001,Sam Student,sam@school.nl\n").await;

    let browser = Browser::start("nl").await;
    sign_in(&browser, &server, "juf", PASSWORD).await;
    browser.goto(&server.url("/teach/labs/new")).await;
    browser.wait_for_text("#source-status", "Geen fouten", WAIT).await;
    browser.fill("#source", TINY_LAB).await;
    browser.click("#save-button").await;
    browser.wait_for_text("#save-result", "versie 1 van tiny", WAIT).await;
    assert!(browser.path().await.ends_with("/edit"), "the page is now the lab's own");
    browser.fill("#publish-title", "Eerste netwerk").await;
    browser.click("#publish-button").await;
    browser.find("#published-link").await;
    let overview = browser.attribute("#published-link", "href").await.unwrap();
    let assignment_id: i64 = overview.rsplit('/').next().unwrap().parse().unwrap();
    browser.close().await;

    // The student of the class sees it on their own page and opens it; a student of no
    // class does not see it, and its address is not found for them.
    let browser = Browser::start("nl").await;
    sign_in(&browser, &server, "100001", PASSWORD).await;
    browser.goto(&server.url("/my")).await;
    let link = format!("a[href=\"/my/assignments/{assignment_id}\"]");
    assert_eq!(browser.text(&link).await, "Eerste netwerk");
    browser.click(&link).await;
    browser.wait_for_text("h1", "Eerste netwerk", WAIT).await;
    browser.close().await;
    let student = server.login("100001", PASSWORD).await;
    let (status, assignments) = student.get("/api/assignments").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        assignments.as_array().unwrap().iter().any(|a| a["id"] == assignment_id && a["state"] == "open"),
        "{assignments}"
    );
    let outsider = server.login("100002", PASSWORD).await;
    let (_, theirs) = outsider.get("/api/assignments").await;
    assert!(theirs.as_array().unwrap().iter().all(|a| a["id"] != assignment_id), "{theirs}");
    let (status, _) = outsider.get(&format!("/my/assignments/{assignment_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another class's assignment page");
    server.stop().await;
}

#[tokio::test]
async fn the_class_list_import_shows_a_bad_rows_error_next_to_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    account(&admin, "juf", "teacher").await;

    let browser = Browser::start("en").await;
    sign_in(&browser, &server, "juf", PASSWORD).await;
    assert_eq!(browser.path().await, "/teach");
    browser.fill("#new-class-name", "4A").await;
    browser.click("form[data-api='/api/classes'] button[type=submit]").await;
    browser.wait_for_text("#class-list", "4A", WAIT).await;
    // A second class of the same name is refused next to the field.
    browser.fill("#new-class-name", "4A").await;
    browser.click("form[data-api='/api/classes'] button[type=submit]").await;
    browser.wait_for_text("#new-class-error", "already have a class", WAIT).await;
    assert_eq!(browser.attribute("#new-class-name", "aria-invalid").await.as_deref(), Some("true"));
    browser.click("#class-list a").await;
    browser.wait_for_text("h1", "4A", WAIT).await;

    let csv = "leerlingnummer;naam;email;klas\n100001;Sam de Vries;sam@school.nl;4A\n100002;Kim Jansen;not-an-address;4A\n100003;Lou Bakker;lou@school.nl;4A\n";
    browser.fill("#csv-text", csv).await;
    browser.click("#import-button").await;
    browser.wait_for_text("#import-summary", "Imported 2 rows", WAIT).await;
    // Row 3 (the header is row 1) carries its own error, next to its text.
    let bad = browser.wait_for_text("#import-row-3 .row-error", "not an address", WAIT).await;
    assert!(bad.contains("not-an-address"), "{bad}");
    assert!(browser.text("#import-row-3").await.contains("Kim Jansen"));
    assert_eq!(browser.text("#import-row-2 td:last-child").await, "imported");
    assert_eq!(browser.text("#import-row-4 td:last-child").await, "imported");
    // The good rows are the class's students now.
    browser.wait_for_text("#student-list", "Lou Bakker", WAIT).await;
    let roster = browser.text("#student-list").await;
    assert!(roster.contains("Sam de Vries") && !roster.contains("Kim Jansen"), "{roster}");
    script(&browser, "document.getElementById('import-summary').scrollIntoView();").await;
    browser.screenshot("teacher-class").await;

    // The imported students get first passwords, shown once; the first one signs in.
    browser.click("#first-passwords-button").await;
    browser.wait_for_text("#first-passwords-summary", "2 first passwords made", WAIT).await;
    let list = browser.text("#first-passwords-list tbody").await;
    assert!(list.contains("Sam de Vries") && list.contains("Lou Bakker") && !list.contains("Kim"), "{list}");
    let password = browser.text("#first-passwords-list tbody tr:first-child td.password").await;
    browser.click("#first-passwords-button").await;
    browser.wait_for_text("#first-passwords-summary", "has a password already", WAIT).await;
    browser.close().await;
    let student = Browser::start("en").await;
    sign_in(&student, &server, "100001", &password).await;
    assert_eq!(student.path().await, "/my", "the first password works");
    student.close().await;
    server.stop().await;
}

#[tokio::test]
async fn a_kathara_lab_imported_as_a_zip_shows_its_report_and_opens_in_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    account(&admin, "juf", "teacher").await;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/kathara");
    let good = dir.path().join("week5.zip");
    let lab = archive_support::entries_of(&fixtures.join("ospf-web-dns"), "lab-main/ospf-web-dns/");
    std::fs::write(&good, archive_support::zip_of(&lab)).unwrap();
    let broken = dir.path().join("week6.zip");
    std::fs::write(
        &broken,
        archive_support::zip_of(&archive_support::entries_of(&fixtures.join("broken-syntax"), "week6/")),
    )
    .unwrap();

    let browser = Browser::start("en").await;
    sign_in(&browser, &server, "juf", PASSWORD).await;
    browser.click("a[href='/teach/labs/import']").await;
    browser.wait_for_text("h1", "Import a lab", WAIT).await;

    // A broken lab.conf: the problem at its file and line in the archive, nothing stored.
    browser.find("#lab-import-file").await.send_keys(&broken.display().to_string()).await.unwrap();
    browser.click("#lab-import-button").await;
    let problem = browser.wait_for_text("#lab-import-problems", "week6/lab.conf:", WAIT).await;
    assert!(browser.text("#lab-import-error").await.contains("error"), "{problem}");
    assert_eq!(
        script(&browser, "return document.getElementById('lab-import-result').hidden;").await,
        json!(true)
    );

    // The good lab: its report, each finding at its place, then the editor.
    script(&browser, "document.getElementById('lab-import-file').value = '';").await;
    browser.find("#lab-import-file").await.send_keys(&good.display().to_string()).await.unwrap();
    browser.click("#lab-import-button").await;
    let summary =
        browser.wait_for_text("#lab-import-summary", "ospf-web-and-dns version 1, from Kathará", WAIT).await;
    assert!(summary.contains("mapped with loss"), "{summary}");
    assert!(browser.text("#lab-import-problems").await.is_empty(), "the old problem is gone");
    let findings = browser.text("#lab-import-findings tbody").await;
    assert!(findings.contains("lab-main/ospf-web-dns/lab.conf:36:14"), "{findings}");
    assert!(browser.text("#lab-import-nodes").await.contains("r1: "), "every node with its mode");
    browser.screenshot("teacher-lab-import").await;
    browser.click("#lab-import-open").await;
    browser.wait_for_text("h1", "ospf-web-and-dns", WAIT).await;
    let source = script(&browser, "return document.getElementById('source').value;").await;
    assert!(source.as_str().unwrap().contains("lab: ospf-web-and-dns"), "{source}");
    // The teacher's home lists the lab.
    browser.goto(&server.url("/teach")).await;
    browser.wait_for_text("#lab-list", "ospf-web-and-dns", WAIT).await;
    browser.close().await;
    server.stop().await;
}

/// A full report as the checks library stores one: two checks, one passed.
fn stored_report(student: &str) -> String {
    json!({
        "version": 1, "lab": "tiny", "title": { "en": "Tiny" }, "language": "en",
        "student": student, "seed": "s", "timestamp": "2026-12-01T10:00:00Z", "student_view": false,
        "score": { "earned": 1.0, "possible": 2.0, "percent": 50.0 },
        "work_processes": [{ "code": "B1-K2-W1", "name": { "en": "Builds a network" },
            "earned": 1.0, "possible": 2.0, "percent": 50.0 }],
        "counts": { "pass": 1, "fail": 1, "error": 0, "skipped": 0 },
        "checks": [
            { "id": "addr-r1-eth1", "origin": "derived", "title": { "en": "r1:eth1 has 10.0.0.1/24" },
              "status": "pass", "weight": 1.0, "earned": 1.0, "trains": ["B1-K2-W1"],
              "expected": null, "observed": { "en": "10.0.0.1/24" }, "reason": null, "hint": null,
              "reveal": true, "attempts": 1, "duration_ms": 3,
              "evidence": [{ "influence": "asbuilt", "method": "netlink in r1's network namespace",
                "raw": "eth1 10.0.0.1/24" }] },
            { "id": "ping-pc1-r1", "origin": "derived", "title": { "en": "pc1 reaches r1" },
              "status": "fail", "weight": 1.0, "earned": 0.0, "trains": ["B1-K2-W1"],
              "expected": { "en": "replies" }, "observed": { "en": "no reply" }, "reason": null, "hint": null,
              "reveal": true, "attempts": 3, "duration_ms": 3000, "evidence": [] }
        ]
    })
    .to_string()
}

#[tokio::test]
async fn the_class_overview_is_its_teachers_and_a_teacher_of_another_class_gets_404() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    let owner_id = account(&admin, "juf", "teacher").await;
    account(&admin, "meester", "teacher").await;
    let grader_id = account(&admin, "nakijker", "grader").await;
    let student_id = account(&admin, "100001", "student").await;
    let owner = server.login("juf", PASSWORD).await;
    let other = server.login("meester", PASSWORD).await;
    let grader = server.login("nakijker", PASSWORD).await;
    let student = server.login("100001", PASSWORD).await;
    let (_, class) = owner.post("/api/classes", json!({ "name": "4A" })).await;
    let class_id = class["id"].as_i64().unwrap();
    owner.send(reqwest::Method::PUT, &format!("/api/classes/{class_id}/graders/{grader_id}"), None).await;
    import(&owner, class_id, "number,name,email\n100001,Sam Student,sam@school.nl\n").await;
    let (_, lab) = owner.post("/api/labs", json!({ "source": TINY_LAB })).await;
    let (status, assignment) = owner
        .post(
            "/api/assignments",
            json!({ "class_id": class_id, "lab_id": lab["lab_id"], "title": "Eerste netwerk",
                "opens_at": "2026-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{assignment}");
    let assignment_id = assignment["id"].as_i64().unwrap();
    // Without a lab engine no grading run can make a report: store one as a run would.
    let report_id = sqlx::query(
        "INSERT INTO reports (assignment_id, student_id, instance, ran_by, ran_at, student_view, earned, \
         possible, percent, duration_ms, report_json) VALUES (?, ?, 'svc-tiny-a1-100001', ?, 1764583200, 0, 1, 2, 50, 3003, ?)",
    )
    .bind(assignment_id)
    .bind(student_id)
    .bind(owner_id)
    .bind(stored_report("100001"))
    .execute(&server.state.db)
    .await
    .expect("store a report")
    .last_insert_rowid();

    let page = |session: &Session, path: String| {
        let request = session.client.get(format!("{}{path}", session.base));
        async move {
            let response = request.send().await.expect("page");
            (response.status(), response.text().await.expect("html"))
        }
    };
    let overview = format!("/teach/assignments/{assignment_id}");
    // The owner (positive control) and the class's grader see it, with the student,
    // the score, the console links and the exports.
    let (status, html) = page(&owner, overview.clone()).await;
    assert_eq!(status, StatusCode::OK);
    // The account existed before the import, so it keeps its own name.
    for wanted in [
        "student 100001",
        "50%",
        &format!("/consoles/{assignment_id}/{student_id}/r1"),
        &format!("/api/assignments/{assignment_id}/results?format=csv&amp;by=work_process"),
        "id=\"cable-form\"",
    ] {
        assert!(html.contains(wanted), "the owner's overview lacks {wanted}");
    }
    let (status, html) = page(&grader, overview.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("student 100001") && !html.contains("id=\"cable-form\""), "a grader watches only");
    // A teacher of another class, and the student, get 404 for the overview, the class
    // and the report alike.
    for path in
        [overview.clone(), format!("/teach/classes/{class_id}"), format!("/teach/reports/{report_id}")]
    {
        let (status, _) = page(&other, path.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} as another teacher");
        let (status, _) = page(&student, path.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} as a student");
        let (status, _) = page(&owner, path.clone()).await;
        assert_eq!(status, StatusCode::OK, "{path} as its teacher");
    }
    let (_, report) = page(&owner, format!("/teach/reports/{report_id}")).await;
    assert!(report.contains("netlink in r1"), "the evidence's method is shown: {report}");
    // (tera escapes `/` as well.)
    assert!(report.contains("eth1 10.0.0.1&#x2F;24"), "the evidence's raw text is shown");

    // In Chromium: the stored results are in the table, and the page polls.
    let browser = Browser::start("en").await;
    sign_in(&browser, &server, "juf", PASSWORD).await;
    browser.goto(&server.url(&overview)).await;
    browser.wait_for_text("#results", "student 100001", WAIT).await;
    browser.wait_for_text("#live-note", "Updated", WAIT).await;
    browser.close().await;
    server.stop().await;
}

/// Two hosts on one cable: the smallest lab with a cable to pull.
const TWO_HOSTS: &str = "lab: tiny\ntitle: Tiny\ntrains: [B1-K2-W1]\nnodes:\n  pc1: { kind: host }\n  pc2: { kind: host }\nlinks:\n  - pc1:eth1 -- pc2:eth1\ndesign:\n  addresses:\n    pc1:eth1: 192.0.2.11/24\n    pc2:eth1: 192.0.2.12/24\n";

/// This file's labs, named with their own prefix so no other test's labs are touched.
const PREFIX: &str = "t-wt-";

/// Whether pc1 reaches pc2 across the lab's one cable (a few tries: a cable just
/// plugged in needs a moment).
async fn pings(engine: &asbuilt::engine::docker::DockerEngine, instance: &asbuilt::plan::InstanceId) -> bool {
    let argv: Vec<String> =
        ["ping", "-c", "1", "-W", "1", "192.0.2.12"].iter().map(|s| s.to_string()).collect();
    for _ in 0..5 {
        let out =
            engine.exec(instance, "pc1", None, &argv, None, Duration::from_secs(5)).await.expect("exec ping");
        if out.exit_code == 0 {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_follows_a_students_lab_live_pulls_and_restores_a_cable_and_grades_the_class() {
    let _cleanup = common::DestroyOnDrop(PREFIX);
    let dir = tempfile::tempdir().unwrap();
    let engine = std::sync::Arc::new(common::engine().await);
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        lab_prefix: PREFIX.to_string(),
        ..Config::default()
    };
    let (mut service, first_admin) = Service::open(config).await.expect("service opens");
    // As `asbuilt serve` does: grading uses the engine, the lifecycle deploys through it.
    service.state.engine = Some(engine.clone());
    service.start_labs(engine.clone()).await.expect("the lifecycle starts");
    let server = Server::serve(service, first_admin).await;

    let admin = server.login("admin", &server.admin_password()).await;
    account(&admin, "juf", "teacher").await;
    account(&admin, "100001", "student").await;
    let teacher = server.login("juf", PASSWORD).await;
    let student = server.login("100001", PASSWORD).await;
    let (_, class) = teacher.post("/api/classes", json!({ "name": "4A" })).await;
    import(&teacher, class["id"].as_i64().unwrap(), "number,name,email\n100001,Sam Student,sam@school.nl\n")
        .await;
    let (_, lab) = teacher.post("/api/labs", json!({ "source": TWO_HOSTS })).await;
    let (_, assignment) = teacher
        .post(
            "/api/assignments",
            json!({ "class_id": class["id"], "lab_id": lab["lab_id"], "title": "Twee hosts",
                "opens_at": "2026-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }),
        )
        .await;
    let assignment_id = assignment["id"].as_i64().expect("assignment");
    let (status, requested) =
        student.post(&format!("/api/assignments/{assignment_id}/instance"), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{requested}");
    let name = requested["name"].as_str().unwrap().to_string();
    let instance = asbuilt::plan::InstanceId::parse(&name).unwrap();

    // The teacher's overview, opened while the lab is still on its way, turns to ready
    // by itself.
    let browser = Browser::start("en").await;
    sign_in(&browser, &server, "juf", PASSWORD).await;
    browser.goto(&server.url(&format!("/teach/assignments/{assignment_id}"))).await;
    let row = format!("#lab-states tr[data-instance='{name}'] .lab-state");
    let first = browser.attribute(&row, "data-state").await.unwrap_or_default();
    browser.wait_for_text(&row, "ready", Duration::from_secs(180)).await;
    eprintln!("the overview showed {first:?} first, then ready without a reload");

    // Pull pc1's cable: the engine's record says it is down; clearing the fault plugs
    // it back in with no delay or loss.
    script(&browser, "document.getElementById('cable-endpoint').value = 'pc1:eth1';").await;
    browser.click("[data-cable=pull]").await;
    browser.wait_for_text("#cable-result", "pc1:eth1: down", WAIT).await;
    let endpoint = asbuilt::design::Endpoint { node: "pc1".into(), interface: "eth1".into() };
    let record = engine.record(&instance).await.expect("record");
    assert!(!record.link_setting(&endpoint).up, "the cable is pulled in the lab");
    assert!(!pings(&engine, &instance).await, "pc1 reaches pc2 with its cable pulled");
    browser.click("[data-cable=clear]").await;
    browser.wait_for_text("#cable-result", "pc1:eth1: up", WAIT).await;
    let record = engine.record(&instance).await.expect("record");
    let setting = record.link_setting(&endpoint);
    assert!(setting.up && setting.delay_ms == 0 && setting.loss_percent == 0.0, "{setting:?}");
    assert!(pings(&engine, &instance).await, "pc1 reaches pc2 again once the fault is cleared");

    // Grade the class: the run's progress streams in, then the results table shows the
    // student with full marks (asbuilt built every part of this lab).
    browser.click("#run-button").await;
    browser.wait_for_text("#run-log", "Done: 1 graded", Duration::from_secs(120)).await;
    let results = browser.wait_for_text("#results", "student 100001", WAIT).await;
    assert!(results.contains("100%"), "{results}");
    browser
        .wait_for_text(&format!("#lab-states tr[data-instance='{name}'] .latest-score"), "100", WAIT)
        .await;
    script(&browser, "window.scrollTo(0, 0);").await;
    browser.screenshot("teacher-overview").await;
    browser.close().await;

    let (status, _) = student.send(reqwest::Method::DELETE, &format!("/api/instances/{name}"), None).await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}
