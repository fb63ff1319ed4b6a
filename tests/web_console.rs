//! The web console on the real Docker engine: one lab (an FRR router and a host) for
//! the whole file. Over HTTP: who gets the page and the socket (the owner; another
//! student gets 404 for both), the screen mode's messages, a watching teacher who
//! sees the student's terminal and cannot type in it. In headless Chromium: the student types `show ip route` into vtysh and
//! reads the connected route on the page, Ctrl+C and the arrow keys work in a shell,
//! `top` draws with its cursor hidden and `q` leaves it, and `less` takes the
//! alternate screen and gives the shell's back on `q`.

mod browser_support;
mod common;
mod console_support;
mod service_support;

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use browser_support::Browser;
use console_support::{ConsoleLab, Mirror, PASSWORD, Socket, open_socket, token};

/// Reads a screen-mode socket into `mirror` until `done` holds or `limit` passes.
async fn read_until(
    socket: &mut Socket,
    mirror: &mut Mirror,
    limit: Duration,
    done: impl Fn(&Mirror) -> bool,
) {
    let deadline = Instant::now() + limit;
    while !done(mirror) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => mirror.apply(&text),
            Ok(Some(Ok(_))) => {}
            Ok(other) => panic!("the console closed: {other:?}; screen:\n{}", mirror.text()),
            Err(_) => return,
        }
    }
}

async fn send(socket: &mut Socket, message: serde_json::Value) {
    socket.send(Message::Text(message.to_string().into())).await.expect("send");
}

/// The screen's text in the browser, once it contains `wanted`.
async fn wait_for_screen(browser: &Browser, wanted: &str) -> String {
    browser.wait_for_text("#terminal-screen", wanted, Duration::from_secs(30)).await
}

#[tokio::test]
async fn a_student_uses_vtysh_and_top_in_the_browser_console_and_nobody_else_sees_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = ConsoleLab::start(dir.path(), "webconsole").await;
    let server = &lab.server;

    // The page: the owner gets it, another student learns nothing, not even that the
    // lab exists; a watching teacher is told they cannot type.
    let (status, page) = lab.s1.get(&lab.page("r1")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.as_str().is_some_and(|html| html.contains("?screen=true")), "{page}");
    let (status, _) = lab.s2.get(&lab.page("r1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another student's console page");
    let (status, _) = lab.s1.get(&lab.page("r9")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a node that is not there");
    let (status, watching) = lab.t1.get(&lab.page("r1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(watching.as_str().is_some_and(|html| html.contains("console-read-only")), "{watching}");

    // The socket in screen mode: the same people.
    let (s1, s2, t1) = (token(&lab.s1).await, token(&lab.s2).await, token(&lab.t1).await);
    assert_eq!(open_socket(server, &s2, &lab.socket("r1")).await.err(), Some(404));
    let mut owner = open_socket(server, &s1, &lab.socket("pc1")).await.expect("the owner's console");
    let mut mirror = Mirror::default();
    send(&mut owner, json!({ "type": "resize", "cols": 90, "rows": 20 })).await;
    read_until(&mut owner, &mut mirror, Duration::from_secs(20), |m| m.rows.len() == 20).await;
    // The teacher watches the same terminal: told first that they may not type.
    let mut teacher = open_socket(server, &t1, &lab.socket("pc1")).await.expect("the teacher's console");
    let mut watched = Mirror::default();
    read_until(&mut teacher, &mut watched, Duration::from_secs(20), |m| m.read_only && !m.rows.is_empty())
        .await;
    assert!(watched.read_only, "a watching teacher is told first");

    let n = 10_000 + std::process::id() % 10_000;
    send(&mut owner, json!({ "type": "text", "data": format!("echo hi-$(({n}+1)); stty size\r") })).await;
    let wanted = format!("hi-{}", n + 1);
    read_until(&mut owner, &mut mirror, Duration::from_secs(20), |m| m.text().contains("20 90")).await;
    assert!(mirror.text().contains(&wanted) && mirror.text().contains("20 90"), "{}", mirror.text());
    read_until(&mut teacher, &mut watched, Duration::from_secs(20), |m| m.text().contains("20 90")).await;
    assert!(watched.text().contains(&wanted), "the teacher sees the student's screen:\n{}", watched.text());
    assert_eq!(watched.rows.len(), 20, "in the student's size");

    send(&mut teacher, json!({ "type": "text", "data": format!("echo ro-$(({n}+2))\r") })).await;
    let typed = format!("ro-{}", n + 2);
    read_until(&mut owner, &mut mirror, Duration::from_secs(3), |m| m.text().contains(&typed)).await;
    assert!(!mirror.text().contains(&typed), "a watcher typed into the console:\n{}", mirror.text());
    drop((owner, teacher));

    // The browser: the student signs in and opens the router's console.
    let browser = Browser::start("en").await;
    browser.goto(&server.url(&format!("/login?next={}", lab.page("r1")))).await;
    browser.fill("#username", "s1").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.find("#console[data-state=connected]").await;
    assert_eq!(browser.path().await, lab.page("r1"));
    let focused = browser.client.execute("return document.activeElement.id", vec![]).await.expect("script");
    assert_eq!(focused, json!("terminal-input"), "the keyboard is in the terminal");
    assert_eq!(browser.attribute("#terminal", "aria-label").await.as_deref(), Some("Terminal of r1"));

    wait_for_screen(&browser, "r1#").await;
    let keys = browser.find("#terminal-input").await;
    keys.send_keys("show ip route\u{E007}").await.expect("type");
    let screen = wait_for_screen(&browser, "directly connected").await;
    assert!(screen.contains("192.0.2.0/24"), "{screen}");
    browser.screenshot("console").await;

    // A shell on the host: Ctrl+C stops a command, ArrowUp brings the last one back.
    browser.goto(&server.url(&lab.page("pc1"))).await;
    browser.find("#console[data-state=connected]").await;
    wait_for_screen(&browser, "pc1").await;
    let keys = browser.find("#terminal-input").await;
    keys.send_keys("sleep 60\u{E007}").await.expect("type");
    tokio::time::sleep(Duration::from_millis(500)).await;
    keys.send_keys("\u{E009}c\u{E009}").await.expect("Ctrl+C");
    keys.send_keys(&format!("echo done-$(({n}+3))\u{E007}")).await.expect("type");
    let done = format!("done-{}", n + 3);
    let screen = browser.wait_for_text("#terminal-screen", &done, Duration::from_secs(10)).await;
    assert!(screen.contains("^C"), "Ctrl+C reached the shell: {screen}");
    keys.send_keys("\u{E013}\u{E007}").await.expect("ArrowUp, Enter");
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.text("#terminal-screen").await.matches(&done).count() < 2 {
        assert!(
            Instant::now() < deadline,
            "ArrowUp did not repeat the command: {}",
            browser.text("#terminal-screen").await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Colours reach the page as the palette's; pasted text reaches the shell.
    keys.send_keys(&format!("printf '\\033[31mred-%s\\033[0m\\n' $(({n}+5))\u{E007}")).await.expect("type");
    let red = format!("red-{}", n + 5);
    wait_for_screen(&browser, &red).await;
    let script = "return [...document.querySelectorAll('#terminal-screen span')]\
        .filter(s => s.textContent === arguments[0]).map(s => getComputedStyle(s).color)";
    let colours = browser.client.execute(script, vec![json!(red)]).await.expect("script");
    assert_eq!(colours, json!(["rgb(205, 49, 49)"]), "one red run of its own");
    let paste = "const data = new DataTransfer(); data.setData('text/plain', arguments[0]);\
        document.getElementById('terminal-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data }));";
    browser.client.execute(paste, vec![json!(format!("echo pasted-$(({n}+6))"))]).await.expect("paste");
    keys.send_keys("\u{E007}").await.expect("Enter");
    wait_for_screen(&browser, &format!("pasted-{}", n + 6)).await;

    // A smaller window is a smaller terminal, for the program too.
    let before = browser.attribute("#terminal", "data-cols").await;
    browser.client.set_window_size(1000, 600).await.expect("resize the window");
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.attribute("#terminal", "data-cols").await == before {
        assert!(Instant::now() < deadline, "the terminal kept {before:?} columns");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = browser.attribute("#terminal", "data-rows").await.expect("rows");
    let cols = browser.attribute("#terminal", "data-cols").await.expect("cols");
    keys.send_keys("clear; stty size\u{E007}").await.expect("type");
    wait_for_screen(&browser, &format!("{rows} {cols}")).await;
    browser.client.set_window_size(1366, 768).await.expect("resize the window");

    // top draws the whole screen with its cursor hidden, and q gives the shell back.
    keys.send_keys("top\u{E007}").await.expect("type");
    wait_for_screen(&browser, "load average").await;
    browser.find("#terminal-cursor[hidden]").await;
    keys.send_keys("q").await.expect("q");
    keys.send_keys(&format!("echo back-$(({n}+4))\u{E007}")).await.expect("type");
    wait_for_screen(&browser, &format!("back-{}", n + 4)).await;
    browser.find("#terminal-cursor:not([hidden])").await;

    // less takes the alternate screen, pages with its keys, and q restores the shell's.
    keys.send_keys("seq 1000 | less\u{E007}").await.expect("type");
    browser.find("#terminal[data-alternate=true]").await;
    keys.send_keys("G").await.expect("G");
    let screen = wait_for_screen(&browser, "1000").await;
    assert!(!screen.contains(&done), "the shell's screen is hidden: {screen}");
    keys.send_keys("q").await.expect("q");
    browser.find("#terminal[data-alternate=false]").await;
    let screen = wait_for_screen(&browser, &format!("back-{}", n + 4)).await;
    assert!(!screen.contains("1000\n"), "{screen}");

    // The teacher opens the same console in a browser of their own: the student's
    // screen, as it is and as it goes on, with the notice that they only watch.
    let watching = Browser::start("nl").await;
    watching.goto(&server.url(&format!("/login?next={}", lab.page("pc1")))).await;
    watching.fill("#username", "t1").await;
    watching.fill("#password", PASSWORD).await;
    watching.click("button[type=submit]").await;
    watching.find("#console[data-state=connected]").await;
    let notice = watching.text("#console-read-only").await;
    assert!(notice.contains("Alleen lezen"), "{notice}");
    watching.wait_for_text("#terminal-screen", &format!("back-{}", n + 4), Duration::from_secs(30)).await;
    keys.send_keys(&format!("echo live-$(({n}+7))\u{E007}")).await.expect("type");
    watching.wait_for_text("#terminal-screen", &format!("live-{}", n + 7), Duration::from_secs(30)).await;
    watching.screenshot("console-watching").await;
    watching.close().await;
    browser.close().await;
    drop(lab.deployed);
    lab.server.stop().await;
}
