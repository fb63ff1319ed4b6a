//! The plan: what an engine must create and run for one instance of a lab.
//!
//! Pure, like the design: it decides the containers, their limits and privileges, the
//! fabric's bridges and ports, every configuration file and script, and the faults.
//! Engines only carry it out, so Docker and Kubernetes build the same lab.

mod accounts;
pub mod as_is;
mod bgp;
mod boot;
pub mod copies;
pub mod fabric;
pub mod faults;
pub mod files_script;
mod frr;
pub mod instance;
mod monitoring;
mod nft;
mod ospf_detail;
mod packages;
mod rip;
pub mod script;
mod services;
pub mod tunnel;

use serde::{Deserialize, Serialize};

pub use faults::LinkSetting;
pub use instance::InstanceId;

use crate::design::{
    Builder, Design, Endpoint, FaultKind, Http, Node, OspfVersion, Part, PortVlans, ServiceName,
};
use crate::kind::{Limits, NodeKind};
use script::{Script, quote};

/// Everything an engine needs to build one lab instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub instance: InstanceId,
    pub lab: String,
    pub student: Option<String>,
    pub nodes: Vec<NodePlan>,
    pub segments: Vec<SegmentPlan>,
    /// Cable faults the fabric applies once everything is wired.
    pub links: Vec<(Endpoint, LinkSetting)>,
    /// Whether the lab uses VLANs (tagged subinterfaces or VLAN-filtering switches),
    /// which not every kernel supports.
    pub needs_vlans: bool,
    /// How the cables reach the fabric. An engine's choice, not the lab's: `plan` gives
    /// veth pairs, and a deploy may ask for VXLAN ([`tunnel`]).
    #[serde(default)]
    pub transport: CableTransport,
    /// What one node makes and another keeps, copied once the lab runs (faults
    /// included): configuration backups, SSH keys ([`copies`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<copies::NodeCopy>,
}

/// How a node's cable ends reach the fabric's bridges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CableTransport {
    /// A veth pair per cable end, between namespaces of one host.
    #[default]
    Veth,
    /// A VXLAN tunnel per cable end over an underlay network, as across the hosts of a
    /// cluster.
    Vxlan,
}

impl Plan {
    pub fn node(&self, name: &str) -> Option<&NodePlan> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The segment a port belongs to.
    pub fn segment_of(&self, port: &PortPlan) -> &SegmentPlan {
        self.segments
            .iter()
            .find(|s| s.ports.iter().any(|p| p.port == port.port))
            .expect("ports belong to segments")
    }

    /// The fabric port of a cable end.
    pub fn port_of(&self, endpoint: &Endpoint) -> Option<&PortPlan> {
        self.segments.iter().flat_map(|s| s.ports.iter()).find(|p| &p.endpoint == endpoint)
    }
}

/// The user asbuilt's images have for checks: no privilege, but a member of FRR's
/// `frrvty` group on routers and firewalls, so a check may ask vtysh.
pub const CHECK_USER: &str = "asbuilt-check";

/// Nobody, by number: every Linux image can run a command as it, whether its
/// `/etc/passwd` names it or not.
pub const NOBODY: &str = "65534:65534";

fn nobody() -> String {
    NOBODY.to_string()
}

/// Which image a node runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "type", content = "name")]
pub enum ImageChoice {
    /// asbuilt's own image for a kind (`router`, ...), built locally.
    Builtin(String),
    /// An image the teacher named.
    Custom(String),
}

/// One node: its container and how to configure it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodePlan {
    pub name: String,
    pub kind: NodeKind,
    pub image: ImageChoice,
    pub limits: Limits,
    /// The node's Linux capabilities: exactly these, never privileged.
    pub capabilities: Vec<String>,
    /// The unprivileged user a teacher's `command:` and `file:` checks run as.
    #[serde(default = "nobody")]
    pub check_user: String,
    /// Programs may not gain privileges when run (set-uid bits do nothing).
    #[serde(default)]
    pub no_new_privileges: bool,
    /// Kernel settings of the node's network namespace.
    pub sysctls: Vec<(String, String)>,
    /// Cabled interfaces, in the order of the design.
    pub interfaces: Vec<String>,
    /// Configuration files written into the node before `configure` runs.
    pub files: Vec<ConfigFile>,
    /// FRR daemons the node runs beyond the image's (`ospfd`): an engine that can write
    /// the node's disk before it starts enables them in `/etc/frr/daemons` then, and
    /// `configure` starts them only if they are not running (a restart of FRR).
    #[serde(default)]
    pub frr_daemons: Vec<String>,
    /// Run once every interface is wired and up.
    pub configure: Option<String>,
    /// Run once every node is configured: things that need the others (DHCP clients).
    pub after_all: Option<String>,
    /// Run last: the faults inside this node.
    pub break_faults: Option<String>,
    /// Exits 0 once the node's daemons answer.
    pub ready: Option<String>,
    /// The folders the node writes, on its own disk; the rest of its root file system
    /// is read-only. `confine::WRITABLE_DIRS`, and `/usr` where software is installed.
    #[serde(default = "writable_dirs")]
    pub writable: Vec<String>,
    /// The teacher's files (`design::as_is`), written onto the node's disk before it
    /// starts, with their owner looked up in the node's own /etc/passwd.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_files: Vec<crate::design::as_is::NodeFile>,
    /// The teacher's startup commands, run after the configuration by the script
    /// `plan::as_is::startup_script` makes; their output is kept, and a failure does not
    /// stop the deploy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup: Vec<String>,
    /// Nodes whose startup commands finish before this node's start (Kathará's
    /// `lab.dep`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup_after: Vec<String>,
}

fn writable_dirs() -> Vec<String> {
    crate::confine::WRITABLE_DIRS.iter().map(|d| d.to_string()).collect()
}

/// The smallest disk of a node whose software changes: `/usr` of the host and server
/// images is about 250 MiB, and it moves onto the disk with the rest.
pub const PACKAGES_DISK_MIB: u64 = 1024;

/// A file to put into a node.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigFile {
    pub path: String,
    pub content: String,
    pub mode: u32,
}

/// A cable or shared segment: one bridge in the fabric.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentPlan {
    pub name: String,
    /// The bridge's name in the fabric (`s0`, `s1`...).
    pub bridge: String,
    pub ports: Vec<PortPlan>,
}

/// One cable end: the node's interface and the fabric's side of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortPlan {
    pub endpoint: Endpoint,
    /// The veth end in the fabric (`p0`, `p1`...).
    pub port: String,
}

/// Whether a switch's design puts any port in a VLAN other than 1.
fn uses_vlans(node: &Node) -> bool {
    node.vlans.values().any(|v| *v != PortVlans::Access(1))
}

/// Plans an instance of `design`.
pub fn plan(design: &Design, instance: InstanceId) -> Plan {
    let deployed = faults::misconfigured(design);
    let ipv6 = design.nodes.values().any(|n| n.addresses().any(|(_, a)| a.addr().is_ipv6()));
    let nodes = deployed.nodes.values().map(|node| node_plan(&deployed, node, ipv6)).collect();
    let mut next_port = 0;
    let segments = design
        .segments
        .iter()
        .enumerate()
        .map(|(i, s)| SegmentPlan {
            name: s.name.clone(),
            bridge: format!("s{i}"),
            ports: s
                .members
                .iter()
                .map(|ep| {
                    next_port += 1;
                    PortPlan { endpoint: ep.clone(), port: format!("p{}", next_port - 1) }
                })
                .collect(),
        })
        .collect();
    let needs_vlans =
        design.nodes.values().any(|n| uses_vlans(n) || n.interfaces.values().any(|i| i.vlan.is_some()));
    Plan {
        instance,
        lab: design.lab.clone(),
        student: design.variant.as_ref().map(|v| v.student.clone()),
        nodes,
        segments,
        links: faults::link_settings(design),
        needs_vlans,
        transport: CableTransport::Veth,
        copies: copies::between_nodes(design),
    }
}

fn node_plan(design: &Design, node: &Node, ipv6: bool) -> NodePlan {
    let image = match &node.image {
        Some(custom) => ImageChoice::Custom(custom.clone()),
        None => ImageChoice::Builtin(
            node.kind.builtin_image().expect("only custom nodes lack an image").to_string(),
        ),
    };
    let interfaces = node
        .interfaces
        .values()
        .filter(|i| i.segment.is_some() && i.vlan.is_none())
        .map(|i| i.name.clone())
        .collect();
    let mut limits = node.limits;
    let mut writable = writable_dirs();
    // apt writes /usr: on a node whose software the lab changes, /usr is on its disk.
    if node.packages.is_some() {
        writable.push("/usr".into());
        limits.disk_mib = limits.disk_mib.max(PACKAGES_DISK_MIB);
    }
    let mut plan = NodePlan {
        name: node.name.clone(),
        kind: node.kind,
        image,
        limits,
        capabilities: capabilities(node),
        // An SSH server's users may `su` and `passwd`, and the design's sudoers `sudo`,
        // as on a server.
        no_new_privileges: node.kind.no_new_privileges()
            && node.services.ssh.is_none()
            && !node.accounts.iter().any(|a| a.sudo),
        check_user: if node.image.is_none() && node.kind.builtin_image().is_some() {
            CHECK_USER.to_string()
        } else {
            NOBODY.to_string()
        },
        sysctls: sysctls(node.kind, ipv6),
        interfaces,
        files: Vec::new(),
        frr_daemons: Vec::new(),
        configure: None,
        after_all: None,
        break_faults: faults::break_script(design, &node.name),
        ready: None,
        writable,
        node_files: Vec::new(),
        startup: Vec::new(),
        startup_after: Vec::new(),
    };
    // A custom image is the teacher's: asbuilt wires it and leaves its insides alone.
    if node.kind != NodeKind::Custom && node.image.is_none() {
        configure(design, node, ipv6, &mut plan);
    }
    as_is::apply(node, &mut plan);
    plan
}

/// Forwarding for the kinds that route; IPv6 off where the lab has none, so that no
/// address appears that the design did not put there (not even a link-local one).
fn sysctls(kind: NodeKind, ipv6: bool) -> Vec<(String, String)> {
    let forward = if kind.routes() { "1" } else { "0" };
    let mut out = vec![
        ("net.ipv4.ip_forward".to_string(), forward.to_string()),
        // Routed labs have asymmetric paths (an OSPF triangle); strict reverse-path
        // filtering would drop what the design allows.
        ("net.ipv4.conf.all.rp_filter".to_string(), "0".to_string()),
        ("net.ipv4.conf.default.rp_filter".to_string(), "0".to_string()),
    ];
    // Docker switches IPv6 off in containers without a network; a lab with IPv6
    // addresses needs it back on.
    let disable = if ipv6 { "0" } else { "1" };
    out.push(("net.ipv6.conf.all.disable_ipv6".into(), disable.into()));
    out.push(("net.ipv6.conf.default.disable_ipv6".into(), disable.into()));
    if ipv6 {
        out.push(("net.ipv6.conf.all.forwarding".into(), forward.into()));
    }
    out
}

/// The FRR daemons of the routing protocols in the node's design.
fn protocol_daemons(node: &Node) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some(ospf) = &node.ospf {
        if ospf.runs(node, OspfVersion::V2) {
            out.push("ospfd");
        }
        if ospf.runs(node, OspfVersion::V3) {
            out.push("ospf6d");
        }
    }
    if node.bgp.is_some() {
        out.push("bgpd");
    }
    out.extend(rip::daemons(node));
    out
}

/// The node's kind's capabilities, and sshd's where the design gives a node of another
/// kind an SSH server (whoever configures it: a student needs it to run too).
fn capabilities(node: &Node) -> Vec<String> {
    let mut caps: Vec<String> = node.kind.capabilities().iter().map(|c| c.to_string()).collect();
    // A student may be asked to turn sshd on or off at boot: it must be able to run.
    let boot_names_ssh = node.services.boot.as_ref().is_some_and(|b| b.services().any(|(s, _)| s == "ssh"));
    if node.services.ssh.is_some() || boot_names_ssh {
        for cap in crate::kind::SSH_CAPABILITIES {
            if !caps.iter().any(|c| c == cap) {
                caps.push(cap.to_string());
            }
        }
    }
    caps
}

fn configure(design: &Design, node: &Node, ipv6: bool, plan: &mut NodePlan) {
    let prebuilt = |part| node.builds(part) == Builder::Asbuilt;
    let mut script = Script::new();
    script.step("wait for the node to boot");
    script.raw("i=0; while [ ! -e /run/asbuilt/ready ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done");
    script.raw("[ -e /run/asbuilt/ready ] || { echo 'the node did not finish booting' >&2; exit 1; }");
    as_is::macs(node, &mut script);

    // VLAN subinterfaces exist whoever configures them: they are part of the cabling.
    for iface in node.interfaces.values() {
        if let Some(tag) = &iface.vlan {
            script.step(&format!("create VLAN interface {}", iface.name));
            script.run(&[
                "ip",
                "link",
                "add",
                "link",
                &tag.parent,
                "name",
                &iface.name,
                "type",
                "vlan",
                "id",
                &tag.id.to_string(),
            ]);
            script.run(&["ip", "link", "set", &iface.name, "up"]);
        }
    }
    let mut ready = Script::new();
    match node.kind {
        NodeKind::Router | NodeKind::Firewall => {
            plan.files.push(ConfigFile {
                path: "/etc/frr/frr.conf".into(),
                content: frr::config(node),
                mode: 0o640,
            });
            // The image runs no protocol daemon (each costs memory on every router of
            // every lab); a node gets the daemons of the protocols its design has,
            // whoever builds them, so a student can configure them in vtysh.
            for daemon in protocol_daemons(node) {
                plan.frr_daemons.push(daemon.into());
                script.step(&format!("start the routing daemon {daemon}"));
                script.raw(format!(
                    "pgrep -x {daemon} >/dev/null || {{ sed -i {} /etc/frr/daemons && asbuilt-service restart frr; }}",
                    quote(&format!("s/^{daemon}=no/{daemon}=yes/"))
                ));
            }
            script.step("apply the FRR configuration");
            script.raw("chown frr:frr /etc/frr/frr.conf");
            // FRR booted with the image's configuration, which routes nothing, so the
            // lab's file can be loaded into the running daemons as it is: what
            // `frr-reload` would work out, in a tenth of the time.
            script.run(&["vtysh", "-f", "/etc/frr/frr.conf"]);
            // A router has nftables for its NAT; a firewall also for its policy.
            let policy = node.firewall.as_ref().filter(|_| prebuilt(Part::Firewall));
            let nat = node.nat.as_ref().filter(|_| prebuilt(Part::Nat));
            if policy.is_some() || nat.is_some() {
                plan.files.push(ConfigFile {
                    path: "/etc/nftables.conf".into(),
                    content: nft::ruleset(policy, nat),
                    mode: 0o644,
                });
                script.step("load the firewall rules and NAT");
                script.run(&["asbuilt-service", "reload", "nftables"]);
            }
            server_services(design, node, ipv6, plan, &mut script, &mut ready);
            ready.raw("vtysh -c 'show version' >/dev/null");
        }
        NodeKind::Server | NodeKind::Host => {
            host_networking(node, &mut script);
            server_services(design, node, ipv6, plan, &mut script, &mut ready);
            let dhcp: Vec<&str> =
                node.interfaces.values().filter(|i| i.dhcp).map(|i| i.name.as_str()).collect();
            if !dhcp.is_empty() && prebuilt(Part::Addresses) {
                let mut late = Script::new();
                for iface in dhcp {
                    late.step(&format!("ask for an address on {iface}"));
                    // In the background: a DHCP server the student still has to build
                    // answers later, and the client keeps asking.
                    late.run(&["dhclient", "-nw", "-pf", &format!("/run/dhclient.{iface}.pid"), iface]);
                    // Ready once leased, where a server asbuilt runs will answer.
                    if served_by_asbuilt(design, &node.name, iface) {
                        ready.raw(format!(
                            "ip -4 -o address show dev {} | grep -q inet",
                            script::quote(iface)
                        ));
                    }
                }
                plan.after_all = Some(late.render());
            }
        }
        NodeKind::Switch => switch(node, &mut script),
        NodeKind::Custom => {}
    }
    if prebuilt(Part::Users) {
        accounts::configure(&node.accounts, &mut script);
    } else {
        accounts::leavers(&node.accounts, &mut script);
    }
    packages::configure(node, &mut script);
    // Last: what starts at boot includes every daemon configured above.
    boot::configure(design, node, &mut script);
    // An IPv6 address is usable only after duplicate address detection, a second or
    // two: until then nothing is sent from it and no route via it is installed. (An
    // address whose detection failed stays tentative for good; that is the lab's
    // business, not a reason to wait.)
    let ipv6_addresses = node.addresses().any(|(i, a)| i.name != "lo" && a.addr().is_ipv6());
    if ipv6_addresses && node.builds(Part::Addresses) == Builder::Asbuilt {
        ready.raw("! ip -6 address show tentative | grep inet6 | grep -qv dadfailed");
    }
    plan.configure = Some(script.render());
    if !ready.is_empty() {
        plan.ready = Some(ready.render());
    }
}

/// Whether a DHCP server that asbuilt configures, and no fault stops, serves the
/// segment of `node`'s interface.
fn served_by_asbuilt(design: &Design, node: &str, iface: &str) -> bool {
    let domains = crate::design::domains::Domains::compute(&design.nodes, &design.segments);
    let client = Endpoint { node: node.to_string(), interface: iface.to_string() };
    domains.neighbours(&client).any(|n| {
        let server = &design.nodes[&n.node];
        server.services.dhcp.as_ref().is_some_and(|d| d.interface == n.interface)
            && server.builds(Part::Dhcp) == Builder::Asbuilt
            && !stopped_by_fault(design, server, ServiceName::Dhcp)
            && !stopped_by_fault(design, server, ServiceName::Dns)
    })
}

/// Whether a fault stops this service: the node is then ready without it.
fn stopped_by_fault(design: &Design, node: &Node, service: ServiceName) -> bool {
    design.faults.iter().any(
        |f| matches!(&f.kind, FaultKind::Stop { node: n, service: s } if *n == node.name && *s == service),
    )
}

/// Addresses, gateway and routes of a host or server, with `ip`.
fn host_networking(node: &Node, script: &mut Script) {
    let prebuilt = |part| node.builds(part) == Builder::Asbuilt;
    if prebuilt(Part::Addresses) {
        for iface in node.interfaces.values() {
            for addr in &iface.addresses {
                script.step(&format!("address {addr} on {}", iface.name));
                script.run(&["ip", "address", "add", &addr.to_string(), "dev", &iface.name]);
            }
        }
    }
    if prebuilt(Part::Gateway) {
        for gw in &node.gateways {
            let family = if gw.is_ipv4() { "-4" } else { "-6" };
            script.step(&format!("default gateway {gw}"));
            let mut command = vec![
                "ip".to_string(),
                family.into(),
                "route".into(),
                "replace".into(),
                "default".into(),
                "via".into(),
                gw.to_string(),
            ];
            // A fault can leave the gateway outside the node's subnet. Linux refuses
            // such a route unless told it is on the link, as a misconfigured PC would
            // have it: configured, and not working.
            let on_link = node.addresses().any(|(i, a)| i.name != "lo" && a.contains(gw));
            if let (false, Some(iface)) = (on_link, node.interfaces.values().find(|i| i.segment.is_some())) {
                command.extend(["dev".into(), iface.name.clone(), "onlink".into()]);
            }
            script.run(&command);
        }
    }
    if prebuilt(Part::Routes) {
        for route in &node.routes {
            script.step(&format!("route to {} via {}", route.to, route.via));
            script.run(&["ip", "route", "replace", &route.to.to_string(), "via", &route.via.to_string()]);
        }
    }
}

/// The node's addresses on its cabled interfaces.
fn own_addresses(node: &Node) -> Vec<std::net::IpAddr> {
    node.addresses().filter(|(i, _)| i.name != "lo").map(|(_, a)| a.addr()).collect()
}

/// The page a designed web server serves at `/` for `host` on `port` (see
/// [`Http::page_for`]), as the engine writes it.
pub fn served_page(design: &Design, http: &Http, host: &str, port: u16) -> Option<String> {
    let content = http.page_for(host, port)?;
    Some(front_page(design, http, content))
}

/// A page as the engine writes it. A server with sites titles each page with its own
/// first line, so that no page holds another's phrase in its title (the lab's title
/// could name a site).
fn front_page(design: &Design, http: &Http, content: &str) -> String {
    if http.sites.is_empty() {
        let title = design.title.get(design.language).unwrap_or(&design.lab);
        return services::index_page(content, title);
    }
    services::index_page(content, &crate::checks::content::snippet(content))
}

/// nginx, dnsmasq and ssh on a node whose design has them, for the parts asbuilt builds.
/// A server starts its daemons at boot; a node of another kind is told in
/// `/etc/asbuilt/services.lab` which ones to start, so a restart keeps them.
fn server_services(
    design: &Design,
    node: &Node,
    ipv6: bool,
    plan: &mut NodePlan,
    script: &mut Script,
    ready: &mut Script,
) {
    let prebuilt = |part| node.builds(part) == Builder::Asbuilt;
    let s = &node.services;
    let mut started = Vec::new();
    if let Some(http) = s.http.as_ref().filter(|_| prebuilt(Part::Http)) {
        plan.files.push(ConfigFile {
            path: "/etc/nginx/sites-enabled/default".into(),
            content: services::nginx_site(http, ipv6),
            mode: 0o644,
        });
        plan.files.push(ConfigFile {
            path: "/var/www/html/index.html".into(),
            content: front_page(design, http, &http.content),
            mode: 0o644,
        });
        for site in &http.sites {
            plan.files.push(ConfigFile {
                path: format!("{}/index.html", services::site_root(site)),
                content: front_page(design, http, &site.content),
                mode: 0o644,
            });
        }
        if http.has_tls() {
            script.step("make the https sites' certificates").run(&["mkdir", "-p", "/etc/nginx/tls"]);
            for site in http.sites.iter().filter(|s| s.tls) {
                script.run(&services::make_certificate(site));
            }
        }
        script.step("start the web server").run(&["asbuilt-service", "reload", "nginx"]);
        started.push("nginx");
        if !stopped_by_fault(design, node, ServiceName::Http) {
            ready.run(&["asbuilt-service", "status", "nginx"]);
        }
    }
    let dns = s.dns.as_ref().filter(|_| prebuilt(Part::Dns));
    let dhcp = s.dhcp.as_ref().filter(|_| prebuilt(Part::Dhcp));
    if dns.is_some() || dhcp.is_some() {
        plan.files.push(ConfigFile {
            path: "/etc/dnsmasq.d/asbuilt.conf".into(),
            content: services::dnsmasq(dns, dhcp, &own_addresses(node)),
            mode: 0o644,
        });
        script.step("start DNS and DHCP").run(&["asbuilt-service", "restart", "dnsmasq"]);
        started.push("dnsmasq");
        if !stopped_by_fault(design, node, ServiceName::Dns)
            && !stopped_by_fault(design, node, ServiceName::Dhcp)
        {
            ready.run(&["asbuilt-service", "status", "dnsmasq"]);
        }
    }
    if let Some(ssh) = s.ssh.as_ref().filter(|_| prebuilt(Part::Ssh)) {
        script.step("create the SSH users");
        let config = services::ssh(ssh, script);
        plan.files.push(ConfigFile {
            path: "/etc/ssh/sshd_config.d/lab.conf".into(),
            content: config,
            mode: 0o644,
        });
        script.step("start the SSH server").run(&["asbuilt-service", "restart", "ssh"]);
        started.push("ssh");
        if !stopped_by_fault(design, node, ServiceName::Ssh) {
            ready.run(&["asbuilt-service", "status", "ssh"]);
        }
    }
    // A server's image starts nginx, dnsmasq and ssh itself; no image starts the
    // monitoring daemons.
    let mut at_boot = if node.kind == NodeKind::Server { Vec::new() } else { started };
    at_boot
        .extend(monitoring::daemons(node, ipv6, plan, script, ready, |s| stopped_by_fault(design, node, s)));
    if !at_boot.is_empty() {
        plan.files.push(ConfigFile {
            path: "/etc/asbuilt/services.lab".into(),
            content: format!(
                "# asbuilt: services of this lab's design, started at boot.\n{}\n",
                at_boot.join("\n")
            ),
            mode: 0o644,
        });
    }
}

/// A switch is a bridge with every cabled port in it. VLANs are set when asbuilt builds
/// them; otherwise every port stays in VLAN 1, as on a switch out of the box.
fn switch(node: &Node, script: &mut Script) {
    script.step("create the switch bridge");
    // VLAN filtering only where the design has VLANs: some kernels lack it, and a plain
    // switch must work on every one.
    // (Not even `vlan_filtering 0` is said otherwise: such kernels reject the option.)
    let mut create = vec!["ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"];
    if uses_vlans(node) {
        create.extend(["vlan_filtering", "1"]);
    }
    script.run(&create);
    for port in node.interfaces.values().filter(|i| i.segment.is_some()) {
        script.run(&["ip", "link", "set", &port.name, "master", "br0"]);
    }
    script.run(&["ip", "link", "set", "br0", "up"]);
    if node.builds(Part::Vlans) == Builder::Student {
        return;
    }
    for (port, vlans) in &node.vlans {
        if *vlans == PortVlans::Access(1) {
            continue;
        }
        script.step(&format!("VLANs on port {port}"));
        script.run(&["bridge", "vlan", "del", "dev", port, "vid", "1"]);
        match vlans {
            PortVlans::Access(v) => {
                script.run(&[
                    "bridge",
                    "vlan",
                    "add",
                    "dev",
                    port,
                    "vid",
                    &v.to_string(),
                    "pvid",
                    "untagged",
                ]);
            }
            PortVlans::Trunk(vs) => {
                for v in vs {
                    script.run(&["bridge", "vlan", "add", "dev", port, "vid", &v.to_string()]);
                }
            }
        }
    }
}
