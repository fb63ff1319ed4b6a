//! Running commands in containers: to configure nodes, to probe them, and the
//! interactive terminals students type in.

use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::query_parameters::ResizeExecOptions;
use futures::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;

use crate::engine::{EngineError, ExecOutput, Terminal};

use crate::engine::MAX_EXEC_OUTPUT as MAX_OUTPUT;

/// Runs `argv` in a container as `user` (root when `None`), feeding `stdin` if given,
/// and waits for it to end.
pub async fn run(
    docker: &Docker,
    container: &str,
    user: Option<&str>,
    argv: &[String],
    stdin: Option<&str>,
    timeout: Duration,
) -> Result<ExecOutput, EngineError> {
    let doing = format!("run `{}` in {container}", argv.join(" "));
    let work = async {
        let config = ExecConfig {
            cmd: Some(argv.to_vec()),
            user: user.map(str::to_string),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            attach_stdin: Some(stdin.is_some()),
            ..Default::default()
        };
        let exec =
            docker.create_exec(container, config).await.map_err(EngineError::backend(doing.clone()))?;
        let started = docker
            .start_exec(&exec.id, None::<StartExecOptions>)
            .await
            .map_err(EngineError::backend(doing.clone()))?;
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut complete = true;
        if let StartExecResults::Attached { mut output, mut input } = started {
            if let Some(text) = stdin {
                // Fed while the output is read, so a chatty command cannot block on a
                // full pipe before it has read all its input.
                let text = text.as_bytes().to_vec();
                let writer = tokio::spawn(async move {
                    let _ = input.write_all(&text).await;
                    let _ = input.shutdown().await;
                });
                complete = collect(&mut output, &mut stdout, &mut stderr, &doing).await?;
                writer.abort();
            } else {
                complete = collect(&mut output, &mut stdout, &mut stderr, &doing).await?;
            }
        }
        if !complete {
            // The command is still printing; it is left to the node (it blocks once
            // nobody reads), and what it printed so far is the answer.
            return Ok(ExecOutput {
                exit_code: -1,
                stdout: String::from_utf8_lossy(&stdout).into_owned(),
                stderr: String::from_utf8_lossy(&stderr).into_owned(),
                truncated: true,
            });
        }
        let inspected = docker.inspect_exec(&exec.id).await.map_err(EngineError::backend(doing.clone()))?;
        Ok(ExecOutput {
            exit_code: inspected.exit_code.unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            truncated: false,
        })
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(EngineError::Timeout { doing, seconds: timeout.as_secs() }),
    }
}

/// Reads a command's output until it ends (true) or one stream passes [`MAX_OUTPUT`]
/// (false, with what fits kept).
async fn collect(
    output: &mut (impl futures::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Unpin),
    stdout: &mut Vec<u8>,
    stderr: &mut Vec<u8>,
    doing: &str,
) -> Result<bool, EngineError> {
    while let Some(chunk) = output.next().await {
        let (buffer, message) = match chunk.map_err(EngineError::backend(doing.to_string()))? {
            LogOutput::StdOut { message } | LogOutput::Console { message } => (&mut *stdout, message),
            LogOutput::StdErr { message } => (&mut *stderr, message),
            LogOutput::StdIn { .. } => continue,
        };
        let room = MAX_OUTPUT - buffer.len();
        buffer.extend_from_slice(&message[..message.len().min(room)]);
        if message.len() > room {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Opens an interactive terminal (a pseudo-terminal) running `argv` in a container.
pub async fn terminal(
    docker: &Docker,
    container: &str,
    argv: &[String],
    (cols, rows): (u16, u16),
) -> Result<Terminal, EngineError> {
    let doing = format!("open a terminal on {container}");
    let config = ExecConfig {
        cmd: Some(argv.to_vec()),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        attach_stdin: Some(true),
        tty: Some(true),
        env: Some(vec!["TERM=xterm-256color".into()]),
        ..Default::default()
    };
    let exec = docker.create_exec(container, config).await.map_err(EngineError::backend(doing.clone()))?;
    let options = StartExecOptions { detach: false, tty: true, output_capacity: None };
    let StartExecResults::Attached { output, input } =
        docker.start_exec(&exec.id, Some(options)).await.map_err(EngineError::backend(doing.clone()))?
    else {
        // Docker runs an exec detached only when asked to; seen here, the node has gone.
        return Err(EngineError::NotRunning { doing, container: container.to_string() });
    };
    let resizer = docker.clone();
    let exec_id = exec.id.clone();
    let resize = Box::new(move |cols: u16, rows: u16| {
        let docker = resizer.clone();
        let id = exec_id.clone();
        let fut: futures::future::BoxFuture<'static, Result<(), EngineError>> = Box::pin(async move {
            let options = ResizeExecOptions { h: i32::from(rows), w: i32::from(cols) };
            docker.resize_exec(&id, options).await.map_err(EngineError::backend("resize the terminal"))
        });
        fut
    });
    let _ = (resize)(cols, rows).await;
    let doing_out = doing.clone();
    let output = output
        .map_ok(|chunk| chunk.into_bytes())
        .map_err(move |e| EngineError::Backend { doing: doing_out.clone(), source: Box::new(e) });
    Ok(Terminal { output: Box::pin(output), input, resize })
}
