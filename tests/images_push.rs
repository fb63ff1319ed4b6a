//! `asbuilt images push`: asbuilt's images into a registry a cluster pulls from, tested
//! against a real registry (Debian's docker-registry) that the test starts on loopback.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use asbuilt::images::{self, ImageSource};

fn asbuilt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asbuilt")).args(args).output().expect("asbuilt runs")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A registry on 127.0.0.1 with its storage in a temporary folder; stopped on drop.
struct Registry {
    child: Child,
    port: u16,
    _storage: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    fn start() -> Registry {
        let storage = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = storage.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                storage.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(storage.path().join("log")).unwrap())
            .spawn()
            .expect("docker-registry runs (scripts/setup --tests installs it)");
        let registry = Registry { child, port, _storage: storage };
        let deadline = Instant::now() + Duration::from_secs(20);
        while registry.get("/v2/").is_none() {
            assert!(Instant::now() < deadline, "the registry did not start: {:?}", registry.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        registry
    }

    /// A GET to the registry's API over loopback: the body, or `None` if nothing answers.
    fn get(&self, path: &str) -> Option<String> {
        let out = Command::new("curl")
            .args(["-sf", "--max-time", "5", &format!("http://127.0.0.1:{}{path}", self.port)])
            .output()
            .ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._storage.path().join("log")).unwrap_or_default()
    }
}

fn docker_has(reference: &str) -> bool {
    Command::new("docker").args(["image", "inspect", reference]).output().unwrap().status.success()
}

#[test]
fn images_go_to_the_registry_under_the_prefix_with_their_own_tag() {
    assert!(Path::new("/usr/bin/docker-registry").exists(), "scripts/setup --tests installs docker-registry");
    let registry = Registry::start();
    let prefix = format!("127.0.0.1:{}/school", registry.port);
    let out = asbuilt(&["images", "push", "--registry", &prefix, "--kind", "switch"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = ImageSource::Registry(prefix.parse().unwrap()).reference("switch").unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("pushed {expected}")), "{stdout}");
    // The registry has it, with the recipe hash as its tag.
    let hash = images::image_ref("switch").unwrap().rsplit_once(':').unwrap().1.to_string();
    let tags =
        registry.get("/v2/school/asbuilt/switch/tags/list").expect("the registry lists the repository");
    assert!(tags.contains(&format!("\"{hash}\"")), "{tags}");
    // And the host is as it was: the extra name is gone, the image itself is not.
    assert!(!docker_has(&expected), "the registry's name was removed again");
    assert!(docker_has(&images::image_ref("switch").unwrap()));
}

#[test]
fn a_registry_that_does_not_answer_is_a_clear_failure() {
    // Control: the same push reaches a registry that runs (the test above); here the
    // port is free, so nothing answers.
    let port = free_port();
    let out =
        asbuilt(&["images", "push", "--registry", &format!("127.0.0.1:{port}/school"), "--kind", "switch"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("failed to push image 127.0.0.1:{port}/school/asbuilt/switch:")),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("to 127.0.0.1:{port}")), "{stderr}");
    assert!(!docker_has(&format!("127.0.0.1:{port}/school/{}", images::image_ref("switch").unwrap())));
}

#[test]
fn a_prefix_with_a_scheme_or_tag_is_refused_before_anything_is_pushed() {
    for (prefix, why) in
        [("https://registry.school.nl", "no scheme"), ("registry.school.nl/labs:v1", "no tag")]
    {
        let out = asbuilt(&["images", "push", "--registry", prefix]);
        assert_eq!(out.status.code(), Some(2), "{prefix}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(why), "{prefix}: {stderr}");
    }
}
