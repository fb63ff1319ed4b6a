//! The service over HTTP: the real router on 127.0.0.1 port 0 with a temporary data
//! directory, through a real HTTP client. No Docker needed.

use std::net::SocketAddr;
use std::path::Path;

use asbuilt::service::{Config, Service};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

mod service_support;

use service_support::{Server, Session};

impl Server {
    async fn start(data_dir: &Path) -> Server {
        Server::start_with(Config { data_dir: data_dir.to_path_buf(), ..test_config() }).await
    }

    async fn start_with(config: Config) -> Server {
        let (service, first_admin) = Service::open(config).await.expect("service opens");
        Server::serve(service, first_admin).await
    }
}

fn test_config() -> Config {
    Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        login_failures_per_account: 3,
        login_failures_per_address: 50,
        ..Config::default()
    }
}

impl Session {
    async fn post_csv(&self, path: &str, csv: &str) -> (StatusCode, Value) {
        let response = self
            .request(Method::POST, path)
            .header("content-type", "text/csv")
            .body(csv.to_string())
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

const PASSWORD: &str = "a long enough password";

/// The smallest containerlab topology, for `POST /api/labs/import`.
const CONTAINERLAB_LAB: &str = "name: clab-tiny\ntopology:\n  nodes:\n    r1: { kind: linux, image: frrouting/frr }\n    pc1: { kind: linux, image: alpine }\n  links:\n    - endpoints: [\"r1:eth1\", \"pc1:eth1\"]\n";

const VALID_LAB: &str = "lab: tiny\ntitle: Tiny\ntrains: [B1-K2-W1]\nnodes:\n  r1: { kind: router }\n  pc1: { kind: host }\nlinks:\n  - r1:eth1 -- pc1:eth1\ndesign:\n  addresses:\n    r1:eth1: 10.0.0.1/24\n    pc1:eth1: 10.0.0.11/24\n";

/// Two errors: an unknown node on line 8 and an address on an uncabled interface on
/// line 12.
const BROKEN_LAB: &str = "lab: broken\ntitle: Broken\ntrains: [B1-K2-W1]\nnodes:\n  r1: { kind: router }\n  pc1: { kind: host }\nlinks:\n  - r1:eth1 -- pc9:eth1\ndesign:\n  addresses:\n    r1:eth1: 10.0.0.1/24\n    pc1:eth1: 10.0.0.300/24\n";

/// A report with no checks, as the checks library serializes one.
const EMPTY_REPORT: &str = r#"{"version":1,"lab":"tiny","title":{"en":"Tiny"},"language":"en","student":null,"seed":null,"timestamp":"2026-01-01T00:00:00Z","student_view":false,"score":{"earned":0.0,"possible":0.0,"percent":0.0},"work_processes":[],"counts":{"pass":0,"fail":0,"error":0,"skipped":0},"checks":[]}"#;

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_user_logs_in_with_an_http_only_cookie_and_a_wrong_password_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let client = Client::new();
    let response = client
        .post(server.url("/api/auth/login"))
        .json(&json!({ "username": "admin", "password": server.admin_password() }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect();
    let session = cookies.iter().find(|c| c.starts_with("asbuilt_session=")).expect("session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
    assert!(
        !session.contains("Secure"),
        "plain HTTP without secure-cookies must not mark it Secure: {session}"
    );

    let wrong = client
        .post(server.url("/api/auth/login"))
        .json(&json!({ "username": "admin", "password": "not the password" }))
        .send()
        .await
        .expect("login");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("set-cookie").is_none(), "a failed login sets no cookie");
    let body: Value = wrong.json().await.expect("json error");
    assert_eq!(error_code(&body), "bad_login");

    let me = server.login("admin", &server.admin_password()).await;
    let (status, body) = me.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["role"], "admin");
    let (status, _) = me.send(Method::POST, "/api/auth/logout", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = me.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "logout ends the session");
    server.stop().await;
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_retry_after_but_other_accounts_are_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("jan", "teacher", PASSWORD).await;
    let client = Client::new();
    for _ in 0..3 {
        let response = client
            .post(server.url("/api/auth/login"))
            .json(&json!({ "username": "jan", "password": "guess guess guess" }))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now: the throttle is checked first.
    let throttled = client
        .post(server.url("/api/auth/login"))
        .json(&json!({ "username": "jan", "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = throttled
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry >= 1, "{retry}");
    let body: Value = throttled.json().await.expect("json");
    assert_eq!(error_code(&body), "throttled");

    // Positive control: another account from the same address still logs in.
    admin.create_user("piet", "teacher", PASSWORD).await;
    server.login("piet", PASSWORD).await;
    let (_, metrics) = admin.get("/metrics").await;
    let metrics = metrics.as_str().expect("text").to_string();
    assert!(metrics.contains("asbuilt_login_failures_total 3"), "{metrics}");
    server.stop().await;
}

#[tokio::test]
async fn a_cookie_change_without_the_csrf_token_is_refused_and_with_it_goes_through() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;

    let without = admin
        .client
        .post(server.url("/api/classes"))
        .json(&json!({ "name": "4A" }))
        .send()
        .await
        .expect("request");
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let body: Value = without.json().await.expect("json");
    assert_eq!(error_code(&body), "csrf");

    let forged = admin
        .client
        .post(server.url("/api/classes"))
        .header("x-csrf-token", "0".repeat(64))
        .json(&json!({ "name": "4A" }))
        .send()
        .await
        .expect("request");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let (status, _) = admin.get("/api/classes").await;
    assert_eq!(status, StatusCode::OK, "reading needs no token");
    let (status, body) = admin.post("/api/classes", json!({ "name": "4A" })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, classes) = admin.get("/api/classes").await;
    assert_eq!(classes.as_array().expect("list").len(), 1, "only the request with the token made a class");
    server.stop().await;
}

#[tokio::test]
async fn an_api_token_works_without_csrf_until_its_owner_revokes_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("jan", "teacher", PASSWORD).await;
    let jan = server.login("jan", PASSWORD).await;
    let (status, created) = jan.post("/api/tokens", json!({ "name": "grading script" })).await;
    assert_eq!(status, StatusCode::CREATED);
    let token = created["token"].as_str().expect("token shown once").to_string();
    let id = created["id"].as_i64().expect("id");

    let (_, listed) = jan.get("/api/tokens").await;
    assert_eq!(listed[0]["name"], "grading script");
    assert!(!listed.to_string().contains(&token), "the secret is never shown again");

    let script = Client::new();
    let made = script
        .post(server.url("/api/classes"))
        .bearer_auth(&token)
        .json(&json!({ "name": "4B" }))
        .send()
        .await
        .expect("request");
    assert_eq!(made.status(), StatusCode::CREATED, "a bearer token needs no CSRF token");

    // Someone else cannot revoke it, not even an admin: tokens are their owner's.
    let (status, _) = admin.send(Method::DELETE, &format!("/api/tokens/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = jan.send(Method::DELETE, &format!("/api/tokens/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let after = script.get(server.url("/api/me")).bearer_auth(&token).send().await.expect("request");
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test]
async fn a_class_list_import_keeps_good_rows_reports_bad_ones_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("jan", "teacher", PASSWORD).await;
    let jan = server.login("jan", PASSWORD).await;
    let (_, class) = jan.post("/api/classes", json!({ "name": "4A" })).await;
    let class_id = class["id"].as_i64().expect("class id");
    let csv = "\u{feff}Leerlingnummer;Roepnaam;Tussenvoegsel;Achternaam;E-mailadres;Klas\n\
               100001;Jan;de;Vries;jan@school.nl;4A\n\
               ;Zonder;;Nummer;z@school.nl;4A\n\
               100003;Kees;;Bakker;geen-adres;4A\n\
               100004;Anna;;Smit;anna@school.nl;4B\n\
               100005;Fatima;el;Amrani;fatima@school.nl;4A\n";
    let path = format!("/api/classes/{class_id}/students/import");
    let (status, report) = jan.post_csv(&path, csv).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["imported"], 2);
    assert_eq!(report["created"], 2);
    let rows: Vec<i64> =
        report["errors"].as_array().expect("errors").iter().map(|e| e["row"].as_i64().unwrap()).collect();
    assert_eq!(rows, [3, 4, 5]);
    assert!(report["errors"][2]["message"].as_str().unwrap().contains("4B"), "{report}");

    let (status, again) = jan.post_csv(&path, csv).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["imported"], 2);
    assert_eq!(again["created"], 0, "the student number is the key: nobody is made twice");
    let (_, students) = jan.get(&format!("/api/classes/{class_id}/students")).await;
    let names: Vec<&str> =
        students.as_array().expect("list").iter().map(|s| s["display_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Jan de Vries", "Fatima el Amrani"]);

    let (status, body) = jan.post_csv(&path, "naam;email\nA;a@x.nl\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("student number"), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_teachers_import_links_another_teachers_student_but_never_changes_their_account() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("t1", "teacher", PASSWORD).await;
    admin.create_user("t2", "teacher", PASSWORD).await;
    let t1 = server.login("t1", PASSWORD).await;
    let t2 = server.login("t2", PASSWORD).await;
    let (_, c1) = t1.post("/api/classes", json!({ "name": "4A" })).await;
    let c1 = c1["id"].as_i64().expect("class");
    let (_, c2) = t2.post("/api/classes", json!({ "name": "Netwerken" })).await;
    let c2 = c2["id"].as_i64().expect("class");
    let (status, report) = t1
        .post_csv(
            &format!("/api/classes/{c1}/students/import"),
            "number;name;email
100001;Jan de Vries;jan@school.nl
",
        )
        .await;
    assert_eq!((status, report["created"].as_i64()), (StatusCode::OK, Some(1)), "{report}");

    // Another teacher's list names the same student number differently.
    let (status, report) = t2
        .post_csv(
            &format!("/api/classes/{c2}/students/import"),
            "number;name;email
100001;Someone Else;someone@elsewhere.nl
",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!((report["imported"].as_i64(), report["created"].as_i64()), (Some(1), Some(0)), "{report}");
    assert_eq!(report["kept"][0]["row"], 2, "{report}");
    assert!(report["kept"][0]["message"].as_str().unwrap().contains("exists, kept as is"), "{report}");
    for (teacher, class) in [(&t1, c1), (&t2, c2)] {
        let (_, students) = teacher.get(&format!("/api/classes/{class}/students")).await;
        assert_eq!(students[0]["display_name"], "Jan de Vries", "{students}");
        assert_eq!(students[0]["email"], "jan@school.nl", "{students}");
    }

    // Positive controls: a row that matches the account is not reported, and an admin
    // does change the account.
    let (_, report) = t2
        .post_csv(
            &format!("/api/classes/{c2}/students/import"),
            "number;name;email
100001;Jan de Vries;jan@school.nl
",
        )
        .await;
    assert_eq!(report["kept"], json!([]), "{report}");
    let (_, students) = t1.get(&format!("/api/classes/{c1}/students")).await;
    let id = students[0]["id"].as_i64().expect("student id");
    let (status, _) = admin
        .send(
            Method::PATCH,
            &format!("/api/users/{id}"),
            Some(json!({ "display_name": "Jan de Vries-Bakker" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, students) = t1.get(&format!("/api/classes/{c1}/students")).await;
    assert_eq!(students[0]["display_name"], "Jan de Vries-Bakker", "{students}");
    server.stop().await;
}

#[tokio::test]
async fn without_a_lab_engine_lab_actions_answer_503_with_a_code_and_accounts_still_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("t1", "teacher", PASSWORD).await;
    let t1 = server.login("t1", PASSWORD).await;
    let (status, class) = t1.post("/api/classes", json!({ "name": "4A" })).await;
    assert_eq!(status, StatusCode::CREATED, "accounts and classes work: {class}");
    let (_, lab) = t1.post("/api/labs", json!({ "source": VALID_LAB })).await;
    let (_, assignment) = t1
        .post("/api/assignments", json!({ "class_id": class["id"], "lab_id": lab["lab_id"], "opens_at": "2026-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }))
        .await;
    let (status, body) = t1.post(&format!("/api/assignments/{}/runs", assignment["id"]), json!({})).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "engine_unavailable"),
        "{body}"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("lab engine"), "{body}");
    let (status, _) = t1.get(&format!("/api/assignments/{}/results", assignment["id"])).await;
    assert_eq!(status, StatusCode::OK, "stored results need no engine");
    server.stop().await;
}

#[tokio::test]
async fn an_invalid_topology_is_refused_with_every_diagnostic_placed_and_a_valid_one_is_versioned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("jan", "teacher", PASSWORD).await;
    let jan = server.login("jan", PASSWORD).await;

    let (status, body) = jan.post("/api/labs", json!({ "source": BROKEN_LAB })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "invalid_topology");
    let diagnostics = body["error"]["diagnostics"].as_array().expect("diagnostics");
    let places: Vec<(&str, i64, i64)> = diagnostics
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_i64().unwrap(), d["column"].as_i64().unwrap()))
        .collect();
    assert_eq!(places, [("unknown-node", 8, 16), ("unknown-interface", 12, 5)]);
    let (_, labs) = jan.get("/api/labs").await;
    assert_eq!(labs.as_array().expect("list").len(), 0, "nothing of an invalid upload is stored");

    let (status, first) = jan.post("/api/labs", json!({ "source": VALID_LAB })).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!((first["name"].as_str(), first["version"].as_i64()), (Some("tiny"), Some(1)));
    let (_, second) = jan.post("/api/labs", json!({ "source": VALID_LAB })).await;
    assert_eq!(second["version"], 2);
    assert_eq!(second["lab_id"], first["lab_id"]);
    let (status, source) = jan.get(&format!("/api/labs/{}/versions/1", first["lab_id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(source["source"], VALID_LAB);
    server.stop().await;
}

#[tokio::test]
async fn errors_are_json_with_a_code_and_a_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let response = Client::new().get(server.url("/api/nothing-here")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "not_found");
    assert!(body["error"]["message"].is_string());
    let response = Client::new().get(server.url("/api/me")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let health = Client::new().get(server.url("/healthz")).send().await.expect("request");
    assert_eq!(health.status(), StatusCode::OK);
    let health: Value = health.json().await.expect("health json");
    assert_eq!(health, json!({ "status": "ok", "labs": "unavailable" }), "no engine in this test");

    // Rejections axum makes before a handler runs have the same shape.
    let admin = server.login("admin", &server.admin_password()).await;
    let malformed = admin
        .client
        .post(server.url("/api/classes"))
        .header("x-csrf-token", &admin.csrf)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let body: Value = malformed.json().await.expect("json");
    assert_eq!(error_code(&body), "bad_request");
    let (status, body) = admin.get("/api/classes/not-a-number").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "bad_request", "{body}");
    let (status, body) = admin.send(Method::DELETE, "/api/me", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&body), "method_not_allowed");
    server.stop().await;
}

#[tokio::test]
async fn a_restart_on_the_same_data_dir_loses_nothing_and_shows_no_new_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let password = server.admin_password();
    let admin = server.login("admin", &password).await;
    admin.create_user("jan", "teacher", PASSWORD).await;
    let jan = server.login("jan", PASSWORD).await;
    let (_, class) = jan.post("/api/classes", json!({ "name": "4A" })).await;
    let (_, lab) = jan.post("/api/labs", json!({ "source": VALID_LAB })).await;
    let (status, assignment) = jan
        .post(
            "/api/assignments",
            json!({ "class_id": class["id"], "lab_id": lab["lab_id"], "opens_at": "2026-01-01T00:00:00Z",
                    "deadline": "2036-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{assignment}");
    server.stop().await;

    let server = Server::start(dir.path()).await;
    assert!(server.first_admin.is_none(), "the first admin's password is shown once only");
    server.login("admin", &password).await;
    let jan = server.login("jan", PASSWORD).await;
    let (_, classes) = jan.get("/api/classes").await;
    assert_eq!(classes[0]["name"], "4A");
    let (status, kept) = jan.get(&format!("/api/assignments/{}", assignment["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kept["deadline"], "2036-01-01T00:00:00Z");
    let (_, labs) = jan.get("/api/labs").await;
    assert_eq!(labs[0]["versions"].as_array().expect("versions").len(), 1);
    server.stop().await;
}

/// Who calls, in the order of the expectation columns below.
const CALLERS: [&str; 8] =
    ["admin", "teacher", "other teacher", "grader", "other grader", "student", "other student", "anonymous"];

/// Every endpoint against every role. `teacher` owns class C1, lab L1 and assignment
/// A1 (open) and A2 (not yet open); `grader` grades C1; `student` is in C1. The others
/// have their own things elsewhere or nothing.
#[tokio::test]
async fn every_role_gets_exactly_the_status_the_rules_say_on_every_endpoint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    let teacher_id = admin.create_user("t1", "teacher", PASSWORD).await;
    admin.create_user("t2", "teacher", PASSWORD).await;
    let grader_id = admin.create_user("g1", "grader", PASSWORD).await;
    admin.create_user("g2", "grader", PASSWORD).await;
    let student_id = admin.create_user("s1", "student", PASSWORD).await;
    let other_student_id = admin.create_user("s2", "student", PASSWORD).await;
    // Setting a password ends the account's sessions, so that row uses an account
    // nobody in the matrix is logged in as.
    let bystander_id = admin.create_user("x1", "student", PASSWORD).await;
    let t1 = server.login("t1", PASSWORD).await;
    let t2 = server.login("t2", PASSWORD).await;
    let g1 = server.login("g1", PASSWORD).await;
    let g2 = server.login("g2", PASSWORD).await;
    let s1 = server.login("s1", PASSWORD).await;
    let s2 = server.login("s2", PASSWORD).await;

    // The world: C1 of t1 with s1 and g1; C2 of t2 with s2.
    let (_, c1) = t1.post("/api/classes", json!({ "name": "C1" })).await;
    let c1 = c1["id"].as_i64().expect("class");
    let (_, c2) = t2.post("/api/classes", json!({ "name": "C2" })).await;
    let c2 = c2["id"].as_i64().expect("class");
    let (status, _) = t1.send(Method::PUT, &format!("/api/classes/{c1}/graders/{grader_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Students get into a class through an import; make their numbers match.
    for (id, number) in [(student_id, "s1"), (other_student_id, "s2")] {
        set_student_number(&admin, id, number).await;
    }
    let (status, report) = t1
        .post_csv(&format!("/api/classes/{c1}/students/import"), "number,name,email\ns1,S1,s1@x.nl\n")
        .await;
    assert_eq!((status, report["imported"].as_i64()), (StatusCode::OK, Some(1)), "{report}");
    t2.post_csv(&format!("/api/classes/{c2}/students/import"), "number,name,email\ns2,S2,s2@x.nl\n").await;
    let (_, lab) = t1.post("/api/labs", json!({ "source": VALID_LAB })).await;
    let l1 = lab["lab_id"].as_i64().expect("lab");
    let (_, a1) = t1
        .post("/api/assignments", json!({ "class_id": c1, "lab_id": l1, "opens_at": "2026-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }))
        .await;
    let a1 = a1["id"].as_i64().expect("assignment");
    let (_, a2) = t1
        .post("/api/assignments", json!({ "class_id": c1, "lab_id": l1, "opens_at": "2035-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }))
        .await;
    let a2 = a2["id"].as_i64().expect("assignment");
    let (_, token) = t1.post("/api/tokens", json!({ "name": "t1's" })).await;
    let token = token["id"].as_i64().expect("token");
    // Without a lab engine no run or report can be made through the API: store one of
    // each as a run of t1's would.
    let run = sqlx::query(
        "INSERT INTO grading_runs (assignment_id, kind, started_by, started_at, finished_at) VALUES (?, 'class', ?, 0, 1)",
    )
    .bind(a1)
    .bind(teacher_id)
    .execute(&server.state.db)
    .await
    .expect("store a run")
    .last_insert_rowid();
    let report = sqlx::query(
        "INSERT INTO reports (assignment_id, student_id, run_id, instance, ran_by, ran_at, student_view, earned, \
         possible, percent, duration_ms, report_json) VALUES (?, ?, ?, 'tiny-x', ?, 0, 0, 0, 0, 0, 0, ?)",
    )
    .bind(a1)
    .bind(student_id)
    .bind(run)
    .bind(teacher_id)
    .bind(EMPTY_REPORT)
    .execute(&server.state.db)
    .await
    .expect("store a report")
    .last_insert_rowid();
    // s1's lab of a1, as the lifecycle would have stored it. This server runs without a
    // lab engine, so whoever may act on it gets 503 and whoever may not gets 404;
    // tests/service_instances.rs does the same with Docker and real labs.
    let i1 = "svc-tiny-a1-s1";
    sqlx::query(
        "INSERT INTO instances (name, owner_id, assignment_id, state, lab, created_at, updated_at) \
         VALUES (?, ?, ?, 'ready', '{}', 0, 0)",
    )
    .bind(i1)
    .bind(student_id)
    .bind(a1)
    .execute(&server.state.db)
    .await
    .expect("store an instance");

    let anonymous = Session { client: Client::new(), csrf: String::new(), base: server.url("") };
    let sessions = [&admin, &t1, &t2, &g1, &g2, &s1, &s2, &anonymous];
    let mut n = 0;
    let mut unique = move || {
        n += 1;
        n
    };
    // (method, path, body maker, expected status per caller in CALLERS order).
    type Body = Box<dyn FnMut() -> Option<Value>>;
    let none = || -> Body { Box::new(|| None) };
    let rows: Vec<(Method, String, Body, [u16; 8])> = vec![
        (Method::GET, "/healthz".into(), none(), [200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, "/metrics".into(), none(), [200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, "/api/openapi.json".into(), none(), [200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, "/api/me".into(), none(), [200, 200, 200, 200, 200, 200, 200, 401]),
        // A wrong current password: every account gets as far as checking it.
        (
            Method::POST,
            "/api/me/password".into(),
            Box::new(|| Some(json!({ "current": "not the password", "new": "a new long password" }))),
            [400, 400, 400, 400, 400, 400, 400, 401],
        ),
        (Method::GET, "/api/users".into(), none(), [200, 403, 403, 403, 403, 404, 404, 401]),
        (Method::GET, "/api/graders".into(), none(), [200, 200, 200, 403, 403, 404, 404, 401]),
        (
            Method::POST,
            "/api/users".into(),
            Box::new(move || {
                Some(
                    json!({ "username": format!("new{}", unique()), "display_name": "N", "role": "student" }),
                )
            }),
            [201, 403, 403, 403, 403, 404, 404, 401],
        ),
        (
            Method::PATCH,
            format!("/api/users/{other_student_id}"),
            Box::new(|| Some(json!({ "display_name": "S2" }))),
            [200, 403, 403, 403, 403, 404, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/users/{bystander_id}/password"),
            Box::new(|| Some(json!({ "password": PASSWORD }))),
            [204, 403, 403, 403, 403, 404, 404, 401],
        ),
        (Method::GET, "/api/classes".into(), none(), [200, 200, 200, 200, 200, 200, 200, 401]),
        (
            Method::POST,
            "/api/classes".into(),
            {
                let mut k = 0;
                Box::new(move || {
                    k += 1;
                    Some(json!({ "name": format!("made {k}") }))
                })
            },
            [201, 201, 201, 403, 403, 404, 404, 401],
        ),
        (Method::GET, format!("/api/classes/{c1}"), none(), [200, 200, 404, 200, 404, 200, 404, 401]),
        (
            Method::GET,
            format!("/api/classes/{c1}/students"),
            none(),
            [200, 200, 404, 200, 404, 404, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/classes/{c1}/students/import"),
            none(),
            [200, 200, 404, 404, 404, 404, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/classes/{c1}/students/first-passwords"),
            none(),
            [200, 200, 404, 404, 404, 404, 404, 401],
        ),
        (
            Method::PUT,
            format!("/api/classes/{c1}/graders/{grader_id}"),
            none(),
            [204, 204, 404, 404, 404, 404, 404, 401],
        ),
        (Method::GET, "/api/labs".into(), none(), [200, 200, 200, 200, 200, 200, 200, 401]),
        (
            Method::POST,
            "/api/labs".into(),
            Box::new(|| Some(json!({ "source": VALID_LAB }))),
            [201, 201, 201, 403, 403, 404, 404, 401],
        ),
        (Method::POST, "/api/labs/import".into(), none(), [201, 201, 201, 403, 403, 404, 404, 401]),
        (
            Method::POST,
            "/api/labs/validate".into(),
            Box::new(|| Some(json!({ "source": VALID_LAB }))),
            [200, 200, 200, 403, 403, 404, 404, 401],
        ),
        (Method::GET, format!("/api/labs/{l1}"), none(), [200, 200, 404, 404, 404, 404, 404, 401]),
        (Method::GET, format!("/api/labs/{l1}/versions/1"), none(), [200, 200, 404, 404, 404, 404, 404, 401]),
        (Method::GET, "/api/assignments".into(), none(), [200, 200, 200, 200, 200, 200, 200, 401]),
        (
            Method::POST,
            "/api/assignments".into(),
            Box::new(move || {
                Some(
                    json!({ "class_id": c1, "lab_id": l1, "opens_at": "2026-01-01T00:00:00Z", "deadline": "2036-01-01T00:00:00Z" }),
                )
            }),
            [201, 201, 404, 403, 403, 404, 404, 401],
        ),
        (Method::GET, format!("/api/assignments/{a1}"), none(), [200, 200, 404, 200, 404, 200, 404, 401]),
        (Method::GET, format!("/api/assignments/{a2}"), none(), [200, 200, 404, 200, 404, 404, 404, 401]),
        (Method::GET, "/api/tokens".into(), none(), [200, 200, 200, 200, 200, 200, 200, 401]),
        (
            Method::POST,
            "/api/tokens".into(),
            Box::new(|| Some(json!({ "name": "mine" }))),
            [201, 201, 201, 201, 201, 201, 201, 401],
        ),
        // Lab actions without an engine: 503 to whoever may take them, the same 404 or
        // 403 as ever to everyone else.
        (
            Method::POST,
            format!("/api/assignments/{a1}/check"),
            none(),
            [403, 403, 403, 403, 403, 503, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/assignments/{a1}/runs"),
            Box::new(|| Some(json!({}))),
            [503, 503, 404, 503, 404, 404, 404, 401],
        ),
        (
            Method::GET,
            format!("/api/assignments/{a1}/reports"),
            none(),
            [200, 200, 404, 200, 404, 200, 404, 401],
        ),
        (
            Method::GET,
            format!("/api/assignments/{a1}/results"),
            none(),
            [200, 200, 404, 200, 404, 404, 404, 401],
        ),
        (
            Method::GET,
            format!("/api/assignments/{a1}/saved-configs"),
            none(),
            [200, 200, 404, 200, 404, 404, 404, 401],
        ),
        (Method::GET, format!("/api/runs/{run}"), none(), [200, 200, 404, 200, 404, 404, 404, 401]),
        (Method::GET, format!("/api/runs/{run}/events"), none(), [200, 200, 404, 200, 404, 404, 404, 401]),
        (Method::GET, format!("/api/reports/{report}"), none(), [200, 200, 404, 200, 404, 200, 404, 401]),
        (
            Method::GET,
            format!("/api/assignments/{a1}/students/{student_id}/console/r1"),
            none(),
            [503, 503, 404, 503, 404, 503, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/assignments/{a1}/instance"),
            none(),
            [403, 403, 403, 403, 403, 503, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/assignments/{a2}/instance"),
            none(),
            [403, 403, 403, 403, 403, 404, 404, 401],
        ),
        (Method::GET, "/api/instances".into(), none(), [503, 503, 503, 503, 503, 503, 503, 401]),
        (Method::GET, format!("/api/instances/{i1}"), none(), [503, 503, 404, 503, 404, 503, 404, 401]),
        (Method::GET, "/api/instances/svc-nothing".into(), none(), [404, 404, 404, 404, 404, 404, 404, 401]),
        (
            Method::GET,
            format!("/api/instances/{i1}/events"),
            none(),
            [503, 503, 404, 503, 404, 503, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/instances/{i1}/reset"),
            none(),
            [503, 503, 404, 404, 404, 503, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/instances/{i1}/extend"),
            Box::new(|| Some(json!({ "seconds": 60 }))),
            [503, 503, 404, 404, 404, 503, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/instances/{i1}/touch"),
            none(),
            [503, 503, 404, 404, 404, 503, 404, 401],
        ),
        // Cables are the teacher's to pull: graders watch, students (the owner too) never.
        (
            Method::POST,
            format!("/api/instances/{i1}/links"),
            Box::new(|| Some(json!({ "endpoint": "r1:eth1", "up": false }))),
            [503, 503, 404, 403, 403, 404, 404, 401],
        ),
        (Method::DELETE, format!("/api/instances/{i1}"), none(), [503, 503, 404, 404, 404, 503, 404, 401]),
        (Method::GET, format!("/api/instances/{i1}/nodes"), none(), [503, 503, 404, 503, 404, 503, 404, 401]),
        // Handing in is a student's own: staff may never (403), another class's student
        // sees nothing (404). Without an engine the hand-in counts, ungraded.
        (
            Method::POST,
            format!("/api/assignments/{a2}/hand-in"),
            none(),
            [403, 403, 403, 403, 403, 404, 404, 401],
        ),
        (
            Method::POST,
            format!("/api/assignments/{a1}/hand-in"),
            none(),
            [403, 403, 403, 403, 403, 202, 404, 401],
        ),
        (
            Method::GET,
            format!("/api/assignments/{a1}/hand-ins"),
            none(),
            [200, 200, 404, 200, 404, 200, 404, 401],
        ),
        // A student reads their own rubric; the class's staff read and score it.
        (
            Method::GET,
            format!("/api/assignments/{a1}/students/{student_id}/rubric"),
            none(),
            [200, 200, 404, 200, 404, 200, 404, 401],
        ),
        (
            Method::PUT,
            format!("/api/assignments/{a1}/students/{student_id}/rubric"),
            Box::new(|| Some(json!({}))),
            [200, 200, 404, 200, 404, 404, 404, 401],
        ),
        // The owner comes second: everyone before them must fail on a token that exists.
        (Method::DELETE, format!("/api/tokens/{token}"), none(), [404, 204, 404, 404, 404, 404, 404, 401]),
    ];
    let csv = "number,name,email\ns1,S1,s1@x.nl\n";
    let mut failures = Vec::new();
    let mut covered = Vec::new();
    for (method, path, mut body, expected) in rows {
        covered.push((method.clone(), path.clone()));
        // Run the owner of the token last, so the others see a token that still exists.
        let mut order: Vec<usize> = (0..CALLERS.len()).collect();
        if method == Method::DELETE {
            order.retain(|&i| i != 1);
            order.push(1);
        }
        for i in order {
            let status = if path.ends_with("/students/import") {
                sessions[i].post_csv(&path, csv).await.0
            } else if path == "/api/labs/import" {
                sessions[i].post_bytes(&path, CONTAINERLAB_LAB.as_bytes().to_vec()).await.0
            } else {
                sessions[i].send(method.clone(), &path, body()).await.0
            };
            if status.as_u16() != expected[i] {
                failures.push(format!(
                    "{method} {path} as {}: {} (expected {})",
                    CALLERS[i],
                    status.as_u16(),
                    expected[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "unexpected statuses:\n{}", failures.join("\n"));

    // Lists show each caller only their own things.
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);
    let (_, s1_assignments) = s1.get("/api/assignments").await;
    assert!(s1_assignments.as_array().unwrap().iter().all(|a| a["state"] == "open"), "{s1_assignments}");
    assert!(count(&s1_assignments) >= 1);
    let (_, s2_assignments) = s2.get("/api/assignments").await;
    assert_eq!(count(&s2_assignments), 0, "{s2_assignments}");
    let (_, g2_classes) = g2.get("/api/classes").await;
    assert_eq!(count(&g2_classes), 0);
    let (_, g1_classes) = g1.get("/api/classes").await;
    assert_eq!(count(&g1_classes), 1);
    let (_, t2_labs) = t2.get("/api/labs").await;
    assert!(t2_labs.as_array().unwrap().iter().all(|l| l["id"] != l1), "{t2_labs}");

    // Every endpoint of the matrix is in the OpenAPI document, and the document has
    // none the matrix leaves out.
    let (_, doc) = admin.get("/api/openapi.json").await;
    let paths = doc["paths"].as_object().expect("paths");
    let templates = [
        "/healthz",
        "/metrics",
        "/api/openapi.json",
        "/api/me",
        "/api/users",
        "/api/users/{id}",
        "/api/users/{id}/password",
        "/api/classes",
        "/api/classes/{id}",
        "/api/classes/{id}/students",
        "/api/classes/{id}/students/import",
        "/api/classes/{id}/students/first-passwords",
        "/api/classes/{id}/graders/{user_id}",
        "/api/labs",
        "/api/labs/validate",
        "/api/labs/import",
        "/api/labs/{id}",
        "/api/labs/{id}/versions/{version}",
        "/api/assignments",
        "/api/assignments/{id}",
        "/api/tokens",
        "/api/tokens/{id}",
        "/api/auth/login",
        "/api/auth/logout",
        "/api/me/password",
        "/api/graders",
        "/api/assignments/{id}/check",
        "/api/assignments/{id}/runs",
        "/api/assignments/{id}/reports",
        "/api/assignments/{id}/results",
        "/api/assignments/{id}/saved-configs",
        "/api/runs/{id}",
        "/api/runs/{id}/events",
        "/api/reports/{id}",
        "/api/assignments/{id}/students/{student_id}/console/{node}",
        "/api/assignments/{id}/instance",
        "/api/instances",
        "/api/instances/{name}",
        "/api/instances/{name}/events",
        "/api/instances/{name}/reset",
        "/api/instances/{name}/extend",
        "/api/instances/{name}/touch",
        "/api/instances/{name}/links",
        "/api/instances/{name}/nodes",
        "/api/assignments/{id}/hand-in",
        "/api/assignments/{id}/hand-ins",
        "/api/assignments/{id}/students/{student_id}/rubric",
    ];
    for template in templates {
        if template != "/api/openapi.json" {
            assert!(paths.contains_key(template), "{template} is not in the OpenAPI document");
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie", "{schemes}");
    assert_eq!(schemes["token"]["scheme"], "bearer", "{schemes}");
    for documented in paths.keys() {
        assert!(templates.contains(&documented.as_str()), "{documented} is documented but not in the matrix");
    }
    assert_eq!(covered.len(), 56);
    let _ = teacher_id;

    // Logout last, since it ends the sessions the rows above used.
    for (i, session) in sessions.iter().enumerate() {
        let (status, _) = session.send(Method::POST, "/api/auth/logout", None).await;
        let expected = if i == CALLERS.len() - 1 { 401 } else { 204 };
        assert_eq!(status.as_u16(), expected, "logout as {}", CALLERS[i]);
    }
    server.stop().await;
}

/// Gives an account made through the API the student number a class list uses.
async fn set_student_number(admin: &Session, id: i64, number: &str) {
    let (status, body) = admin
        .send(Method::PATCH, &format!("/api/users/{id}"), Some(json!({ "student_number": number })))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn metrics_count_users_by_role_and_requests_by_route_template() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("jan", "teacher", PASSWORD).await;
    let (_, class) = admin.post("/api/classes", json!({ "name": "4A" })).await;
    admin.get(&format!("/api/classes/{}", class["id"])).await;
    let text =
        Client::new().get(server.url("/metrics")).send().await.expect("request").text().await.expect("text");
    for line in [
        "asbuilt_users{role=\"admin\"} 1",
        "asbuilt_users{role=\"teacher\"} 1",
        "asbuilt_users{role=\"student\"} 0",
        "asbuilt_sessions 1",
        "asbuilt_http_requests_total{method=\"GET\",route=\"/api/classes/{id}\",status=\"200\"} 1",
        "asbuilt_http_requests_total{method=\"POST\",route=\"/api/users\",status=\"201\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
    }
    server.stop().await;
}

/// What the lab lifecycle will do: add its own gauges to the same exposition.
#[tokio::test]
async fn another_part_of_the_service_adds_its_metrics_to_the_exposition() {
    struct Queue;
    #[async_trait::async_trait]
    impl asbuilt::service::metrics::MetricsSource for Queue {
        async fn write(&self, db: &sqlx::SqlitePool, out: &mut String) -> Result<(), String> {
            let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                .fetch_one(db)
                .await
                .map_err(|e| e.to_string())?;
            out.push_str(&format!("# TYPE asbuilt_test_gauge gauge\nasbuilt_test_gauge {users}\n"));
            Ok(())
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let before =
        Client::new().get(server.url("/metrics")).send().await.expect("request").text().await.expect("text");
    assert!(!before.contains("asbuilt_test_gauge"), "{before}");
    server.state.metrics.register(std::sync::Arc::new(Queue));
    let after =
        Client::new().get(server.url("/metrics")).send().await.expect("request").text().await.expect("text");
    assert!(after.lines().any(|l| l == "asbuilt_test_gauge 1"), "{after}");
    server.stop().await;
}

/// `asbuilt serve` itself: the first start prints the admin's password, SIGTERM stops
/// it cleanly, and later starts on the same data directory, named by the environment
/// or by a config file instead of the option, print nothing of the kind.
#[tokio::test]
async fn serve_prints_the_first_admin_once_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let first = run_serve_until_sigterm(DataDir::Option(&data)).await;
    assert!(first.contains("username: admin"), "{first}");
    let password = first.lines().find_map(|l| l.trim().strip_prefix("password: ")).expect("password printed");
    assert_eq!(password.len(), 20);
    let second = run_serve_until_sigterm(DataDir::Environment(&data)).await;
    assert!(!second.contains("password"), "the password is shown once only: {second}");
    let config = dir.path().join("asbuilt.toml");
    std::fs::write(&config, format!("data-dir = {:?}\n", data.display().to_string())).expect("write config");
    let third = run_serve_until_sigterm(DataDir::ConfigFile(&config)).await;
    assert!(!third.contains("password"), "the config file names the same data directory: {third}");
}

/// How `asbuilt serve` is told where its data is.
enum DataDir<'a> {
    Option(&'a Path),
    Environment(&'a Path),
    ConfigFile(&'a Path),
}

/// Starts `asbuilt serve` on a free loopback port, waits until it answers /healthz,
/// sends SIGTERM, asserts a clean exit and returns what it printed on stdout.
async fn run_serve_until_sigterm(data_dir: DataDir<'_>) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_asbuilt"));
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ASBUILT_LOG", "info")
        // With Docker here, serve starts the lab lifecycle, which removes strays with its
        // prefix at start: a prefix of its own keeps other tests' labs safe.
        .env("ASBUILT_LAB_PREFIX", "t-api-serve-")
        .env_remove("ASBUILT_DATA_DIR");
    match data_dir {
        DataDir::Option(path) => command.arg("--data-dir").arg(path),
        DataDir::Environment(path) => command.env("ASBUILT_DATA_DIR", path),
        DataDir::ConfigFile(path) => command.arg("--config").arg(path),
    };
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start asbuilt serve");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let address = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(line) = stderr.next_line().await.expect("read stderr") {
            if let Some(rest) = line.split("serving address=").nth(1) {
                return rest.trim().to_string();
            }
        }
        panic!("asbuilt serve ended before serving");
    })
    .await
    .expect("serving within 30 s");
    let health = Client::new().get(format!("http://{address}/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), StatusCode::OK);
    let pid = child.id().expect("running") as i32;
    // SAFETY: kill(2) with a pid this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait())
        .await
        .expect("stops within 30 s of SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status}");
    let mut rest = Vec::new();
    while let Some(line) = stderr.next_line().await.expect("read stderr") {
        rest.push(line);
    }
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
    let mut stdout = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut stdout).await.expect("read stdout");
    stdout
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_cookie_is_secure_over_tls_and_the_throttle_counts_the_forwarded_address()
{
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start_with(Config {
        data_dir: dir.path().to_path_buf(),
        trust_proxy: true,
        login_failures_per_account: 100,
        login_failures_per_address: 2,
        ..test_config()
    })
    .await;
    let login = |proto: &'static str, from: &'static str, password: String| {
        let url = server.url("/api/auth/login");
        async move {
            Client::new()
                .post(url)
                .header("x-forwarded-proto", proto)
                .header("x-forwarded-for", from)
                .json(&json!({ "username": "admin", "password": password }))
                .send()
                .await
                .expect("login")
        }
    };
    let over_tls = login("https", "192.0.2.10", server.admin_password()).await;
    assert_eq!(over_tls.status(), StatusCode::OK);
    let cookie = over_tls.headers().get("set-cookie").expect("cookie").to_str().expect("ascii").to_string();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    let plain = login("http", "192.0.2.10", server.admin_password()).await;
    let cookie = plain.headers().get("set-cookie").expect("cookie").to_str().expect("ascii").to_string();
    assert!(!cookie.contains("Secure"), "{cookie}");

    for _ in 0..2 {
        let wrong = login("https", "192.0.2.66", "wrong password!".into()).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = login("https", "192.0.2.66", server.admin_password()).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS, "the forwarded address is throttled");
    let other = login("https", "192.0.2.67", server.admin_password()).await;
    assert_eq!(other.status(), StatusCode::OK, "another address behind the same proxy is not");
    server.stop().await;
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_and_tokens_and_cannot_log_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    let id = admin.create_user("jan", "teacher", PASSWORD).await;
    let jan = server.login("jan", PASSWORD).await;
    let (_, token) = jan.post("/api/tokens", json!({ "name": "script" })).await;
    let token = token["token"].as_str().expect("token").to_string();
    let bearer = |token: String| {
        let url = server.url("/api/me");
        async move { Client::new().get(url).bearer_auth(token).send().await.expect("request").status() }
    };
    assert_eq!(jan.get("/api/me").await.0, StatusCode::OK);
    assert_eq!(bearer(token.clone()).await, StatusCode::OK);

    let (status, _) =
        admin.send(Method::PATCH, &format!("/api/users/{id}"), Some(json!({ "disabled": true }))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jan.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(bearer(token).await, StatusCode::UNAUTHORIZED);
    let again = Client::new()
        .post(server.url("/api/auth/login"))
        .json(&json!({ "username": "jan", "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test]
async fn uploads_at_the_same_time_each_get_their_own_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = std::sync::Arc::new(server.login("admin", &server.admin_password()).await);
    let uploads = (0..6).map(|_| {
        let admin = admin.clone();
        tokio::spawn(async move { admin.post("/api/labs", json!({ "source": VALID_LAB })).await })
    });
    let mut versions = Vec::new();
    for upload in uploads {
        let (status, body) = upload.await.expect("upload task");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        versions.push(body["version"].as_i64().expect("version"));
    }
    versions.sort();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6]);
    server.stop().await;
}

#[tokio::test]
async fn imports_of_one_list_at_the_same_time_all_succeed_and_make_each_student_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = std::sync::Arc::new(server.login("admin", &server.admin_password()).await);
    let (_, class) = admin.post("/api/classes", json!({ "name": "4A" })).await;
    let path = format!("/api/classes/{}/students/import", class["id"]);
    let csv: String = std::iter::once("leerlingnummer;naam;email\n".to_string())
        .chain((0..40).map(|i| format!("{};Leerling {i};l{i}@school.nl\n", 200000 + i)))
        .collect();
    let imports = (0..4).map(|_| {
        let (admin, path, csv) = (admin.clone(), path.clone(), csv.clone());
        tokio::spawn(async move { admin.post_csv(&path, &csv).await })
    });
    let mut created = 0;
    for import in imports {
        let (status, report) = import.await.expect("import task");
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["imported"], 40);
        created += report["created"].as_i64().expect("created");
    }
    assert_eq!(created, 40, "each student is made by exactly one of the imports");
    let (_, students) = admin.get(&format!("/api/classes/{}/students", class["id"])).await;
    assert_eq!(students.as_array().expect("list").len(), 40);
    server.stop().await;
}

/// The backup of docs/operations.md: `VACUUM INTO` while the service runs and writes,
/// then a service started on the copy has everything.
#[tokio::test]
async fn a_backup_made_while_running_restores_into_a_working_service() {
    use sqlx::ConnectOptions;
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let password = server.admin_password();
    let admin = server.login("admin", &password).await;
    admin.create_user("jan", "teacher", PASSWORD).await;
    let jan = server.login("jan", PASSWORD).await;
    jan.post("/api/classes", json!({ "name": "4A" })).await;

    let restored = tempfile::tempdir().expect("temp dir");
    let backup = restored.path().join("asbuilt.db");
    let mut connection = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.path().join("asbuilt.db"))
        .connect()
        .await
        .expect("open the live database");
    sqlx::query("VACUUM INTO ?")
        .bind(backup.display().to_string())
        .execute(&mut connection)
        .await
        .expect("backup");
    drop(connection);
    // The service goes on working after the backup.
    let (status, _) = jan.post("/api/classes", json!({ "name": "4B" })).await;
    assert_eq!(status, StatusCode::CREATED);
    server.stop().await;

    let copy = Server::start(restored.path()).await;
    assert!(copy.first_admin.is_none(), "the backup has its admin");
    copy.login("admin", &password).await;
    let jan = copy.login("jan", PASSWORD).await;
    let (_, classes) = jan.get("/api/classes").await;
    let names: Vec<&str> =
        classes.as_array().expect("list").iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["4A"], "the backup holds what was there when it was made");
    copy.stop().await;
}

#[tokio::test]
async fn a_user_changes_their_own_password_with_the_current_one_and_other_sessions_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("s1", "student", PASSWORD).await;
    let here = server.login("s1", PASSWORD).await;
    let elsewhere = server.login("s1", PASSWORD).await;
    let new = "another long password";
    let (status, body) =
        here.post("/api/me/password", json!({ "current": "not my password", "new": new })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = here.post("/api/me/password", json!({ "current": PASSWORD, "new": "short" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(elsewhere.get("/api/me").await.0, StatusCode::OK, "failed changes end nothing");
    let (status, _) = here.post("/api/me/password", json!({ "current": PASSWORD, "new": new })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(here.get("/api/me").await.0, StatusCode::OK, "the session that asked goes on");
    assert_eq!(elsewhere.get("/api/me").await.0, StatusCode::UNAUTHORIZED, "other sessions end");
    server.login("s1", new).await;
    server.stop().await;
}

#[tokio::test]
async fn shutdown_waits_for_background_work_before_closing_the_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let state = server.state.clone();
    let seen = finished.clone();
    server.state.tasks.spawn(async move {
        state.shutdown.cancelled().await;
        // A deploy rolling back takes a while, and records what it did at the end.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sqlx::query("SELECT COUNT(*) FROM users")
            .execute(&state.db)
            .await
            .expect("the database is still open");
        seen.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    assert!(!finished.load(std::sync::atomic::Ordering::SeqCst));
    server.stop().await;
    assert!(finished.load(std::sync::atomic::Ordering::SeqCst), "serve returned before the work ended");
}

/// The anonymous memory `asbuilt serve` (process `pid`) holds, in MiB.
fn anonymous_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the service's status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("RssAnon");
    kib / 1024
}

#[tokio::test]
async fn a_flood_of_logins_waits_its_turn_instead_of_taking_the_servers_memory() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    // Its own process, so its memory is its own (argon2 takes 19 MiB per hash).
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_asbuilt"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("ASBUILT_LOG", "info")
        // No lab engine: this test is about logins, and must touch no lab.
        .env("DOCKER_HOST", "unix:///nonexistent")
        .env_remove("ASBUILT_DATA_DIR")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start asbuilt serve");
    let mut log = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let address = loop {
        let line = log.next_line().await.expect("its log").expect("serving before it ends");
        if let Some(rest) = line.split("serving address=").nth(1) {
            break rest.trim().to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });
    let mut printed = String::new();
    let mut out = child.stdout.take().expect("stdout");
    let mut buf = vec![0; 4096];
    let n = out.read(&mut buf).await.expect("the first admin's password");
    printed.push_str(&String::from_utf8_lossy(&buf[..n]));
    let password = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("password:"))
        .expect("a password line")
        .trim()
        .to_string();
    let pid = child.id().expect("running");
    let before = anonymous_mib(pid);

    // 48 right passwords at once: each is a full argon2 verification (wrong ones would
    // soon be throttled without hashing).
    let client = Client::new();
    let logins = (0..48).map(|_| {
        let (client, address, password) = (client.clone(), address.clone(), password.clone());
        tokio::spawn(async move {
            client
                .post(format!("http://{address}/api/auth/login"))
                .json(&json!({ "username": "admin", "password": password }))
                .send()
                .await
                .expect("login")
                .status()
        })
    });
    for login in logins.collect::<Vec<_>>() {
        assert_eq!(login.await.unwrap(), StatusCode::OK, "every login of the flood is answered");
    }
    let after = anonymous_mib(pid);
    let cores = std::thread::available_parallelism().map(|n| n.get() as u64).unwrap_or(1);
    // At most one hash's memory per core, and some slack for the allocator.
    let bound = cores * 20 + 64;
    assert!(
        after.saturating_sub(before) <= bound,
        "48 logins took {before} -> {after} MiB (bound {bound} MiB)"
    );
    child.kill().await.expect("stop the service");
}

#[tokio::test]
async fn a_teacher_hands_out_first_passwords_to_imported_students_once_and_never_resets_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path()).await;
    let admin = server.login("admin", &server.admin_password()).await;
    admin.create_user("t1", "teacher", PASSWORD).await;
    admin.create_user("t2", "teacher", PASSWORD).await;
    // s1 has an account with a password already; the class list brings 100001 and 100002.
    let s1 = admin.create_user("s1", "student", PASSWORD).await;
    set_student_number(&admin, s1, "s1").await;
    let t1 = server.login("t1", PASSWORD).await;
    let t2 = server.login("t2", PASSWORD).await;
    let (_, class) = t1.post("/api/classes", json!({ "name": "4A" })).await;
    let class = class["id"].as_i64().expect("class");
    let csv = "number,name,email\n100001,Sam de Boer,sam@x.nl\n100002,Lou Bakker,lou@x.nl\ns1,S1,s1@x.nl\n";
    let (status, _) = t1.post_csv(&format!("/api/classes/{class}/students/import"), csv).await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/api/classes/{class}/students/first-passwords");

    // Before: an imported student cannot sign in.
    let before = Client::new()
        .post(server.url("/api/auth/login"))
        .json(&json!({ "username": "100001", "password": "anything-at-all-1" }))
        .send()
        .await
        .expect("login");
    assert_eq!(before.status(), StatusCode::UNAUTHORIZED);

    // Another teacher cannot make them (the class is not theirs).
    let (status, _) = t2.send(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, made) = t1.send(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let made = made.as_array().expect("a list").clone();
    let names: Vec<&str> = made.iter().map(|m| m["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["100001", "100002"], "only the students without a password: {made:?}");
    for entry in &made {
        let password = entry["password"].as_str().expect("a password");
        assert!(password.len() >= 10, "{entry}");
        // The positive control: each works.
        server.login(entry["username"].as_str().unwrap(), password).await;
    }
    // s1's own password still works: it was never reset.
    server.login("s1", PASSWORD).await;
    // Once: asking again hands out nothing, and nothing is stored in the clear.
    let (status, again) = t1.send(Method::POST, &path, None).await;
    assert_eq!((status, again), (StatusCode::OK, json!([])));
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE username = '100001'")
        .fetch_one(&server.state.db)
        .await
        .expect("the hash");
    assert!(stored.starts_with("$argon2id$") && !stored.contains(made[0]["password"].as_str().unwrap()));
    server.stop().await;
}
