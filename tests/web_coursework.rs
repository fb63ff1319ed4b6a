//! A ticket lab's written work in a real headless Chromium, with no lab engine: the
//! student's page shows the ticket, a field per text the lab asks for and the rubric;
//! the teacher's report page shows each handed-in text beside its criterion, and the
//! scores saved there reach the report and the student's page.

use std::time::Duration;

use asbuilt::design::Lab;
use asbuilt::topology::Source;
use reqwest::StatusCode;
use serde_json::json;

mod browser_support;
mod service_support;

use browser_support::Browser;
use service_support::{Server, Session};

const PASSWORD: &str = "a long enough password";
const WAIT: Duration = Duration::from_secs(15);

fn ticket_lab() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/topologies/melding-intranet.yml")).unwrap()
}

async fn sign_in(browser: &Browser, server: &Server, username: &str) {
    browser.goto(&server.url("/login")).await;
    browser.fill("#username", username).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    let deadline = std::time::Instant::now() + WAIT;
    while browser.path().await.starts_with("/login") {
        assert!(std::time::Instant::now() < deadline, "{username} is still on the login page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn account(admin: &Session, username: &str, role: &str) -> i64 {
    let mut body = json!({ "username": username, "display_name": format!("{role} {username}"), "role": role,
        "password": PASSWORD });
    if role == "student" {
        body["student_number"] = json!(username);
    }
    let (status, made) = admin.post("/api/users", body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_teacher_scores_the_handed_in_ticket_beside_its_rubric_and_the_student_sees_the_score() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    account(&admin, "juf", "teacher").await;
    let student_id = account(&admin, "100001", "student").await;
    let teacher = server.login("juf", PASSWORD).await;
    let student = server.login("100001", PASSWORD).await;
    let (_, class) = teacher.post("/api/classes", json!({ "name": "1A" })).await;
    let class_id = class["id"].as_i64().unwrap();
    let imported = teacher
        .request(reqwest::Method::POST, &format!("/api/classes/{class_id}/students/import"))
        .header("content-type", "text/csv")
        .body("number,name,email\n100001,Sam,sam@school.nl\n")
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::OK);
    let (_, lab) = teacher.post("/api/labs", json!({ "source": ticket_lab() })).await;
    let (_, assignment) = teacher
        .post(
            "/api/assignments",
            json!({ "class_id": class_id, "lab_id": lab["lab_id"], "title": "Melding",
                "opens_at": "2026-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }),
        )
        .await;
    let a = assignment["id"].as_i64().unwrap();

    // The student's page before handing in: the ticket, a field per text, the rubric.
    let browser = Browser::start("nl").await;
    sign_in(&browser, &server, "100001").await;
    browser.goto(&server.url(&format!("/my/assignments/{a}"))).await;
    browser.wait_for_text(".ticket-message", "intranetsite", WAIT).await;
    assert!(browser.text(".ticket-message").await.contains("Anouk de Vries"));
    for id in ["diagnosis", "solution", "tested", "instruction"] {
        browser.find(&format!("textarea#text-{id}")).await;
    }
    let label = browser.text("label[for=text-instruction]").await;
    assert!(label.starts_with("Instructie voor Anouk"), "{label}");
    browser.wait_for_text("[data-rubric-item=diagnosis]", "nog niet beoordeeld", WAIT).await;

    // Handed in through the API the button calls (without a lab engine the page keeps
    // the button off, as there is no running lab to grade).
    let (status, handed) = student
        .post(
            &format!("/api/assignments/{a}/hand-in"),
            json!({ "texts": { "diagnosis": "nginx op srv was gestopt <b>echt</b>", "instruction": "1. Probeer pc2." } }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{handed}");
    let report_id = server.store_passed_report(&ticket_lab(), a, student_id, "100001").await;
    browser.goto(&server.url(&format!("/my/assignments/{a}"))).await;
    browser.wait_for_text(".handed-in-texts", "nginx op srv was gestopt <b>echt</b>", WAIT).await;
    let fields = browser
        .client
        .execute("return document.querySelectorAll('textarea[data-writing]').length;", vec![])
        .await
        .unwrap();
    assert_eq!(fields, json!(0), "what was handed in is shown, no longer editable");
    browser.close().await;

    // The teacher reads the texts beside the criteria and scores in the report page.
    let browser = Browser::start("en").await;
    sign_in(&browser, &server, "juf").await;
    browser.goto(&server.url(&format!("/teach/reports/{report_id}"))).await;
    // Which of the pool's faults this student drew, for judging the diagnosis.
    let drawn = Lab::load(&Source::new("t.yml", ticket_lab())).unwrap().design_for(Some("100001")).faults;
    let faults = browser.wait_for_text("ul.faults", ":", WAIT).await;
    assert!(faults.contains(&drawn[0].kind.to_string()), "{faults}");
    let diagnosis = browser.wait_for_text("[data-item=diagnosis] .handed-in", "nginx", WAIT).await;
    assert!(diagnosis.contains("<b>echt</b>"), "the student's text is shown as text: {diagnosis}");
    browser.wait_for_text("[data-item=tested]", "handed in no text", WAIT).await;
    browser.fill("[data-item=diagnosis] input", "3").await;
    browser.fill("[data-item=diagnosis] textarea", "Oorzaak en test genoemd.").await;
    browser.fill("[data-item=tested] input", "2").await;
    browser.fill("[data-item=instruction] input", "5").await;
    browser.click("#rubric-form button[type=submit]").await;
    // Over the item's 3 points: the form itself refuses to send (the API's own refusal
    // is tested in tests/service_coursework.rs), and nothing is kept.
    let over = browser
        .client
        .execute(
            "return document.querySelector('[data-item=instruction] input').validity.rangeOverflow;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(over, json!(true));
    let (_, rubric) = teacher.get(&format!("/api/assignments/{a}/students/{student_id}/rubric")).await;
    assert!(rubric["items"].as_array().unwrap().iter().all(|i| i["earned"].is_null()), "{rubric}");
    browser.fill("[data-item=instruction] input", "3").await;
    browser.click("#rubric-form button[type=submit]").await;
    browser.wait_for_text("#rubric-status", "Scores saved", WAIT).await;
    browser.wait_for_text("main", "100%", WAIT).await;
    browser.close().await;

    let (_, stored) = teacher.get(&format!("/api/reports/{report_id}")).await;
    assert_eq!(stored["report"]["score"]["percent"], 100.0);
    let comment = &stored["report"]["rubric"][0];
    assert_eq!(
        (comment["id"].as_str(), comment["comment"].as_str()),
        (Some("diagnosis"), Some("Oorzaak en test genoemd."))
    );

    // The student sees the scores and the comment on their page.
    let browser = Browser::start("en").await;
    sign_in(&browser, &server, "100001").await;
    browser.goto(&server.url(&format!("/my/assignments/{a}"))).await;
    let row = browser.wait_for_text("[data-rubric-item=diagnosis]", "3 / 3", WAIT).await;
    assert!(row.contains("Oorzaak en test genoemd."), "{row}");
    browser.close().await;
    server.stop().await;
}
