//! The lab as it is, planned (`design::as_is`): the node's files (written onto its disk
//! before it starts), its own FRR configuration in place of asbuilt's, kernel settings
//! over asbuilt's, MAC addresses, and the teacher's startup commands with a way to read
//! back what each of them did.

use serde::{Deserialize, Serialize};

use super::script::{Script, quote};
use super::{ConfigFile, NodePlan};
use crate::design::Node;
use crate::design::as_is::NodeFile;

/// What the node gets of its `as_is`, on top of the plan asbuilt made.
pub fn apply(node: &Node, plan: &mut NodePlan) {
    let as_is = &node.as_is;
    plan.node_files = as_is.files.clone();
    // The teacher's file replaces what asbuilt would write at the same place.
    plan.files.retain(|f| !as_is.files.iter().any(|n| n.path == f.path));
    if let Some(resolv) = &as_is.resolv {
        plan.node_files.push(NodeFile {
            path: "/etc/resolv.conf".into(),
            content: resolv.render(),
            owner: None,
            mode: 0o644,
        });
    }
    if let Some(frr) = &as_is.frr {
        // Loaded as it is by the step that would load asbuilt's (`vtysh -f`).
        match plan.files.iter_mut().find(|f| f.path == "/etc/frr/frr.conf") {
            Some(file) => file.content = frr.config.clone(),
            None => plan.files.push(ConfigFile {
                path: "/etc/frr/frr.conf".into(),
                content: frr.config.clone(),
                mode: 0o640,
            }),
        }
        for daemon in &frr.daemons {
            if !plan.frr_daemons.contains(daemon) {
                plan.frr_daemons.push(daemon.clone());
            }
        }
    }
    if let Some(on) = as_is.ipv6 {
        let disable = if on { "0" } else { "1" };
        set(&mut plan.sysctls, "net.ipv6.conf.all.disable_ipv6", disable);
        set(&mut plan.sysctls, "net.ipv6.conf.default.disable_ipv6", disable);
        if !on {
            plan.sysctls.retain(|(k, _)| k != "net.ipv6.conf.all.forwarding");
        }
    }
    for (key, value) in &as_is.sysctls {
        set(&mut plan.sysctls, key, value);
    }
    // A custom image gets no configuration from asbuilt; its MACs are set all the same.
    if plan.configure.is_none() && !as_is.macs.is_empty() {
        let mut script = Script::new();
        macs(node, &mut script);
        plan.configure = Some(script.render());
    }
    plan.startup = as_is.startup.clone();
    plan.startup_after = as_is.startup_after.clone();
}

/// The MAC address steps, first thing in `configure`: before addresses and daemons
/// look at the interfaces.
pub fn macs(node: &Node, script: &mut Script) {
    for (iface, mac) in &node.as_is.macs {
        script.step(&format!("MAC address {mac} on {iface}"));
        // Down first: not every driver takes a new address while the link is up.
        script.run(&["ip", "link", "set", "dev", iface, "down"]);
        script.run(&["ip", "link", "set", "dev", iface, "address", mac]);
        script.run(&["ip", "link", "set", "dev", iface, "up"]);
    }
}

fn set(sysctls: &mut Vec<(String, String)>, key: &str, value: &str) {
    match sysctls.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => *v = value.to_string(),
        None => sysctls.push((key.to_string(), value.to_string())),
    }
}

/// Marks the start of a command's output in the startup script's output.
const START: &str = "asbuilt-startup-command: ";
/// Marks the end of a command, with its exit status.
const STATUS: &str = "asbuilt-startup-status: ";

/// One shell script of the teacher's commands, in order and in one shell (a `cd` or a
/// variable carries on to the next command, as in Kathará's `.startup`), that goes on
/// after a command fails and marks where each command's output starts and ends.
pub fn startup_script(commands: &[String]) -> String {
    let mut out = String::from("exec 2>&1\n");
    for (i, command) in commands.iter().enumerate() {
        out.push_str(&format!("echo {}\n", quote(&format!("{START}{i}"))));
        // Standard input is the script itself: a command that reads it (`cat`) would
        // eat the commands after it.
        out.push_str("{ ");
        out.push_str(command);
        out.push_str(&format!("\n}} </dev/null\necho \"{STATUS}{i} $?\"\n"));
    }
    out
}

/// What the startup commands of one node did, kept in the instance's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartupLog {
    pub node: String,
    pub commands: Vec<CommandLog>,
    /// Set when the script could not be run at all (the node was gone, it timed out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StartupLog {
    /// Whether every command ran and exited 0.
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.commands.iter().all(|c| c.status == Some(0))
    }
}

/// One command and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandLog {
    pub command: String,
    /// Its exit status; `None` when it never finished (an earlier command ended the
    /// shell with `exit`, or the script was stopped).
    pub status: Option<i32>,
    pub output: String,
}

/// The most kept of one command's output: its end, where errors are.
pub const COMMAND_OUTPUT: usize = 16 * 1024;

/// Reads the output of [`startup_script`] back into each command's part.
pub fn read_startup_output(node: &str, commands: &[String], output: &str) -> StartupLog {
    let mut logs: Vec<CommandLog> = commands
        .iter()
        .map(|c| CommandLog { command: c.clone(), status: None, output: String::new() })
        .collect();
    let mut current: Option<usize> = None;
    for line in output.lines() {
        if let Some(i) = line.strip_prefix(START).and_then(|n| n.trim().parse::<usize>().ok())
            && i < logs.len()
        {
            current = Some(i);
            continue;
        }
        if let Some(rest) = line.strip_prefix(STATUS)
            && let Some((i, status)) = rest.split_once(' ')
            && let (Ok(i), Ok(status)) = (i.parse::<usize>(), status.trim().parse::<i32>())
            && i < logs.len()
        {
            logs[i].status = Some(status);
            current = None;
            continue;
        }
        if let Some(i) = current {
            logs[i].output.push_str(line);
            logs[i].output.push('\n');
        }
    }
    for log in &mut logs {
        if log.output.len() > COMMAND_OUTPUT {
            let mut cut = log.output.len() - COMMAND_OUTPUT;
            while !log.output.is_char_boundary(cut) {
                cut += 1;
            }
            log.output = format!("[...]\n{}", &log.output[cut..]);
        }
    }
    StartupLog { node: node.to_string(), commands: logs, error: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_output_is_split_per_command() {
        let commands = vec![
            "cd /tmp\necho hallo".to_string(),
            "pwd; false".to_string(),
            "cat; exit 3".to_string(),
            "echo nooit".to_string(),
        ];
        let script = startup_script(&commands);
        let mut child = std::process::Command::new("sh")
            .arg("-s")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), script.as_bytes()).unwrap();
        let run = child.wait_with_output().unwrap();
        let out = String::from_utf8(run.stdout).unwrap();
        let log = read_startup_output("r1", &commands, &out);
        assert_eq!(log.commands[0].status, Some(0));
        assert_eq!(log.commands[0].output, "hallo\n");
        assert_eq!(log.commands[1].status, Some(1));
        assert_eq!(log.commands[1].output, "/tmp\n", "one shell: the cd carries on");
        assert_eq!(log.commands[2].status, None, "exit ends the shell before its status is said");
        assert_eq!(log.commands[3].status, None);
        assert!(!log.succeeded());
    }
}
