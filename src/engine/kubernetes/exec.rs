//! Commands in a pod's container through the Kubernetes API (exec over a WebSocket):
//! to configure nodes, to probe them, the probe agent, and the terminals students type
//! in.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::Api;
use kube::api::{AttachParams, AttachedProcess, TerminalSize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use crate::engine::{EngineError, ExecOutput, MAX_EXEC_OUTPUT, Terminal};

/// Where a command runs: a container of a pod of the instance's namespace.
#[derive(Clone)]
pub struct InPod<'a> {
    pub pods: &'a Api<Pod>,
    pub pod: &'a str,
    pub container: &'a str,
}

impl InPod<'_> {
    fn describe(&self) -> String {
        format!("{}/{}", self.pod, self.container)
    }
}

/// Which of a process's streams are attached.
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    pub stdin: bool,
    /// Only when someone reads it: a stream nobody reads fills its buffer and stops the
    /// process.
    pub stderr: bool,
    /// A terminal, which is also the error stream.
    pub tty: bool,
}

/// Starts `argv` with `streams` and standard output attached.
pub async fn start(
    at: &InPod<'_>,
    argv: &[String],
    streams: Streams,
) -> Result<AttachedProcess, EngineError> {
    let params = AttachParams {
        container: Some(at.container.to_string()),
        stdin: streams.stdin,
        stdout: true,
        stderr: streams.stderr && !streams.tty,
        tty: streams.tty,
        // Large enough that a script or a binary goes in without many round trips.
        max_stdin_buf_size: Some(64 * 1024),
        max_stdout_buf_size: Some(64 * 1024),
        max_stderr_buf_size: Some(64 * 1024),
    };
    at.pods.exec(at.pod, argv.to_vec(), &params).await.map_err(EngineError::backend(format!(
        "run `{}` in {}",
        argv.join(" "),
        at.describe()
    )))
}

/// Runs `argv` as root, feeding `stdin` if given, and waits for it to end.
pub async fn run(
    at: &InPod<'_>,
    argv: &[String],
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<ExecOutput, EngineError> {
    let doing = format!("run `{}` in {}", argv.join(" "), at.describe());
    let work = async {
        let streams = Streams { stdin: stdin.is_some(), stderr: true, tty: false };
        let mut process = start(at, argv, streams).await?;
        let writer = stdin.and_then(|bytes| {
            let mut input = process.stdin()?;
            let bytes = bytes.to_vec();
            // Fed while the output is read, so a chatty command cannot block on a full
            // pipe before it has read all its input.
            Some(tokio::spawn(async move {
                let _ = input.write_all(&bytes).await;
                let _ = input.shutdown().await;
            }))
        });
        let status = process.take_status().expect("taken once");
        let stdout = read_capped(process.stdout().expect("attached"));
        let stderr = read_capped(process.stderr().expect("attached"));
        let ((stdout, out_whole), (stderr, err_whole)) = tokio::join!(stdout, stderr);
        if let Some(writer) = writer {
            writer.abort();
        }
        if !(out_whole && err_whole) {
            // Still printing: left to the node, as on Docker, with what it printed so far.
            process.abort();
            return Ok(ExecOutput { exit_code: -1, stdout, stderr, truncated: true });
        }
        let status = status.await;
        Ok(ExecOutput { exit_code: exit_code(status.as_ref()), stdout, stderr, truncated: false })
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(EngineError::Timeout { doing, seconds: timeout.as_secs() }),
    }
}

/// Reads a stream to its end (true) or up to [`MAX_EXEC_OUTPUT`] (false).
async fn read_capped(mut reader: impl AsyncRead + Unpin) -> (String, bool) {
    let mut kept = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => return (String::from_utf8_lossy(&kept).into_owned(), true),
            Ok(n) => {
                let room = MAX_EXEC_OUTPUT - kept.len();
                kept.extend_from_slice(&chunk[..n.min(room)]);
                if n > room {
                    return (String::from_utf8_lossy(&kept).into_owned(), false);
                }
            }
        }
    }
}

/// The exit status in the API server's words: `Success`, or a failure whose cause
/// `ExitCode` carries the number. Anything else (the stream broke) is -1.
pub fn exit_code(status: Option<&Status>) -> i64 {
    let Some(status) = status else { return -1 };
    if status.status.as_deref() == Some("Success") {
        return 0;
    }
    status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|causes| causes.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
        .and_then(|c| c.message.as_deref())
        .and_then(|m| m.trim().parse().ok())
        .unwrap_or(-1)
}

/// `argv` as `user` (`name`, or `uid:gid`), through util-linux's `setpriv`: the API's
/// exec has no user of its own, as Docker's has.
pub fn as_user(user: Option<&str>, argv: &[String]) -> Vec<String> {
    let Some(user) = user else { return argv.to_vec() };
    let mut wrapped = vec!["setpriv".to_string()];
    match user.split_once(':') {
        Some((uid, gid)) => {
            wrapped.extend([format!("--reuid={uid}"), format!("--regid={gid}"), "--clear-groups".into()])
        }
        None => {
            wrapped.extend([format!("--reuid={user}"), format!("--regid={user}"), "--init-groups".into()])
        }
    }
    wrapped.push("--".into());
    wrapped.extend(argv.iter().cloned());
    wrapped
}

/// Opens an interactive terminal running `argv`.
pub async fn terminal(
    at: &InPod<'_>,
    argv: &[String],
    (cols, rows): (u16, u16),
) -> Result<Terminal, EngineError> {
    let doing = format!("open a terminal on {}", at.describe());
    let mut with_term = vec!["env".to_string(), "TERM=xterm-256color".to_string()];
    with_term.extend(argv.iter().cloned());
    let mut process = start(at, &with_term, Streams { stdin: true, stderr: false, tty: true }).await?;
    let input = process.stdin().expect("attached");
    let output = process.stdout().expect("attached");
    let sizes = process.terminal_size().expect("a terminal");
    let sizes = std::sync::Arc::new(tokio::sync::Mutex::new(sizes));
    let resize: crate::engine::Resize = Box::new(move |cols: u16, rows: u16| {
        let sizes = sizes.clone();
        Box::pin(async move {
            sizes.lock().await.send(TerminalSize { width: cols, height: rows }).await.map_err(|e| {
                EngineError::Backend { doing: "resize the terminal".into(), source: Box::new(e) }
            })
        })
    });
    let _ = (resize)(cols, rows).await;
    // The process lives as long as its output is read.
    let output = tokio_util::io::ReaderStream::new(output).map(move |chunk| {
        let _keep = &process;
        chunk.map_err(|e| EngineError::Io { doing: doing.clone(), source: e })
    });
    Ok(Terminal { output: Box::pin(output), input: Box::pin(input), resize })
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{StatusCause, StatusDetails};

    use super::*;

    #[test]
    fn exit_codes_come_from_the_status_the_api_server_sends() {
        let success = Status { status: Some("Success".into()), ..Status::default() };
        assert_eq!(exit_code(Some(&success)), 0);
        let failed = Status {
            status: Some("Failure".into()),
            reason: Some("NonZeroExitCode".into()),
            details: Some(StatusDetails {
                causes: Some(vec![StatusCause {
                    reason: Some("ExitCode".into()),
                    message: Some("3".into()),
                    ..StatusCause::default()
                }]),
                ..StatusDetails::default()
            }),
            ..Status::default()
        };
        assert_eq!(exit_code(Some(&failed)), 3);
        assert_eq!(exit_code(None), -1, "a broken stream is no exit status");
    }

    #[test]
    fn a_user_is_switched_to_by_setpriv() {
        let argv = vec!["id".to_string()];
        assert_eq!(as_user(None, &argv), argv);
        assert_eq!(
            as_user(Some("65534:65534"), &argv),
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "id"]
        );
        assert_eq!(
            as_user(Some("asbuilt-check"), &argv),
            ["setpriv", "--reuid=asbuilt-check", "--regid=asbuilt-check", "--init-groups", "--", "id"]
        );
    }
}
