//! `asbuilt save`: the running configuration of every node, read back from the lab.
//!
//! Works through [`Engine::exec`] only, so every engine saves alike. What is saved is
//! what the nodes run now, whoever configured it: a teacher's snapshot for grading or
//! for a student's portfolio.

use std::time::Duration;

use super::{Engine, EngineError};
use crate::kind::NodeKind;
use crate::plan::InstanceId;

/// One saved file.
#[derive(Debug, Clone)]
pub struct SavedFile {
    pub node: String,
    /// The file name within the node's folder (`frr.conf`, `addresses.txt`).
    pub name: String,
    pub content: String,
}

/// What to read from a node: file name and shell command. `services`: the node offers
/// services in its design (a server always may, a student can start them there).
fn readings(kind: NodeKind, services: bool) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![
        ("addresses.txt", "ip -d address show"),
        ("routes.txt", "ip -4 route show; echo; ip -6 route show 2>/dev/null"),
        ("links.txt", "ip -d link show"),
    ];
    match kind {
        // Both kinds run nftables: a router for its NAT, a firewall for its policy too.
        NodeKind::Router | NodeKind::Firewall => {
            out.push(("frr.conf", "vtysh -c 'show running-config'"));
            out.push(("nftables.conf", "nft list ruleset"));
        }
        NodeKind::Switch => out.push(("bridge.txt", "bridge -d link show; echo; bridge vlan show")),
        NodeKind::Host => out.push(("resolv.conf", "cat /etc/resolv.conf")),
        NodeKind::Server | NodeKind::Custom => {}
    }
    if kind == NodeKind::Server || (services && kind != NodeKind::Custom) {
        out.push((
            "dnsmasq.conf",
            "cat /etc/dnsmasq.conf /etc/dnsmasq.d/*.conf 2>/dev/null | grep -v '^#' | grep -v '^$'",
        ));
        out.push(("dnsmasq.leases", "cat /var/lib/misc/dnsmasq.leases 2>/dev/null"));
        out.push(("nginx-site.conf", "cat /etc/nginx/sites-enabled/* 2>/dev/null"));
        out.push(("index.html", "cat /var/www/html/index.html 2>/dev/null"));
        out.push(("sshd.conf", "cat /etc/ssh/sshd_config.d/*.conf 2>/dev/null"));
        out.push(("services.txt", "for s in $(asbuilt-service list); do asbuilt-service status $s; done"));
    }
    out
}

/// Reads the running configuration of every node of an instance.
pub async fn save(engine: &dyn Engine, instance: &InstanceId) -> Result<Vec<SavedFile>, EngineError> {
    let record = engine.record(instance).await?;
    let mut saved = Vec::new();
    for node in &record.plan.nodes {
        let services = record.design.node(&node.name).is_some_and(|n| !n.services.is_empty());
        for (name, command) in readings(node.kind, services) {
            let argv = ["sh".to_string(), "-c".to_string(), command.to_string()];
            let output =
                engine.exec(instance, &node.name, None, &argv, None, Duration::from_secs(20)).await?;
            let failed = !output.success() && !output.stderr.is_empty();
            let mut content = output.stdout;
            if failed {
                content.push_str(&format!("\n# asbuilt: `{command}` failed: {}\n", output.stderr.trim()));
            }
            saved.push(SavedFile { node: node.name.clone(), name: name.to_string(), content });
        }
    }
    Ok(saved)
}
