//! Written work and hand scoring in the service, over HTTP with no lab engine: a student
//! hands in the texts a ticket lab asks for, a grader reads them beside the rubric and
//! scores it, and the scores reach the stored report, the results export and its CSV.

mod service_support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use service_support::{Server, Session};

const PASSWORD: &str = "a long enough password";

fn ticket_lab() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/topologies/melding-intranet.yml")).unwrap()
}

async fn import(session: &Session, class: i64, csv: &str) {
    let response = session
        .request(Method::POST, &format!("/api/classes/{class}/students/import"))
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_ticket_hand_in_is_read_beside_the_rubric_and_its_scores_reach_every_report_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("t1", "teacher", PASSWORD).await;
    let s1_id = admin.create_user("s1", "student", PASSWORD).await;
    let s2_id = admin.create_user("s2", "student", PASSWORD).await;
    for (id, number) in [(s1_id, "100001"), (s2_id, "100002")] {
        let (status, _) = admin
            .send(Method::PATCH, &format!("/api/users/{id}"), Some(json!({ "student_number": number })))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let t1 = server.login("t1", PASSWORD).await;
    let s1 = server.login("s1", PASSWORD).await;
    let s2 = server.login("s2", PASSWORD).await;
    let (_, class) = t1.post("/api/classes", json!({ "name": "1A" })).await;
    let class = class["id"].as_i64().unwrap();
    import(&t1, class, "number,name,email\n100001,S1,s1@x.nl\n100002,S2,s2@x.nl\n").await;
    let (status, lab) = t1.post("/api/labs", json!({ "source": ticket_lab() })).await;
    assert_eq!(status, StatusCode::CREATED, "{lab}");
    let (_, assignment) = t1
        .post(
            "/api/assignments",
            json!({ "class_id": class, "lab_id": lab["lab_id"], "opens_at": "2026-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }),
        )
        .await;
    let a = assignment["id"].as_i64().unwrap();
    let rubric = format!("/api/assignments/{a}/students/{s1_id}/rubric");

    // A text the lab does not ask for, or far too long, is refused and nothing is kept.
    let (status, body) =
        s1.post(&format!("/api/assignments/{a}/hand-in"), json!({ "texts": { "essay": "..." } })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("diagnosis, solution, tested, instruction"),
        "{body}"
    );
    let long = "x".repeat(20_001);
    let (status, _) =
        s1.post(&format!("/api/assignments/{a}/hand-in"), json!({ "texts": { "diagnosis": long } })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, none) = s1.get(&format!("/api/assignments/{a}/hand-ins")).await;
    assert_eq!(none.as_array().unwrap().len(), 0, "a refused hand-in is no hand-in");

    let texts = json!({
        "diagnosis": "srv reageerde niet op poort 80; nginx was gestopt (ss -tlnp).",
        "solution": "asbuilt-service start nginx",
        "tested": "curl op pc1 en pc2, ping naar r2",
        "instruction": "1. Open een andere website. 2. ...",
    });
    let (status, handed) = s1.post(&format!("/api/assignments/{a}/hand-in"), json!({ "texts": texts })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{handed}");
    assert_eq!(handed["texts"], texts);

    // The grader reads each text beside its criterion; nothing is scored yet.
    let (status, view) = t1.get(&rubric).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let items = view["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|i| i["earned"].is_null()));
    let writings = view["writings"].as_array().unwrap();
    let diagnosis = writings.iter().find(|w| w["id"] == "diagnosis").unwrap();
    assert_eq!(diagnosis["text"], texts["diagnosis"]);
    assert!(diagnosis["prompt"]["nl"].as_str().unwrap().starts_with("Diagnose"));

    let report_id = server.store_passed_report(&ticket_lab(), a, s1_id, "100001").await;
    let (_, stored) = t1.get(&format!("/api/reports/{report_id}")).await;
    let before = stored["report"]["score"]["percent"].as_f64().unwrap();
    assert!(before < 100.0, "unscored rubric items earn nothing yet: {before}");
    assert_eq!(stored["report"]["counts"]["pending"], 3);

    // Wrong scores are refused whole, with every problem named.
    let (status, body) =
        t1.send(Method::PUT, &rubric, Some(json!({ "diagnose": 1, "instruction": 4, "tested": 1 }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("did you mean `diagnosis`") && message.contains("may get from 0 to 3"),
        "{message}"
    );
    let (_, unchanged) = t1.get(&rubric).await;
    assert!(unchanged["items"].as_array().unwrap().iter().all(|i| i["earned"].is_null()));

    // Scored in two goes: the second keeps the first's items and changes one.
    let (status, view) = t1
        .send(
            Method::PUT,
            &rubric,
            Some(json!({ "diagnosis": 3, "tested": { "points": 1, "comment": "pc2 niet getest" } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let (_, view) = t1.send(Method::PUT, &rubric, Some(json!({ "instruction": 3, "tested": 2 }))).await;
    let earned: Vec<f64> =
        view["items"].as_array().unwrap().iter().map(|i| i["earned"].as_f64().unwrap()).collect();
    assert_eq!(earned, [3.0, 2.0, 3.0]);

    let (_, stored) = t1.get(&format!("/api/reports/{report_id}")).await;
    assert_eq!(stored["report"]["score"]["percent"], 100.0, "{}", stored["report"]["score"]);
    assert_eq!(stored["percent"], 100.0);
    let (_, list) = t1.get(&format!("/api/assignments/{a}/reports")).await;
    assert_eq!(list[0]["percent"], 100.0, "the report list shows the scored total: {list}");
    let (_, results) = t1.get(&format!("/api/assignments/{a}/results")).await;
    let rows = results[0]["checks"].as_array().unwrap();
    let instruction =
        rows.iter().find(|c| c["id"] == "rubric/instruction").expect("rubric rows in the export");
    assert_eq!((instruction["status"].as_str(), instruction["earned"].as_f64()), (Some("scored"), Some(3.0)));
    let w2 =
        results[0]["work_processes"].as_array().unwrap().iter().find(|w| w["code"] == "B1-K1-W2").cloned();
    assert_eq!(w2.unwrap()["percent"], 100.0);
    let csv =
        t1.request(Method::GET, &format!("/api/assignments/{a}/results?format=csv")).send().await.unwrap();
    let csv = csv.text().await.unwrap();
    assert!(csv.lines().any(|l| l.contains("rubric/diagnosis") && l.contains("scored")), "{csv}");

    // The student reads their own scores, but may not score, nor read another's.
    let (status, own) = s1.get(&rubric).await;
    assert_eq!((status, own["items"][0]["earned"].as_f64()), (StatusCode::OK, Some(3.0)));
    let (status, _) = s1.send(Method::PUT, &rubric, Some(json!({ "diagnosis": 3 }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s2.get(&rubric).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Positive control for s2: their own rubric is there, unscored.
    let (status, theirs) = s2.get(&format!("/api/assignments/{a}/students/{s2_id}/rubric")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(theirs["items"].as_array().unwrap().iter().all(|i: &Value| i["earned"].is_null()));
    server.stop().await;
}
