//! The web pages' foundation: signing in, the language, the security headers and the
//! embedded files, over HTTP and in a real headless Chromium. No Docker needed.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};

mod browser_support;
mod service_support;

use browser_support::Browser;
use service_support::Server;

/// A client that does not follow redirects, to read where they go.
fn plain_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

#[tokio::test]
async fn pages_send_a_policy_that_allows_only_this_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let response = plain_client().get(server.url("/login")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let policy = response.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    assert!(policy.contains("default-src 'self'") && policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("script-src 'self' 'unsafe-inline'"), "inline scripts must not run: {policy}");
    let html = response.text().await.unwrap();
    // Nothing on the page comes from another host: every src and href is a path here.
    for attribute in ["src=\"", "href=\""] {
        for value in html.split(attribute).skip(1).map(|rest| rest.split('"').next().unwrap_or("")) {
            assert!(
                value.starts_with('/') || value.starts_with('#'),
                "{attribute}{value}\" leaves the server"
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn static_files_are_served_from_the_binary_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let client = plain_client();
    let script = client.get(server.url("/static/app.js")).send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    assert!(script.text().await.unwrap().contains("X-CSRF-Token"));
    let style = client.get(server.url("/static/app.css")).send().await.unwrap();
    assert_eq!(style.status(), StatusCode::OK);
    for escape in
        ["/static/../Cargo.toml", "/static/%2e%2e/Cargo.toml", "/static/..%2fsrc/lib.rs", "/static/nope.js"]
    {
        let response = client.get(server.url(escape)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{escape}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_browser_language_picks_the_page_language_and_the_switch_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let client = plain_client();
    let page = |lang: &'static str, cookie: Option<&'static str>| {
        let mut request = client.get(server.url("/login")).header(ACCEPT_LANGUAGE, lang);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    assert!(page("nl-NL,nl;q=0.9", None).await.contains("<h1>Inloggen</h1>"));
    assert!(page("en-GB,en;q=0.9", None).await.contains("<h1>Sign in</h1>"));
    assert!(
        page("fr-FR", None).await.contains("<h1>Inloggen</h1>"),
        "Dutch when the browser asks for neither"
    );
    assert!(page("en-GB", Some("asbuilt_lang=nl")).await.contains("<h1>Inloggen</h1>"));

    let switch = client.get(server.url("/lang/en?next=/login%3Fnext%3D/my")).send().await.unwrap();
    assert_eq!(switch.status(), StatusCode::SEE_OTHER);
    assert_eq!(switch.headers()[LOCATION], "/login?next=/my");
    assert!(switch.headers()["set-cookie"].to_str().unwrap().starts_with("asbuilt_lang=en;"));
    let away = client.get(server.url("/lang/en?next=//evil.example/")).send().await.unwrap();
    assert_eq!(away.headers()[LOCATION], "/", "the switch never sends a browser to another site");
    server.stop().await;
}

#[tokio::test]
async fn a_page_without_a_session_goes_to_the_login_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let client = plain_client();
    let response = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login?next=/");

    // The login form's POST, as a browser without JavaScript sends it.
    let form = [("username", "admin"), ("password", "wrong"), ("next", "//evil.example/")];
    let wrong = client.post(server.url("/login")).form(&form).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let html = wrong.text().await.unwrap();
    assert!(html.contains("aria-invalid=\"true\"") && html.contains("role=\"alert\""), "{html}");

    let password = server.admin_password();
    let form = [("username", "admin"), ("password", password.as_str()), ("next", "//evil.example/")];
    let right = client.post(server.url("/login")).form(&form).send().await.unwrap();
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    assert_eq!(right.headers()[LOCATION], "/teach", "an outside next is dropped for the role's home");
    let cookies: Vec<_> = right.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("asbuilt_session=") && c.contains("HttpOnly")),
        "{cookies:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn signing_in_in_chromium_shows_errors_next_to_the_field_in_the_chosen_language() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_plain(dir.path()).await;
    let browser = Browser::start("nl").await;

    browser.goto(&server.url("/")).await;
    assert_eq!(browser.path().await, "/login?next=/");
    assert_eq!(browser.text("h1").await, "Inloggen");
    browser.fill("#username", "admin").await;
    browser.fill("#password", "not the password").await;
    browser.click("button[type=submit]").await;
    let error = browser.wait_for_text("#login-error", "klopt niet", Duration::from_secs(10)).await;
    assert!(error.contains("Gebruikersnaam of wachtwoord"), "{error}");
    assert_eq!(browser.attribute("#password", "aria-invalid").await.as_deref(), Some("true"));
    assert_eq!(
        browser.attribute("#username", "value").await.as_deref(),
        Some("admin"),
        "the username is kept"
    );
    browser.screenshot("login").await;

    browser.click("a[hreflang=en]").await;
    browser.wait_for_text("h1", "Sign in", Duration::from_secs(10)).await;
    browser.fill("#username", "admin").await;
    browser.fill("#password", &server.admin_password()).await;
    browser.click("button[type=submit]").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while browser.path().await.starts_with("/login") {
        assert!(std::time::Instant::now() < deadline, "still on the login page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(browser.path().await, "/teach");
    browser.close().await;
    server.stop().await;
}
