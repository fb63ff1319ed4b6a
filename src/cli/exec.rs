//! `exec`: runs one command on a node, as if typed there: standard input passed on,
//! output printed, and the command's own exit status returned, so that scripts and
//! heredocs work through asbuilt as they would on the node itself.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use clap::Args;

use super::Outcome;
use super::engine::on_instance;
use crate::engine::ExecOutput;
use crate::engine::MAX_EXEC_OUTPUT;
use crate::plan::InstanceId;

#[derive(Debug, Args)]
pub struct ExecArgs {
    instance: String,
    node: String,
    /// Do not pass standard input on (as `ssh -n`), for scripts that read their own
    /// standard input in a loop around asbuilt.
    #[arg(short = 'n', long)]
    no_stdin: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

/// The most standard input asbuilt passes on. The engine takes a command's input as one
/// text and gives its output back when it ends, so input is read whole before the
/// command starts rather than streamed: enough for a heredoc, a configuration file or a
/// script, and bounded like the output, so asbuilt stays small whatever is piped in.
/// Typing at a node is what `asbuilt console` is for.
const MAX_STDIN: usize = MAX_EXEC_OUTPUT;

/// How long a command may run.
const TIMEOUT: Duration = Duration::from_secs(600);

pub fn exec(args: &ExecArgs) -> Outcome {
    // Every failure of asbuilt's own exits 2, a malformed name too: 1 is the command's.
    if let Err(e) = InstanceId::parse(&args.instance) {
        eprintln!("error: {e}");
        return Outcome::Failed;
    }
    let stdin = if args.no_stdin || std::io::stdin().is_terminal() {
        None
    } else {
        match read_stdin(std::io::stdin().lock()) {
            Ok(text) => Some(text),
            Err(message) => {
                eprintln!("error: {message}");
                return Outcome::Failed;
            }
        }
    };
    on_instance(&args.instance, |engine, instance| async move {
        let out = engine.exec(&instance, &args.node, None, &args.command, stdin.as_deref(), TIMEOUT).await?;
        // A closed pipe on our side (`| head`) is no reason to hide how the command ended.
        let _ = std::io::stdout().lock().write_all(out.stdout.as_bytes());
        let _ = std::io::stderr().lock().write_all(out.stderr.as_bytes());
        Ok(ended(&out, &args.command))
    })
}

/// Reads standard input whole. `Err` when it is larger than [`MAX_STDIN`] or not text;
/// nothing is run then, rather than a cut-off or garbled file written on the node.
fn read_stdin(input: impl Read) -> Result<String, String> {
    let mut bytes = Vec::new();
    match input.take(MAX_STDIN as u64 + 1).read_to_end(&mut bytes) {
        Ok(_) => {}
        // Started with standard input closed (`<&-`): there is nothing to pass on.
        Err(e) if e.raw_os_error() == Some(libc::EBADF) => return Ok(String::new()),
        Err(e) => return Err(format!("failed to read standard input: {e}")),
    }
    if bytes.len() > MAX_STDIN {
        return Err(format!(
            "failed to pass standard input on: it is larger than {} MiB (use `-n` to pass none)",
            MAX_STDIN >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        "failed to pass standard input on: it is not text (UTF-8); asbuilt passes only text".into()
    })
}

/// The command's exit status as asbuilt's own, or 2 with an `error:` line when asbuilt
/// cannot say how it ended.
fn ended(out: &ExecOutput, command: &[String]) -> Outcome {
    if out.truncated {
        eprintln!(
            "error: `{}` printed more than {} MiB; asbuilt showed the beginning and stopped listening, so how it ended is unknown",
            command.join(" "),
            MAX_EXEC_OUTPUT >> 20
        );
        return Outcome::Failed;
    }
    // The engine reports a command killed by signal n as 128 + n, as shells do.
    match u8::try_from(out.exit_code) {
        Ok(code) => Outcome::Exited(code),
        Err(_) => {
            eprintln!(
                "error: `{}` ended with status {}, which no exit code can pass on",
                command.join(" "),
                out.exit_code
            );
            Outcome::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(exit_code: i64, truncated: bool) -> ExecOutput {
        ExecOutput { exit_code, stdout: String::new(), stderr: String::new(), truncated }
    }

    #[test]
    fn the_commands_exit_status_is_asbuilts() {
        for code in [0, 1, 2, 42, 137, 255] {
            assert_eq!(ended(&output(code, false), &[]), Outcome::Exited(code as u8));
        }
    }

    #[test]
    fn cut_off_output_or_an_unknown_status_is_asbuilts_failure() {
        assert_eq!(ended(&output(-1, true), &[]), Outcome::Failed);
        assert_eq!(ended(&output(-1, false), &[]), Outcome::Failed);
        assert_eq!(ended(&output(256, false), &[]), Outcome::Failed);
    }

    #[test]
    fn standard_input_is_passed_whole_when_it_is_text_and_not_too_large() {
        assert_eq!(read_stdin("a\nb\n".as_bytes()), Ok("a\nb\n".to_string()));
        assert_eq!(read_stdin(&[][..]), Ok(String::new()));
        let big = vec![b'x'; MAX_STDIN + 1];
        assert!(read_stdin(&big[..]).unwrap_err().contains("larger than 4 MiB"));
        assert!(read_stdin(&[0xff, 0xfe][..]).unwrap_err().contains("not text"));
    }
}
