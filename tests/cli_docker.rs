//! The instance commands through the `asbuilt` binary, on real labs on the Docker
//! engine: `exec` as a student's script uses it, and `deploy --solution` graded by
//! `check`. Instances are named `t-cli-...` and removed when each test ends.

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

/// An instance deployed through the command line, destroyed however the test ends.
struct Instance(&'static str);

impl Drop for Instance {
    fn drop(&mut self) {
        let out = asbuilt(&["destroy", self.0]);
        assert!(out.status.success(), "destroy {}: {}", self.0, said(&out));
    }
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

/// The score of `asbuilt check INSTANCE --format json`, and its exit code.
fn check(instance: &str) -> (f64, Option<i32>) {
    let out = asbuilt(&["check", instance, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check {instance} prints JSON ({e}): {}", said(&out)));
    let percent = report["score"]["percent"].as_f64().expect("a score");
    (percent, out.status.code())
}

#[test]
fn a_deployed_solution_scores_full_marks_and_the_lab_as_handed_out_does_not() {
    let deployed = asbuilt(&[
        "deploy",
        "topologies/dmz.yml",
        "--solution",
        "--student",
        "s7",
        "--name",
        "t-cli-dmz-solution",
    ]);
    let _solution = Instance("t-cli-dmz-solution");
    assert!(deployed.status.success(), "{}", said(&deployed));
    assert!(said(&deployed).contains("solution"), "{}", said(&deployed));
    let inspect = asbuilt(&["inspect", "t-cli-dmz-solution", "--json"]);
    let record: serde_json::Value = serde_json::from_slice(&inspect.stdout).expect("inspect prints JSON");
    assert_eq!(record["student"], "s7", "the student's variant, solved");
    assert_eq!(check("t-cli-dmz-solution"), (100.0, Some(0)));

    // The positive control: the same student's lab as handed out, firewall unbuilt.
    let deployed = asbuilt(&["deploy", "topologies/dmz.yml", "--student", "s7", "--name", "t-cli-dmz"]);
    let _handed_out = Instance("t-cli-dmz");
    assert!(deployed.status.success(), "{}", said(&deployed));
    let (percent, code) = check("t-cli-dmz");
    assert!(percent < 100.0, "the lab as handed out scores {percent}");
    assert_eq!(code, Some(1));
}

#[test]
fn the_solution_of_a_troubleshooting_lab_has_no_faults() {
    let deployed =
        asbuilt(&["deploy", "topologies/storingen.yml", "--solution", "--name", "t-cli-faults-solution"]);
    let _solution = Instance("t-cli-faults-solution");
    assert!(deployed.status.success(), "{}", said(&deployed));
    assert_eq!(check("t-cli-faults-solution"), (100.0, Some(0)));
}
