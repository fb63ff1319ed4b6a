//! Building one Dockerfile recipe through the Docker API, with its log.
//!
//! The classic builder streams its output as text; [`Transcript`] follows it to know
//! which step is running, so that a failure names the failing step and shows what that
//! step printed last, instead of the builder's bare "returned a non-zero code: 100".

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::BuildImageOptionsBuilder;
use futures_util::StreamExt;

use super::BuildOptions;
use super::error::ImageError;
use super::progress::{BuildEvent, BuildObserver};
use super::recipe::{ImageSpec, context_tar, image_reference};

/// How many lines of a failing step's output an error shows.
const TAIL_LINES: usize = 12;

/// Builds can run for many minutes; the engine answers the build request only when it
/// starts streaming, but bollard's default two-minute timeout would still cut a slow
/// context upload, so builds get an hour.
pub(crate) const LONG_REQUEST: Duration = Duration::from_secs(3600);

/// One step header of the classic builder: `Step 3/7 : RUN apt-get install frr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based step number.
    pub index: u32,
    /// Number of steps in the Dockerfile.
    pub total: u32,
    /// The instruction as the builder echoes it.
    pub instruction: String,
}

impl Step {
    /// Parses a builder line; `None` if it is not a step header.
    pub fn parse(line: &str) -> Option<Step> {
        let rest = line.trim().strip_prefix("Step ")?;
        let (numbers, instruction) = rest.split_once(" : ")?;
        let (index, total) = numbers.split_once('/')?;
        Some(Step {
            index: index.parse().ok()?,
            total: total.parse().ok()?,
            instruction: instruction.trim().to_string(),
        })
    }

    /// "step 3/7 RUN asbuilt-apt-install frr", shortened to stay on one line.
    pub fn describe(&self) -> String {
        const MAX: usize = 90;
        // Line continuations in a recipe reach the builder as runs of spaces.
        let mut instruction = self.instruction.split_whitespace().collect::<Vec<_>>().join(" ");
        if instruction.chars().count() > MAX {
            instruction = instruction.chars().take(MAX - 1).collect::<String>() + "…";
        }
        format!("step {}/{} {}", self.index, self.total, instruction)
    }
}

/// Follows the builder's output: the current step and the last lines it printed.
#[derive(Debug, Default)]
pub struct Transcript {
    step: Option<Step>,
    tail: VecDeque<String>,
    partial: String,
}

impl Transcript {
    /// Feeds a chunk of builder output (it may end mid-line). Returns the step headers
    /// it completed, in order.
    pub fn push(&mut self, chunk: &str) -> Vec<Step> {
        self.partial.push_str(chunk);
        let mut steps = Vec::new();
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            if let Some(step) = self.line(strip_ansi(&line).trim_end()) {
                steps.push(step);
            }
        }
        steps
    }

    fn line(&mut self, line: &str) -> Option<Step> {
        if let Some(step) = Step::parse(line) {
            self.step = Some(step.clone());
            self.tail.clear();
            return Some(step);
        }
        // The builder's own bookkeeping says nothing about why a step failed.
        let noise = line.trim().is_empty()
            || line.starts_with(" ---> ")
            || line.starts_with("Removing intermediate container")
            || line.starts_with("Sending build context")
            || line.starts_with("Successfully built")
            || line.starts_with("Successfully tagged");
        if !noise {
            if self.tail.len() == TAIL_LINES {
                self.tail.pop_front();
            }
            self.tail.push_back(line.to_string());
        }
        None
    }

    /// The step running now (or that failed), if any started.
    pub fn step(&self) -> Option<&Step> {
        self.step.as_ref()
    }

    /// The last lines the current step printed, including an unfinished last line.
    pub fn tail(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.tail.iter().cloned().collect();
        let partial = strip_ansi(&self.partial);
        if !partial.trim().is_empty() {
            lines.push(partial.trim_end().to_string());
        }
        lines
    }

    /// The error for a build that failed with `message` from the engine.
    pub fn failure(&self, image: &str, message: String, log: &Path) -> ImageError {
        match self.step() {
            Some(step) => ImageError::BuildStep {
                image: image.to_string(),
                step: step.describe(),
                message,
                tail: self.tail(),
                log: log.to_path_buf(),
            },
            None => ImageError::Build { image: image.to_string(), message, log: log.to_path_buf() },
        }
    }
}

/// `text` without terminal escape sequences. The builder colours what a step writes to
/// stderr (ESC [91m ... ESC [0m); in an error message or a log file those are noise.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in @..~.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A build log: one file per image build under `<state>/logs`, named after the image and
/// its recipe hash, so the log of what is running now is easy to find.
pub(crate) struct BuildLog {
    path: PathBuf,
    file: File,
}

impl BuildLog {
    pub(crate) fn create(options: &BuildOptions, spec: &ImageSpec) -> Result<BuildLog, ImageError> {
        let dir = options.log_dir();
        std::fs::create_dir_all(&dir).map_err(|e| ImageError::io("create log folder", &dir, e))?;
        let path = dir.join(format!("{}-{}.log", spec.name, spec.hash));
        let file = File::create(&path).map_err(|e| ImageError::io("create build log", &path, e))?;
        let mut log = BuildLog { path, file };
        log.write(&format!(
            "asbuilt: building {} from recipe images/{} (mirror {})\n",
            spec.reference(),
            spec.dir,
            options.mirror
        ));
        Ok(log)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends text. A log that cannot be written must not fail the build it describes,
    /// so write errors are ignored; the build's own result still reaches the caller.
    pub(crate) fn write(&mut self, text: &str) {
        let _ = self.file.write_all(text.as_bytes());
    }
}

/// Builds one Dockerfile recipe FROM its parent and tags it with its recipe hash.
pub(crate) async fn build_dockerfile(
    docker: &Docker,
    spec: &ImageSpec,
    options: &BuildOptions,
    observer: &dyn BuildObserver,
) -> Result<(), ImageError> {
    let reference = spec.reference();
    let mut log = BuildLog::create(options, spec)?;
    let parent =
        spec.parent.and_then(super::recipe::find).map(|parent| image_reference(parent.name, &parent.hash));

    let mut args = HashMap::new();
    args.insert("DEBIAN_MIRROR".to_string(), options.mirror.clone());
    if let Some(parent) = &parent {
        args.insert("PARENT_IMAGE".to_string(), parent.clone());
    }
    // The recipe hash is stamped by asbuilt, not written in the recipe, so that the
    // label always matches the tag.
    let mut labels = HashMap::new();
    labels.insert("org.asbuilt.recipe-hash".to_string(), spec.hash.clone());
    labels.insert("org.asbuilt.image".to_string(), spec.name.to_string());

    let build_options = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(&reference)
        .buildargs(&args)
        .labels(&labels)
        .nocache(options.force)
        .rm(true)
        // Remove the containers of failed steps too, so failures leave nothing behind.
        .forcerm(true)
        .build();

    let docker = docker.clone().with_timeout(LONG_REQUEST);
    let context = bytes::Bytes::from(context_tar(spec));
    let mut stream = docker.build_image(build_options, None, Some(bollard::body_full(context)));
    let mut transcript = Transcript::default();
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(text) = info.stream.as_deref() {
                    log.write(&strip_ansi(text));
                    for step in transcript.push(text) {
                        observer.on_event(BuildEvent::Step { image: spec.name, message: &step.describe() });
                    }
                }
                if let Some(status) = info.status.as_deref() {
                    log.write(&format!("{status}\n"));
                }
            }
            Err(bollard::errors::Error::DockerStreamError { error }) => {
                log.write(&format!("\nasbuilt: build failed: {error}\n"));
                return Err(transcript.failure(&reference, error, log.path()));
            }
            Err(other) => {
                log.write(&format!("\nasbuilt: build failed: {other}\n"));
                return Err(transcript.failure(&reference, format!("docker engine: {other}"), log.path()));
            }
        }
    }

    // The stream ends cleanly also when the engine drops the connection; only an image
    // that exists under the tag counts as built.
    match docker.inspect_image(&reference).await {
        Ok(_) => {
            log.write(&format!("asbuilt: built {reference}\n"));
            Ok(())
        }
        Err(error) => {
            let message = format!("the build ended without an image tagged {reference} ({error})");
            log.write(&format!("\nasbuilt: {message}\n"));
            Err(transcript.failure(&reference, message, log.path()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_headers_are_parsed_and_other_lines_are_not() {
        assert_eq!(
            Step::parse("Step 3/7 : RUN asbuilt-apt-install frr frr-pythontools\n"),
            Some(Step {
                index: 3,
                total: 7,
                instruction: "RUN asbuilt-apt-install frr frr-pythontools".into()
            })
        );
        assert_eq!(Step::parse(" ---> Running in 4f2c"), None);
        assert_eq!(Step::parse("Step x/7 : RUN true"), None);
        assert_eq!(Step::parse("Stepping through"), None);
    }

    #[test]
    fn continued_lines_read_as_one() {
        let step =
            Step { index: 4, total: 7, instruction: "RUN asbuilt-apt-install       curl \t nmap".into() };
        assert_eq!(step.describe(), "step 4/7 RUN asbuilt-apt-install curl nmap");
    }

    #[test]
    fn long_instructions_are_shortened_for_one_line() {
        let step = Step { index: 4, total: 9, instruction: format!("RUN {}", "x".repeat(200)) };
        let text = step.describe();
        assert!(text.starts_with("step 4/9 RUN xxx"));
        assert!(text.ends_with('…'));
        assert!(text.chars().count() < 110);
    }

    /// What the classic builder streamed for a recipe whose apt step failed (abridged
    /// from a real build log), split at awkward places as the API delivers it.
    const FAILED_BUILD: &[&str] = &[
        "Step 1/6 : ARG PARENT_IMAGE\n",
        "\n ---> Using cache\n ---> 1a2b3c\n",
        "Step 2/6 : FROM ${PARENT_IMAGE}\n ---> 4d5e6f\n",
        "Step 3/6 : ARG DEBIAN_MIRROR\n ---> Running in 7a8b9c\n",
        "Removing intermediate container 7a8b9c\n ---> 0d1e2f\n",
        "Step 4/6 : RUN asbuilt-apt-install frr-does-not-exist\n",
        " ---> Running in 3a4b5c\n",
        "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]\n",
        "Reading package lists...\nBuilding dep",
        "endency tree...\n",
        "E: Unable to locate package frr-does-not-exist\n",
    ];

    #[test]
    fn a_failed_build_names_the_step_that_failed_and_its_last_output() {
        let mut transcript = Transcript::default();
        let mut headers = Vec::new();
        for chunk in FAILED_BUILD {
            headers.extend(transcript.push(chunk).into_iter().map(|step| step.index));
        }
        assert_eq!(headers, vec![1, 2, 3, 4]);
        let error = transcript.failure(
            "asbuilt/router:0123456789ab",
            "The command '/bin/sh -c asbuilt-apt-install frr-does-not-exist' returned a non-zero code: 100"
                .into(),
            Path::new("/var/lib/asbuilt/logs/router-0123456789ab.log"),
        );
        match &error {
            ImageError::BuildStep { step, tail, .. } => {
                assert_eq!(step, "step 4/6 RUN asbuilt-apt-install frr-does-not-exist");
                assert_eq!(
                    tail,
                    &vec![
                        "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]".to_string(),
                        "Reading package lists...".into(),
                        "Building dependency tree...".into(),
                        "E: Unable to locate package frr-does-not-exist".into(),
                    ]
                );
            }
            other => panic!("expected a step failure, got {other:?}"),
        }
        let text = error.to_string();
        assert!(text.starts_with("build image asbuilt/router:0123456789ab: step 4/6 RUN"), "{text}");
        assert!(text.ends_with("full log: /var/lib/asbuilt/logs/router-0123456789ab.log"), "{text}");
    }

    #[test]
    fn colours_the_builder_adds_to_stderr_are_removed() {
        let mut transcript = Transcript::default();
        transcript.push("Step 4/7 : RUN asbuilt-apt-install nftables\n");
        transcript.push("\u{1b}[91mE\u{1b}[0m\u{1b}[91m: \u{1b}[0m\u{1b}[91mUnable to locate package nftables\u{1b}[0m\u{1b}[91m\n");
        transcript.push("\u{1b}[0mRemoving intermediate container d5f1d4caaa7e\n");
        assert_eq!(transcript.tail(), vec!["E: Unable to locate package nftables".to_string()]);
        assert_eq!(strip_ansi("plain"), "plain");
    }

    #[test]
    fn the_tail_keeps_only_the_last_lines_of_the_failing_step() {
        let mut transcript = Transcript::default();
        transcript.push("Step 1/2 : RUN noisy\n");
        for n in 0..50 {
            transcript.push(&format!("line {n}\n"));
        }
        let tail = transcript.tail();
        assert_eq!(tail.len(), TAIL_LINES);
        assert_eq!(tail.last().unwrap(), "line 49");
        transcript.push("Step 2/2 : LABEL a=b\n");
        assert!(transcript.tail().is_empty(), "a new step starts a new tail");
    }

    #[test]
    fn a_failure_before_any_step_is_a_plain_build_error() {
        let transcript = Transcript::default();
        let error =
            transcript.failure("asbuilt/host:abc", "dockerfile parse error line 3".into(), Path::new("/l"));
        assert_eq!(
            error.to_string(),
            "build image asbuilt/host:abc: dockerfile parse error line 3\nfull log: /l"
        );
    }
}
