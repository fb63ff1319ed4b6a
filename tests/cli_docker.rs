//! The instance commands through the `asbuilt` binary, on real labs on the Docker
//! engine: `exec` as a student's script uses it. Instances are named `t-cli-...` and
//! removed when each test ends.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Deployed, example};

fn asbuilt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asbuilt"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("run asbuilt")
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_passes_standard_input_on_and_exits_with_the_commands_own_status() {
    let lab = Deployed::new(example("eerste-lan.yml").design_for(None), "t-cli-exec").await;

    // A heredoc, as a student's script writes a file on a node.
    let script = format!(
        "{} exec t-cli-exec pc1 -- sh -c 'cat > /root/notes.txt' <<'EOF'\nfirst line\nsecond $line\nEOF\n",
        env!("CARGO_BIN_EXE_asbuilt")
    );
    let out = Command::new("sh").arg("-c").arg(&script).output().expect("run sh");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(lab.run("pc1", "cat /root/notes.txt").await.stdout, "first line\nsecond $line\n");

    // A pipe, read back through asbuilt itself.
    let mut child = Command::new(env!("CARGO_BIN_EXE_asbuilt"))
        .args(["exec", "t-cli-exec", "pc1", "--", "tr", "a-z", "A-Z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run asbuilt");
    child.stdin.take().expect("a pipe").write_all(b"shout\n").expect("write to asbuilt");
    let out = child.wait_with_output().expect("asbuilt ends");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "SHOUT\n");

    for (command, code) in [("exit 0", 0), ("exit 3", 3), ("exit 42", 42), ("kill -TERM $$", 128 + 15)] {
        let out = asbuilt(&["exec", "t-cli-exec", "pc1", "--", "sh", "-c", command]);
        assert_eq!(out.status.code(), Some(code), "`{command}`: {}", said(&out));
        assert!(!said(&out).contains("error:"), "`{command}` is no failure of asbuilt's: {}", said(&out));
    }

    // asbuilt's own failure is 2 with an `error:` line, which no command status has.
    let out = asbuilt(&["exec", "t-cli-exec", "no-such-node", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "), "{}", said(&out));
}
