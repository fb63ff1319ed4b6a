//! One Kathará device as one asbuilt node: its kind, options, files, startup commands
//! and router configuration, split into design facts (what the importer recognises)
//! and what runs as it is (passthrough).
//!
//! A node is in design mode when everything it does became design facts or is
//! harmless (writing a file, starting a daemon asbuilt does not know). One command the
//! importer does not understand could undo what asbuilt configured from the rest, so
//! then all the node's commands run as they are, in their order, after asbuilt's
//! configuration; the design still states what they were recognised to do. A router
//! configuration with a line the importer does not understand is loaded as it is.

use std::net::IpAddr;

use ipnet::IpNet;

use super::folder::Folder;
use super::frr::{self, Facts};
use super::lab_conf::{Device, Value, valid_mac};
use super::model::{BgpOut, DhcpOut, DnsOut, FileText, NodeOut, OspfOut, RipOut};
use super::startup::{self, Cmd, Daemon, Line};
use super::{SHARED_ASBUILT, quagga, services, truthy};
use crate::import::report::{FindingKind, Place, Report};

/// What one device is imported from.
pub struct Input<'a> {
    pub source_name: &'a str,
    pub name: &'a str,
    pub conf: &'a Device,
    pub folder: &'a Folder,
    pub base: Option<&'a str>,
    pub has_shared: bool,
}

/// Folders a node may write (docs/topology.md, `files`).
const WRITABLE: [&str; 7] = ["/etc/", "/var/", "/root/", "/home/", "/srv/", "/opt/", "/tmp/"];
/// Where FRR, Quagga and (in labs from Netkit's days) Zebra keep their configuration.
const ROUTING_DIRS: [&str; 3] = ["/etc/frr/", "/etc/quagga/", "/etc/zebra/"];
/// FRR's daemons asbuilt's routers run besides zebra and staticd.
const FRR_DAEMONS: [&str; 5] = ["bgpd", "ospfd", "ospf6d", "ripd", "ripngd"];

pub fn import(input: &Input<'_>, report: &mut Report) -> NodeOut {
    let mut node = NodeOut {
        name: input.name.to_string(),
        source_name: input.source_name.to_string(),
        kind: "host",
        ..NodeOut::default()
    };
    let cabled: Vec<String> = input.conf.interfaces.iter().map(|i| format!("eth{}", i.number)).collect();
    for iface in &input.conf.interfaces {
        if let Some(mac) = &iface.mac {
            set_mac(&mut node, &format!("eth{}", iface.number), mac, &iface.place, report);
        }
    }
    let mut routing = false;
    let mut exec_lines = Vec::new();
    options(input, &mut node, &mut routing, &mut exec_lines, report);

    // Files of the device's folder, split by what reads them.
    let prefix = format!("{}/", input.source_name);
    let mut frr_conf: Option<(String, String)> = None;
    let mut frr_daemons: Option<Vec<String>> = None;
    let mut daemons_file = String::new();
    let mut quagga_files: Vec<(String, String)> = Vec::new();
    let mut bind_files: Vec<(String, String)> = Vec::new();
    for (rel, text) in input.folder.under(&prefix) {
        let path = format!("/{}", &rel[prefix.len()..]);
        match path.as_str() {
            "/etc/frr/frr.conf" => frr_conf = Some((rel, text.to_string())),
            "/etc/frr/daemons" | "/etc/quagga/daemons" | "/etc/zebra/daemons" => {
                frr_daemons = Some(frr::daemons(text));
                daemons_file = rel;
            }
            p if ROUTING_DIRS.iter().any(|d| p.starts_with(d))
                && quagga::DAEMON_FILES.iter().any(|f| p.ends_with(&format!("/{f}"))) =>
            {
                quagga_files.push((rel, text.to_string()))
            }
            p if ROUTING_DIRS.iter().any(|d| p.starts_with(d)) => report.add(
                Place::file(&rel),
                FindingKind::MappedWithLoss,
                format!("`{p}` is not copied: asbuilt's routers bring their own FRR settings besides frr.conf and daemons"),
            ),
            "/var/www/html/index.html" => node.http = Some(text.to_string()),
            p if p.starts_with("/etc/bind/") => bind_files.push((rel, text.to_string())),
            p if p.starts_with("/etc/apache2/") || p.starts_with("/etc/nginx/") => report.add(
                Place::file(&rel),
                FindingKind::MappedWithLoss,
                format!("`{p}` is not copied: asbuilt's servers run nginx with the site the design states (pages under /var/www/html are copied)"),
            ),
            "/etc/resolv.conf" => resolv(&mut node, text, &rel, report),
            "/etc/dhcp/dhcpd.conf" => dhcp(&mut node, text, &rel, report),
            "/etc/default/isc-dhcp-server" => report.add(
                Place::file(&rel),
                FindingKind::MappedWithLoss,
                "not copied: the design's DHCP server (dnsmasq) serves the interface on its range's subnet",
            ),
            p => {
                if WRITABLE.iter().any(|w| p.starts_with(w)) {
                    node.files.insert(p.to_string(), file_text(input.base, &rel, text));
                    report.add(Place::file(&rel), FindingKind::Passthrough, format!("copied to `{p}` as it is"));
                } else {
                    report.add(
                        Place::file(&rel),
                        FindingKind::Refused,
                        format!("`{p}` lies outside the folders a node may write (/etc, /var, /root, /home, /srv, /opt, /tmp): not copied"),
                    );
                }
            }
        }
    }

    // Router configuration: FRR's one file, or Quagga's (or FRR's) per-daemon files.
    let mut facts = Facts::default();
    let mut own_config: Option<FileText> = None;
    if let Some((rel, text)) = &frr_conf {
        for (other, _) in &quagga_files {
            report.add(
                Place::file(other),
                FindingKind::MappedWithLoss,
                format!(
                    "not read: FRR loads {rel}, its one configuration, and not the per-daemon files beside it"
                ),
            );
        }
        facts = frr::parse(text, rel);
        own_config = Some(file_text(input.base, rel, text));
        routing = true;
    } else if !quagga_files.is_empty() {
        // zebra's interfaces first, as Quagga starts zebra first.
        quagga_files.sort_by_key(|(rel, _)| {
            quagga::DAEMON_FILES.iter().position(|f| rel.ends_with(&format!("/{f}")))
        });
        let (config, f) = quagga::convert(&quagga_files);
        facts = f;
        own_config = Some(FileText::new(config, None));
        routing = true;
        for (rel, _) in &quagga_files {
            report.add(
                Place::file(rel),
                FindingKind::MappedWithLoss,
                "Quagga's per-daemon file is read into one FRR configuration (asbuilt's routers run FRR)",
            );
        }
    }
    if frr_daemons.is_some() {
        routing = true;
    }

    // Startup commands: shared.startup, the device's own, then `exec` options.
    let mut lines = Vec::new();
    if let Some(text) = input.folder.text("shared.startup") {
        lines.extend(startup::parse(text, "shared.startup"));
    }
    let own = format!("{}.startup", input.source_name);
    if let Some(text) = input.folder.text(&own) {
        lines.extend(startup::parse(text, &own));
    }
    lines.extend(exec_lines);
    let mut web = node.http.is_some();
    let mut dns = !bind_files.is_empty();
    let mut dhcp_server = node.dhcp.is_some();
    for line in &lines {
        if let Cmd::Start { daemon } = &line.cmd {
            match daemon {
                Daemon::Routing => routing = true,
                Daemon::Web => web = true,
                Daemon::Dns => dns = true,
                Daemon::Dhcp => dhcp_server = true,
                Daemon::Other(_) => {}
            }
        }
    }
    let server = web || dns || dhcp_server;

    // Addresses first from the router's configuration, then the commands.
    let mut uncabled = Vec::new();
    for (iface, net, place) in &facts.addresses {
        if iface == "lo" || cabled.contains(iface) {
            add_address(&mut node, iface, *net);
        } else {
            uncabled.push(frr::Unrecognised {
                text: format!("ip address {net} on {iface}"),
                place: place.clone(),
            });
        }
    }
    facts.unrecognised.extend(uncabled);
    let mut passthrough_at: Option<Place> = None;
    let mut kept = Vec::new();
    for line in &lines {
        let handled = command(&mut node, &cabled, line, report);
        match handled {
            Handled::Fact => {}
            Handled::Keep(kind, why) => {
                report.add(line.place.clone(), kind, why);
                kept.push(line.text.clone());
            }
            Handled::Risky => {
                passthrough_at.get_or_insert(line.place.clone());
                report.add(
                    line.place.clone(),
                    FindingKind::Passthrough,
                    format!(
                        "`{}` is not recognised: it runs as it is, and so do all of the node's commands",
                        line.text
                    ),
                );
            }
        }
    }
    node.startup = match &passthrough_at {
        Some(at) => {
            node.passthrough = true;
            node.mode_note.push(format!(
                "passthrough: its startup commands run as they are (a command at {at} is not recognised); the design states what the others do"
            ));
            lines.iter().map(|l| l.text.clone()).collect()
        }
        None => kept,
    };
    // A device that joins two subnets routes between them: Kathará forwards in every
    // device, and a lab's Linux routers have no routing daemon.
    let joins = node.addresses.keys().filter(|i| *i != "lo").count() >= 2;
    node.kind = if routing {
        "router"
    } else if server {
        "server"
    } else if joins {
        node.mode_note.push("router: it joins two or more subnets (Kathará forwards in every device)".into());
        "router"
    } else {
        "host"
    };
    let startup: Vec<String> = std::mem::take(&mut node.startup);
    node.startup = startup.into_iter().map(|c| shared_path(&c, input.has_shared)).collect();
    for line in &lines {
        if line.text.contains("/hostlab") {
            report.add(
                line.place.clone(),
                FindingKind::MappedWithLoss,
                "/hostlab (the lab's folder on the host) does not exist in asbuilt's nodes",
            );
        }
    }

    for (dest, via, _) in &facts.routes {
        add_route(&mut node, *dest, *via);
    }
    ospf(&mut node, &facts);
    rip(&mut node, &facts, report);
    bgp(&mut node, &facts);
    if !facts.unrecognised.is_empty() {
        let config = own_config.expect("unrecognised lines come from a configuration");
        let mut daemons: Vec<String> = frr_daemons
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|d| FRR_DAEMONS.contains(&d.as_str()))
            .collect();
        for (on, d) in
            [(node.ospf.is_some(), "ospfd"), (node.rip.is_some(), "ripd"), (node.bgp.is_some(), "bgpd")]
        {
            if on && !daemons.iter().any(|x| x == d) {
                daemons.push(d.to_string());
            }
        }
        for u in &facts.unrecognised {
            report.add(
                u.place.clone(),
                FindingKind::Passthrough,
                format!("`{}` is not recognised: the router loads its own configuration as it is", u.text),
            );
        }
        node.passthrough = true;
        node.mode_note.push("passthrough: the router loads its own FRR configuration as it is; the design states what was recognised in it".into());
        node.frr = Some((config, daemons));
    } else if own_config.is_some() {
        node.mode_note.push("design: its FRR configuration became the design's facts below".into());
    }
    if let Some(daemons) = &frr_daemons {
        for d in daemons.iter().filter(|d| !FRR_DAEMONS.contains(&d.as_str())) {
            report.add(
                Place::file(&daemons_file),
                FindingKind::MappedWithLoss,
                format!("the daemon `{d}` is not one asbuilt's routers run"),
            );
        }
    }

    if !bind_files.is_empty() {
        bind(&mut node, &bind_files, &prefix, report);
    }
    if web && node.http.is_none() {
        report.add(
            Place::file(format!("{prefix}var/www/html/index.html")),
            FindingKind::MappedWithLoss,
            "the device starts a web server but has no /var/www/html/index.html: the design's web server gets asbuilt's default page",
        );
        node.http = Some(String::new());
    }
    // Kathará turns forwarding on in every device; asbuilt's routers have it already.
    if node.kind != "router" {
        node.sysctls.entry("net.ipv4.ip_forward".into()).or_insert_with(|| "1".into());
    }
    node
}

/// How one command was taken over.
enum Handled {
    /// It became design facts (or is what asbuilt does anyway).
    Fact,
    /// Kept as a command, harmless to the facts.
    Keep(FindingKind, String),
    /// Not recognised: it may undo what asbuilt configured.
    Risky,
}

fn command(node: &mut NodeOut, cabled: &[String], line: &Line, report: &mut Report) -> Handled {
    let known = |iface: &str| iface == "lo" || cabled.iter().any(|c| c == iface);
    match &line.cmd {
        Cmd::Addr { iface, net } if known(iface) => {
            add_address(node, iface, *net);
            Handled::Fact
        }
        Cmd::LinkUp { iface } if known(iface) => Handled::Fact,
        Cmd::Dhcp { iface } if cabled.contains(iface) && !node.addresses.contains_key(iface) => {
            node.addresses.insert(iface.clone(), vec!["dhcp".into()]);
            Handled::Fact
        }
        Cmd::Mac { iface, mac } if cabled.contains(iface) && valid_mac(mac) => {
            set_mac(node, iface, mac, &line.place, report);
            Handled::Fact
        }
        Cmd::Route { dest, via } => {
            add_route(node, *dest, *via);
            Handled::Fact
        }
        Cmd::Start { daemon: Daemon::Dhcp } if node.dhcp.is_some() => Handled::Fact,
        Cmd::Start { daemon: Daemon::Dhcp } => Handled::Keep(
            FindingKind::MappedWithLoss,
            "a DHCP server is started, but its /etc/dhcp/dhcpd.conf has no range the design can state: asbuilt's images have no ISC DHCP server".into(),
        ),
        Cmd::Start { daemon: Daemon::Routing | Daemon::Web | Daemon::Dns } => Handled::Fact,
        Cmd::Start { daemon: Daemon::Other(name) } => Handled::Keep(
            FindingKind::Passthrough,
            format!("`{name}` is started as it is; its configuration is not part of the design"),
        ),
        Cmd::Sysctl { key, value } if sysctl_allowed(key) => {
            if !(key == "net.ipv4.ip_forward" && value == "1") {
                node.sysctls.insert(key.clone(), value.clone());
            }
            Handled::Fact
        }
        Cmd::Sysctl { .. } => {
            Handled::Keep(FindingKind::Passthrough, "a per-interface kernel setting: runs as it is".into())
        }
        Cmd::Harmless => {
            Handled::Keep(FindingKind::Passthrough, "runs as it is after asbuilt's configuration".into())
        }
        _ => Handled::Risky,
    }
}

fn options(
    input: &Input<'_>,
    node: &mut NodeOut,
    routing: &mut bool,
    exec: &mut Vec<Line>,
    report: &mut Report,
) {
    for (key, value) in &input.conf.options {
        let place = value.place.clone();
        let text = value.text.trim();
        match key.as_str() {
            "image" => {
                let image = text.to_lowercase();
                if image.contains("frr") || image.contains("quagga") {
                    *routing = true;
                }
                if !matches!(image.split(':').next(), Some("kathara/base" | "kathara/frr" | "kathara/quagga")) {
                    report.add(place, FindingKind::MappedWithLoss, format!("image `{text}` is not used: the node runs asbuilt's own image for its kind (name the image with `image:` if the engine has it)"));
                }
            }
            "mem" => memory(node, value, report),
            "cpus" => match text.parse::<f64>() {
                Ok(c) if c.is_finite() && c > 0.0 => {
                    let clamped = c.clamp(0.05, 4.0);
                    if clamped != c {
                        report.add(place, FindingKind::MappedWithLoss, format!("{c} cpus is outside what a node may have (0.05 to 4): {clamped}"));
                    }
                    node.cpus = Some(clamped);
                }
                _ => report.add(place, FindingKind::MappedWithLoss, format!("`{text}` is not a number of cpus: left out")),
            },
            "ipv6" => node.ipv6 = Some(truthy(text)),
            "sysctl" => match text.split_once('=') {
                Some((k, v)) if sysctl_allowed(k.trim()) => {
                    node.sysctls.insert(k.trim().to_string(), v.trim().to_string());
                }
                Some((k, v)) => {
                    report.add(place.clone(), FindingKind::Passthrough, format!("`{}` is set by a startup command (the interfaces do not exist yet when a node's own settings are made)", k.trim()));
                    exec.push(Line { text: format!("sysctl -w {}={}", k.trim(), v.trim()), place, cmd: Cmd::Harmless });
                }
                None => report.add(place, FindingKind::MappedWithLoss, format!("`{text}` is not `key=value`: left out")),
            },
            "exec" => exec.push(Line { text: text.to_string(), cmd: startup::classify(text), place }),
            "env" => {
                if let Some((k, _)) = text.split_once('=').filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
                    report.add(place.clone(), FindingKind::MappedWithLoss, format!("the environment variable `{k}` is set for the startup commands only (and in /etc/environment), not in the node's processes"));
                    node.files.insert("/etc/environment".into(), append_env(node.files.get("/etc/environment"), text));
                    exec.insert(0, Line { text: format!("export {}", shell_assign(text)), place, cmd: Cmd::Harmless });
                } else {
                    report.add(place, FindingKind::MappedWithLoss, format!("`{text}` is not `NAME=value`: left out"));
                }
            }
            "port" => refused(report, place, "`port` publishes a port of the node on the host", text),
            "bridged" => refused(report, place, "`bridged` connects the node to the host's network", text),
            "volume" => refused(report, place, "`volume` mounts a folder of the host into the node", text),
            "ulimit" => report.add(place, FindingKind::MappedWithLoss, format!("ulimit `{text}` is left out: a node's limits come from its kind (and `limits:`)")),
            "privileged" => {
                if truthy(text) {
                    report.add(place, FindingKind::MappedWithLoss, "`privileged` is left out: no node ever runs privileged; it gets its kind's capabilities");
                }
            }
            "shell" => report.add(place, FindingKind::MappedWithLoss, format!("shell `{text}` is left out: consoles open asbuilt's shell (vtysh on routers)")),
            "num_terms" => report.add(place, FindingKind::MappedWithLoss, "num_terms is left out: consoles are opened when asked for (`asbuilt console`, the web console)"),
            _ => unreachable!("lab_conf accepts only known options"),
        }
    }
}

fn refused(report: &mut Report, place: Place, what: &str, value: &str) {
    report.add(
        place,
        FindingKind::Refused,
        format!("{what} (`{value}`): refused, a lab never reaches outside itself"),
    );
}

fn shell_assign(text: &str) -> String {
    let (k, v) = text.split_once('=').unwrap_or((text, ""));
    format!("{k}={}", super::quote(v))
}

fn append_env(existing: Option<&FileText>, line: &str) -> FileText {
    let mut text = existing.map(|f| f.text.clone()).unwrap_or_default();
    text.push_str(line);
    text.push('\n');
    FileText::new(text, None)
}

fn memory(node: &mut NodeOut, value: &Value, report: &mut Report) {
    let text = value.text.trim().to_lowercase();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (n, unit) = text.split_at(split);
    let Ok(n) = n.parse::<u64>() else {
        report.add(
            value.place.clone(),
            FindingKind::MappedWithLoss,
            format!("`{}` is not a memory size: left out", value.text),
        );
        return;
    };
    let mib = match unit.trim_end_matches('b') {
        "" => n / (1024 * 1024),
        "k" => n / 1024,
        "m" => n,
        "g" => n.saturating_mul(1024),
        _ => {
            report.add(
                value.place.clone(),
                FindingKind::MappedWithLoss,
                format!("`{}` is not a memory size: left out", value.text),
            );
            return;
        }
    };
    let clamped = mib.clamp(16, 4096);
    if clamped != mib {
        report.add(
            value.place.clone(),
            FindingKind::MappedWithLoss,
            format!("{mib} MiB is outside what a node may have (16M to 4G): {clamped}M"),
        );
    }
    node.memory =
        Some(if clamped % 1024 == 0 { format!("{}G", clamped / 1024) } else { format!("{clamped}M") });
}

fn set_mac(node: &mut NodeOut, iface: &str, mac: &str, place: &Place, report: &mut Report) {
    let mac = mac.to_lowercase();
    let first = u8::from_str_radix(&mac[..2], 16).unwrap_or(1);
    if first & 1 == 1 {
        report.add(
            place.clone(),
            FindingKind::MappedWithLoss,
            format!("`{mac}` is a multicast address, which no interface may have: left out"),
        );
        return;
    }
    node.macs.insert(iface.to_string(), mac);
}

fn add_address(node: &mut NodeOut, iface: &str, net: IpNet) {
    let list = node.addresses.entry(iface.to_string()).or_default();
    let text = net.to_string();
    if !list.contains(&text) {
        list.push(text);
    }
}

fn add_route(node: &mut NodeOut, dest: Option<IpNet>, via: IpAddr) {
    match dest {
        None => {
            let same_family = node
                .gateways
                .iter()
                .position(|g| g.parse::<IpAddr>().is_ok_and(|a| a.is_ipv4() == via.is_ipv4()));
            match same_family {
                Some(i) => node.gateways[i] = via.to_string(),
                None => node.gateways.push(via.to_string()),
            }
        }
        Some(net) => {
            let route = format!("{net} via {via}");
            if !node.routes.contains(&route) {
                node.routes.push(route);
            }
        }
    }
}

/// The node's interfaces with an IPv4 address in `net`.
fn interfaces_in(node: &NodeOut, net: &IpNet) -> Vec<String> {
    node.addresses
        .iter()
        .filter(|(_, addrs)| {
            addrs
                .iter()
                .filter_map(|a| a.parse::<IpNet>().ok())
                .any(|a| a.addr().is_ipv4() && net.contains(&a.addr()))
        })
        .map(|(i, _)| i.clone())
        .collect()
}

fn ospf(node: &mut NodeOut, facts: &Facts) {
    let Some(o) = &facts.ospf else { return };
    let mut out = OspfOut {
        router_id: o.router_id.clone(),
        redistribute: o.redistribute.clone(),
        area_types: o.area_types.clone(),
        ..OspfOut::default()
    };
    let area_of = |a: &str| match a.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => u32::from(ip).to_string(),
        Err(_) => a.to_string(),
    };
    let mut seen = Vec::new();
    for (net, area) in &o.networks {
        for iface in interfaces_in(node, net) {
            if !seen.contains(&iface) {
                seen.push(iface.clone());
                out.areas.entry(area_of(area)).or_default().push(iface);
            }
        }
    }
    for (iface, area) in &o.iface_areas {
        if !seen.contains(iface) && node.addresses.contains_key(iface) {
            seen.push(iface.clone());
            out.areas.entry(area_of(area)).or_default().push(iface.clone());
        }
    }
    if out.areas.is_empty() {
        return;
    }
    out.area_types = out.area_types.into_iter().map(|(a, t)| (area_of(&a), t)).collect();
    let passive =
        |i: &String| if o.passive_default { !o.not_passive.contains(i) } else { o.passive.contains(i) };
    out.passive = seen.iter().filter(|i| passive(i)).cloned().collect();
    let in_ospf = |i: &String| seen.contains(i);
    out.cost = o.cost.iter().filter(|(i, _)| in_ospf(i)).cloned().collect();
    out.network_type = o.network_type.iter().filter(|(i, _)| in_ospf(i)).cloned().collect();
    out.priority = o.priority.iter().filter(|(i, _)| in_ospf(i)).cloned().collect();
    node.ospf = Some(out);
}

fn rip(node: &mut NodeOut, facts: &Facts, report: &mut Report) {
    let Some(r) = &facts.rip else { return };
    let mut interfaces = Vec::new();
    for net in &r.networks {
        for iface in interfaces_in(node, net) {
            if iface != "lo" && !interfaces.contains(&iface) {
                interfaces.push(iface);
            }
        }
    }
    for iface in &r.ifaces {
        if node.addresses.contains_key(iface) && !interfaces.contains(iface) {
            interfaces.push(iface.clone());
        }
    }
    if interfaces.is_empty() {
        return;
    }
    if let (Some(v), Some(place)) = (&r.version, &r.place)
        && v != "2"
    {
        report.add(
            place.clone(),
            FindingKind::MappedWithLoss,
            format!("RIP version {v}: the design states RIP version 2"),
        );
    }
    let passive = r.passive.iter().filter(|p| interfaces.contains(*p)).cloned().collect();
    node.rip = Some(RipOut { interfaces, passive, redistribute: r.redistribute.clone() });
}

fn bgp(node: &mut NodeOut, facts: &Facts) {
    let Some(b) = &facts.bgp else { return };
    node.bgp = Some(BgpOut {
        asn: b.asn,
        router_id: b.router_id.clone(),
        neighbours: b.neighbours.iter().map(|(a, s)| (a.to_string(), *s)).collect(),
        networks: b.networks.iter().map(IpNet::to_string).collect(),
        redistribute: b.redistribute.clone(),
    });
}

fn bind(node: &mut NodeOut, files: &[(String, String)], prefix: &str, report: &mut Report) {
    let mut zones = Vec::new();
    for (rel, text) in files {
        if rel.contains("named.conf") {
            zones.extend(services::named_zones(text, rel));
        }
    }
    for (rel, _) in files {
        report.add(
            Place::file(rel),
            FindingKind::MappedWithLoss,
            "BIND's file is not copied: asbuilt's DNS server (dnsmasq) serves the zone the design states",
        );
    }
    let mut first = true;
    for (name, file, place) in zones {
        if name.ends_with(".arpa") || name.ends_with(".arpa.") {
            report.add(place, FindingKind::MappedWithLoss, format!("the reverse zone `{name}` is left out: the design's authoritative zone has no reverse records"));
            continue;
        }
        if !first {
            report.add(
                place,
                FindingKind::MappedWithLoss,
                format!("the zone `{name}` is left out: a DNS server in the design serves one domain"),
            );
            continue;
        }
        let rel = format!("{prefix}{}", file.trim_start_matches('/'));
        let Some((_, text)) = files.iter().find(|(r, _)| *r == rel) else {
            report.add(
                place,
                FindingKind::MappedWithLoss,
                format!("the zone file `{file}` is not in the device's folder"),
            );
            continue;
        };
        first = false;
        let zone = services::zone(&name, text, &rel);
        for (place, why) in zone.lost {
            report.add(place, FindingKind::MappedWithLoss, why);
        }
        let authoritative = zone.records.get("@").is_some_and(|r| r.iter().any(|v| v.starts_with("ns ")));
        let mut records = zone.records;
        if !authoritative {
            for values in records.values_mut() {
                values.retain(|v| !v.starts_with("ns "));
            }
            records.retain(|_, v| !v.is_empty());
        }
        node.dns = Some(DnsOut { domain: zone.domain, authoritative, records });
    }
}

fn dhcp(node: &mut NodeOut, text: &str, rel: &str, report: &mut Report) {
    let Some(pool) = services::dhcpd(text, rel) else {
        report.add(
            Place::file(rel),
            FindingKind::MappedWithLoss,
            "no `subnet` with a `range`: there is no DHCP server to state",
        );
        return;
    };
    for (place, why) in pool.lost {
        report.add(place, FindingKind::MappedWithLoss, why);
    }
    let lease = pool.lease_seconds.map(|s| match s {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    });
    node.dhcp = Some(DhcpOut {
        range: format!("{} - {}", pool.first, pool.last),
        gateway: pool.gateway,
        dns: pool.dns,
        lease,
    });
}

fn resolv(node: &mut NodeOut, text: &str, rel: &str, report: &mut Report) {
    let mut ns = Vec::new();
    let mut search = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["nameserver", addr] if addr.parse::<IpAddr>().is_ok() => ns.push(addr.to_string()),
            ["search" | "domain", domains @ ..] => search.extend(domains.iter().map(|d| d.to_string())),
            [] => {}
            [first, ..] if first.starts_with('#') || first.starts_with(';') => {}
            _ => report.add(
                Place::new(rel, i + 1, 1),
                FindingKind::MappedWithLoss,
                format!("`{}` in resolv.conf is left out", line.trim()),
            ),
        }
    }
    node.resolv = Some((ns, search));
}

fn file_text(base: Option<&str>, rel: &str, text: &str) -> FileText {
    FileText::new(text, base.map(|b| format!("{b}{rel}")))
}

/// Kathará mounts `shared/` at /shared; asbuilt copies it to /srv/shared.
fn shared_path(command: &str, has_shared: bool) -> String {
    if !has_shared {
        return command.to_string();
    }
    let re = regex::Regex::new(r"(^|[\s'\x22=:>])/shared(/|\b|$)").expect("a valid pattern");
    re.replace_all(command, format!("${{1}}{SHARED_ASBUILT}${{2}}").as_str()).into_owned()
}

/// Kernel settings of the node's own network namespace (docs/topology.md, `sysctls`).
fn sysctl_allowed(key: &str) -> bool {
    if key == "net.core.somaxconn" {
        return true;
    }
    let Some(rest) = key.strip_prefix("net.ipv4.").or_else(|| key.strip_prefix("net.ipv6.")) else {
        return false;
    };
    for table in ["conf.", "neigh."] {
        if let Some(iface) = rest.strip_prefix(table) {
            return matches!(iface.split('.').next(), Some("all" | "default" | "lo"));
        }
    }
    key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_folder_is_found_where_asbuilt_puts_it() {
        assert_eq!(shared_path("cat /shared/x.txt > /root/y", true), "cat /srv/shared/x.txt > /root/y");
        assert_eq!(shared_path("ls /shared", true), "ls /srv/shared");
        assert_eq!(shared_path("cat /usr/shared/x", true), "cat /usr/shared/x");
        assert_eq!(shared_path("ls /shared", false), "ls /shared");
    }

    #[test]
    fn only_a_nodes_own_kernel_settings_are_sysctls() {
        assert!(sysctl_allowed("net.ipv4.ip_forward"));
        assert!(sysctl_allowed("net.ipv4.conf.all.rp_filter"));
        assert!(!sysctl_allowed("net.ipv4.conf.eth0.rp_filter"));
        assert!(!sysctl_allowed("kernel.panic"));
    }
}
