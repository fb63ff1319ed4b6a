//! Quagga's configuration: one file per daemon (`zebra.conf`, `ospfd.conf`, `ripd.conf`,
//! `bgpd.conf`, ...) and a `daemons` file, turned into one FRR configuration (what a
//! router loads when it runs as it is) and the facts of all files together.

use super::frr::{self, Facts};

/// Quagga's daemon files, in the order their configurations are joined.
pub const DAEMON_FILES: [&str; 7] =
    ["zebra.conf", "staticd.conf", "ospfd.conf", "ospf6d.conf", "ripd.conf", "ripngd.conf", "bgpd.conf"];

/// One FRR configuration from Quagga's per-daemon files, each given as its path (for
/// the report) and text; and what they say, with every place in its own file.
pub fn convert(files: &[(String, String)]) -> (String, Facts) {
    let mut config = String::from(
        "! One FRR configuration made by asbuilt from Quagga's per-daemon files.\nfrr defaults traditional\nservice integrated-vtysh-config\n!\n",
    );
    let mut facts = Facts::default();
    for (path, text) in files {
        facts.merge(frr::parse(text, path));
        config.push_str(&format!("! from {path}\n"));
        for line in text.lines() {
            let t = line.trim();
            // Each daemon's file has its own name, passwords and log; one FRR
            // configuration has them once, and a lab needs none of them.
            if ["hostname", "password", "enable password", "log "].iter().any(|p| t.starts_with(p)) {
                continue;
            }
            config.push_str(line);
            config.push('\n');
        }
        config.push_str("!\n");
    }
    config.push_str("end\n");
    (config, facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_daemon_files_become_one_configuration_with_facts_placed_in_their_own_files() {
        let files = vec![
            (
                "r1/etc/quagga/zebra.conf".to_string(),
                "hostname zebra\npassword zebra\ninterface eth0\n ip address 10.0.0.1/24\n".to_string(),
            ),
            (
                "r1/etc/quagga/ripd.conf".to_string(),
                "hostname ripd\nrouter rip\nnetwork 10.0.0.0/24\n".to_string(),
            ),
        ];
        let (config, facts) = convert(&files);
        assert!(!config.contains("password"), "{config}");
        assert!(
            config.contains("! from r1/etc/quagga/ripd.conf\nrouter rip\nnetwork 10.0.0.0/24\n"),
            "{config}"
        );
        assert_eq!(facts.addresses[0].2.to_string(), "r1/etc/quagga/zebra.conf:4:2");
        assert_eq!(facts.rip.unwrap().networks.len(), 1);
        assert_eq!(facts.unrecognised, []);
    }
}
