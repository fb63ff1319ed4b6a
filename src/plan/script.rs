//! Shell scripts the engine runs inside nodes, fed on standard input so that nothing of
//! them (faults least of all) stays behind on the node for a student to read.

/// A POSIX shell script built step by step. Each step announces itself, so when the
/// script fails the engine can say which step it was.
#[derive(Debug, Default, Clone)]
pub struct Script {
    lines: Vec<String>,
}

/// The marker a script prints before each step.
pub const STEP_MARKER: &str = "asbuilt-step: ";

impl Script {
    pub fn new() -> Script {
        Script::default()
    }

    /// Starts a step: `what` is how the engine reports it if it fails.
    pub fn step(&mut self, what: &str) -> &mut Script {
        self.lines.push(format!("echo {}", quote(&format!("{STEP_MARKER}{what}"))));
        self
    }

    /// A command, each argument quoted.
    pub fn run<S: AsRef<str>>(&mut self, argv: &[S]) -> &mut Script {
        let words: Vec<String> = argv.iter().map(|a| quote(a.as_ref())).collect();
        self.lines.push(words.join(" "));
        self
    }

    /// A line of shell as is, for pipes and loops.
    pub fn raw(&mut self, line: impl Into<String>) -> &mut Script {
        self.lines.push(line.into());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The script, stopping at the first failing command.
    pub fn render(&self) -> String {
        let mut out = String::from("set -eu\n");
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// Quotes a word for the shell: unchanged when it is safe, in single quotes otherwise.
pub fn quote(word: &str) -> String {
    let safe =
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
    if safe { word.to_string() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

/// The step a failed script was in: the last marker in its output.
pub fn failed_step(output: &str) -> Option<&str> {
    output.lines().rev().find_map(|l| l.strip_prefix(STEP_MARKER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(quote("eth1"), "eth1");
        assert_eq!(quote("10.0.0.1/24"), "10.0.0.1/24");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
    }

    #[test]
    fn the_failed_step_is_the_last_one_announced() {
        let mut s = Script::new();
        s.step("addresses").run(&["ip", "addr", "add", "10.0.0.1/24", "dev", "eth1"]).step("routes");
        let text = s.render();
        assert!(text.starts_with("set -eu\n"));
        assert!(text.contains("echo 'asbuilt-step: addresses'"));
        assert_eq!(
            failed_step("asbuilt-step: addresses\nasbuilt-step: routes\nRTNETLINK answers: File exists"),
            Some("routes")
        );
    }
}
