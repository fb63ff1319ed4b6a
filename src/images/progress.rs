//! Telling a person how a build is going.
//!
//! The build code reports [`BuildEvent`]s to a [`BuildObserver`]; it does not know who
//! listens. The CLI shows one live line per image on a terminal and plain lines in a log
//! (CI); the engine may pass [`Silent`] or its own observer.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Something that happened to one image during [`ensure_images`](super::ensure_images).
#[derive(Debug, Clone, Copy)]
pub enum BuildEvent<'a> {
    /// The image exists with the current recipe hash; nothing to do.
    UpToDate { image: &'a str, reference: &'a str },
    /// asbuilt started making the image.
    Started { image: &'a str, reference: &'a str },
    /// The build moved on, e.g. "step 3/7 RUN asbuilt-apt-install frr".
    Step { image: &'a str, message: &'a str },
    /// The image was made and tagged.
    Built { image: &'a str, reference: &'a str, elapsed: Duration },
    /// Making the image failed; the error returned by `ensure_images` says why.
    Failed { image: &'a str, reference: &'a str, elapsed: Duration },
    /// The image was not made because the image it builds on failed.
    NotAttempted { image: &'a str, reference: &'a str, parent: &'a str },
}

/// Receives build events. Called from the building task, so it must be quick.
pub trait BuildObserver: Send + Sync {
    /// One event.
    fn on_event(&self, event: BuildEvent<'_>);
}

/// An observer that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl BuildObserver for Silent {
    fn on_event(&self, _event: BuildEvent<'_>) {}
}

/// Shows builds on stderr: live lines on a terminal, plain lines otherwise.
pub enum Progress {
    /// One spinner line per image, updated in place.
    Live(LiveProgress),
    /// One line per event, for logs and CI.
    Plain(PlainProgress),
}

impl Progress {
    /// Live lines when stderr is a terminal, plain lines otherwise.
    pub fn for_stderr() -> Progress {
        if std::io::stderr().is_terminal() {
            Progress::Live(LiveProgress::new())
        } else {
            Progress::Plain(PlainProgress)
        }
    }
}

impl BuildObserver for Progress {
    fn on_event(&self, event: BuildEvent<'_>) {
        match self {
            Progress::Live(live) => live.on_event(event),
            Progress::Plain(plain) => plain.on_event(event),
        }
    }
}

/// Plain lines on stderr: `asbuilt: router: step 3/7 RUN ...`.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainProgress;

impl BuildObserver for PlainProgress {
    fn on_event(&self, event: BuildEvent<'_>) {
        if let Some(line) = plain_line(event) {
            // A closed stderr is no reason to stop a build.
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }
}

/// The plain-text line for an event, or `None` for events a log does not need.
fn plain_line(event: BuildEvent<'_>) -> Option<String> {
    Some(match event {
        BuildEvent::UpToDate { image, reference } => {
            format!("asbuilt: {image}: up to date ({reference})")
        }
        BuildEvent::Started { image, reference } => {
            format!("asbuilt: {image}: building {reference}")
        }
        BuildEvent::Step { image, message } => format!("asbuilt: {image}: {message}"),
        BuildEvent::Built { image, reference, elapsed } => {
            format!("asbuilt: {image}: built {reference} in {}", seconds(elapsed))
        }
        BuildEvent::Failed { image, reference, elapsed } => {
            format!("asbuilt: {image}: FAILED building {reference} after {}", seconds(elapsed))
        }
        BuildEvent::NotAttempted { image, parent, .. } => {
            format!("asbuilt: {image}: not built, because {parent} failed")
        }
    })
}

/// One live line per image, drawn with indicatif.
pub struct LiveProgress {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl LiveProgress {
    fn new() -> LiveProgress {
        LiveProgress {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, image: &str) -> ProgressBar {
        let mut bars = self.bars.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        bars.entry(image.to_string())
            .or_insert_with(|| {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:9} {elapsed:>4} {wide_msg}")
                        .expect("a valid progress template"),
                );
                bar.set_prefix(image.to_string());
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            })
            .clone()
    }

    fn finish(&self, image: &str, line: String) {
        let bar = self.bar(image);
        bar.set_style(ProgressStyle::with_template("{msg}").expect("a valid progress template"));
        bar.finish_with_message(line);
    }
}

impl BuildObserver for LiveProgress {
    fn on_event(&self, event: BuildEvent<'_>) {
        match event {
            BuildEvent::UpToDate { image, reference } => {
                self.finish(image, format!("  {image:9} up to date  {reference}"));
            }
            BuildEvent::Started { image, reference } => {
                self.bar(image).set_message(format!("building {reference}"))
            }
            BuildEvent::Step { image, message } => self.bar(image).set_message(message.to_string()),
            BuildEvent::Built { image, reference, elapsed } => {
                self.finish(image, format!("✓ {image:9} built in {}  {reference}", seconds(elapsed)));
            }
            BuildEvent::Failed { image, reference, elapsed } => {
                self.finish(image, format!("✗ {image:9} FAILED after {}  {reference}", seconds(elapsed)));
            }
            BuildEvent::NotAttempted { image, parent, .. } => {
                self.finish(image, format!("- {image:9} not built, because {parent} failed"));
            }
        }
    }
}

/// A duration the way a person reads it: "0.4 s", "42 s", "3 min 05 s".
pub fn seconds(elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.1} s")
    } else if secs < 120.0 {
        format!("{secs:.0} s")
    } else {
        let whole = elapsed.as_secs();
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_name_the_image_and_what_happened() {
        let line =
            plain_line(BuildEvent::Step { image: "router", message: "step 3/7 RUN asbuilt-apt-install frr" });
        assert_eq!(line.unwrap(), "asbuilt: router: step 3/7 RUN asbuilt-apt-install frr");
        let line = plain_line(BuildEvent::Built {
            image: "router",
            reference: "asbuilt/router:abc",
            elapsed: Duration::from_millis(42_300),
        });
        assert_eq!(line.unwrap(), "asbuilt: router: built asbuilt/router:abc in 42 s");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(seconds(Duration::from_millis(400)), "0.4 s");
        assert_eq!(seconds(Duration::from_secs(42)), "42 s");
        assert_eq!(seconds(Duration::from_secs(185)), "3 min 05 s");
    }
}
