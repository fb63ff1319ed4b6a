//! One function per kind of lab-checker test, each making asbuilt checks of it.
//!
//! Where asbuilt has a probe of its own (`ping`, `http`, `dns`) the check uses it, so
//! the evidence is asbuilt's; the rest become `command` checks that run in the node
//! what lab-checker would run there (`ip`, `vtysh`, `pgrep`, `sysctl`), with the output
//! the test expects, as root, as lab-checker runs them (a router that brings its own
//! FRR configuration has no vtysh access for asbuilt's unprivileged check user).
//! Commands read FRR's JSON squeezed onto one line (`tr -d ' \n'`), so that a pattern
//! sees one neighbour's or route's fields together.

use serde_yaml::{Mapping, Value};

use super::Reader;
use crate::import::kathara::names::sanitize;
use crate::topology::locate::Seg;

type Path = Vec<Seg>;

pub(super) fn all(r: &mut Reader, tests: &Mapping) {
    for (kind, value) in tests {
        let kind = kind.as_str().unwrap_or_default();
        let path: Path = vec!["test".into(), kind.into()];
        match kind {
            "requiring_startup" => r.lost(
                &path,
                "asbuilt runs a node's startup commands from the topology, so there is no startup file to require",
            ),
            "ip_mapping" => per_device(r, value, &path, ip_mapping),
            "daemons" => per_device(r, value, &path, daemons),
            "sysctls" => per_device(r, value, &path, sysctls),
            "kernel_routes" => per_device(r, value, &path, kernel_routes),
            "reachability" => per_device(r, value, &path, reachability),
            "custom_commands" => per_device(r, value, &path, custom_commands),
            "protocols" => protocols(r, value, &path),
            "applications" => applications(r, value, &path),
            other => r.lost(&path, format!("lab-checker's `{other}` tests have no asbuilt check")),
        }
    }
}

/// `{ device: what }` sections: each device's entry, with the node it is.
fn per_device(
    r: &mut Reader,
    value: &Value,
    path: &Path,
    mut each: impl FnMut(&mut Reader, &str, &Value, &Path),
) {
    let Some(devices) = value.as_mapping() else {
        r.lost(path, "expected a mapping of devices");
        return;
    };
    for (device, entry) in devices {
        let device = scalar(device);
        let mut at = path.clone();
        at.push(device.as_str().into());
        each(r, &node(&device), entry, &at);
    }
}

/// The node a device is, named as `asbuilt import kathara` names it.
fn node(device: &str) -> String {
    sanitize(device, "n-", 20)
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A list, or a single item as a list of one.
fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(list) => list.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    }
}

fn map(pairs: &[(&str, Value)]) -> Mapping {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(Value::from(*k), v.clone());
    }
    m
}

fn s(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

/// A check title in both languages.
fn title(nl: impl Into<String>, en: impl Into<String>) -> Value {
    Value::Mapping(map(&[("nl", s(nl)), ("en", s(en))]))
}

/// A command check: `run` in the node, passing when it exits with `exit`.
fn command_exit(node: &str, run: String, exit: i64, t: Value) -> Mapping {
    command(node, run, &[("exit", Value::from(exit)), ("title", t)])
}

/// A command check run as root, with what it expects.
fn command(node: &str, run: impl Into<String>, expect: &[(&str, Value)]) -> Mapping {
    let mut check = map(&[("command", s(node)), ("run", s(run)), ("user", s("root"))]);
    for (k, v) in expect {
        check.insert(Value::from(*k), v.clone());
    }
    check
}

/// `eth2` for `2`, as lab-checker reads interface numbers.
fn interface(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_digit()) { format!("eth{name}") } else { name.to_string() }
}

/// Shell quoting for a word in a command line.
fn quote(word: &str) -> String {
    if word.chars().all(|c| c.is_ascii_alphanumeric() || "./:-_=+@,".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `ip_mapping: { r1: { eth0: 10.0.0.1/24 } }`: the interface has the address with
/// that prefix length.
fn ip_mapping(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    let Some(ifaces) = entry.as_mapping() else {
        r.lost(at, "expected a mapping of interfaces to addresses");
        return;
    };
    for (iface, addr) in ifaces {
        let iface = interface(&scalar(iface));
        let addr = scalar(addr);
        let family = if addr.contains(':') { "inet6" } else { "inet" };
        let run = format!("ip -o address show dev {}", quote(&iface));
        let pattern = format!(r"\s{family}\s{}\s", regex::escape(&addr));
        r.check(command(
            node,
            run,
            &[
                ("matches", s(pattern)),
                (
                    "title",
                    title(format!("{node}:{iface} heeft {addr}"), format!("{node}:{iface} has {addr}")),
                ),
            ],
        ));
    }
}

/// lab-checker's `!thing`: the thing, and whether it is wanted (no `!`).
fn wanted(text: String) -> (String, bool) {
    match text.strip_prefix('!') {
        Some(thing) => (thing.to_string(), false),
        None => (text, true),
    }
}

/// `daemons: { r1: [bgpd, "!ripd"] }`: the daemon runs, or with `!` does not.
fn daemons(r: &mut Reader, node: &str, entry: &Value, _at: &Path) {
    for d in items(entry) {
        let (name, running) = wanted(scalar(d));
        let (nl, en) = if running { ("draait", "runs") } else { ("draait niet", "does not run") };
        r.check(command_exit(
            node,
            format!("pgrep -x {}", quote(&name)),
            if running { 0 } else { 1 },
            title(format!("{name} {nl} op {node}"), format!("{name} {en} on {node}")),
        ));
    }
}

/// `sysctls: { r1: ["net.ipv4.ip_forward=1"] }`: the kernel setting has the value.
fn sysctls(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    for item in items(entry) {
        let text = scalar(item);
        let Some((key, value)) = text.split_once('=') else {
            r.lost(at, format!("`{text}` is not `key=value`"));
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        r.check(command(
            node,
            format!("sysctl -n {}", quote(key)),
            &[
                ("output", s(value)),
                (
                    "title",
                    title(format!("{key} is {value} op {node}"), format!("{key} is {value} on {node}")),
                ),
            ],
        ));
    }
}

/// `kernel_routes: { r1: ["10.0.2.0/24", ["10.0.3.0/24", ["eth1", "10.0.0.2"]]] }`: the
/// node's IPv4 table holds exactly these routes besides its connected ones, each via
/// the next hops (addresses or interfaces) given.
fn kernel_routes(r: &mut Reader, node: &str, entry: &Value, _at: &Path) {
    let routes = items(entry);
    for route in &routes {
        let (to, hops): (String, Vec<String>) = match route {
            Value::Sequence(pair) if !pair.is_empty() => (
                scalar(&pair[0]),
                pair.get(1).map(|h| items(h).into_iter().map(scalar).collect()).unwrap_or_default(),
            ),
            other => (scalar(other), Vec::new()),
        };
        let to = if to == "default" { "0.0.0.0/0".to_string() } else { to };
        let family = if to.contains(':') { "-6" } else { "-4" };
        let mut conditions = vec![r#"[ -n "$out" ]"#.to_string()];
        for hop in &hops {
            let word = if hop.parse::<std::net::IpAddr>().is_ok() { "via" } else { "dev" };
            conditions.push(format!(r#"echo "$out" | grep -qw -- {}"#, quote(&format!("{word} {hop}"))));
        }
        let run = format!("out=$(ip {family} route show exact {}); {}", quote(&to), conditions.join(" && "));
        let via = if hops.is_empty() { String::new() } else { format!(" via {}", hops.join(", ")) };
        r.check(command_exit(
            node,
            run,
            0,
            title(format!("{node} heeft de route {to}{via}"), format!("{node} has the route {to}{via}")),
        ));
    }
    // lab-checker's table is exact: no routes besides these and the connected ones.
    r.check(command(
        node,
        "ip -4 route show table main | grep -vc 'scope link' || true",
        &[
            ("output", s(routes.len().to_string())),
            (
                "title",
                title(
                    format!("{node} heeft {} routes naast de aangesloten netwerken", routes.len()),
                    format!("{node} has {} routes besides its connected networks", routes.len()),
                ),
            ),
        ],
    ));
}

/// `reachability: { pc1: ["10.0.0.1", "!10.0.9.9", "www.example"] }`: a ping is answered,
/// or with `!` is not.
fn reachability(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    for item in items(entry) {
        let (target, reach) = wanted(scalar(item));
        if target.parse::<std::net::IpAddr>().is_ok() {
            let mut check = map(&[("ping", s(format!("{node} -> {target}")))]);
            if !reach {
                check.insert("expect".into(), s("blocked"));
                r.loose(
                    at,
                    format!(
                        "`!{target}`: asbuilt checks that {target} does not answer {node}'s ping; it says where the traffic must stop only for checks it derives from a firewall design"
                    ),
                );
            }
            r.check(check);
        } else {
            // A name: resolved by the node itself, as lab-checker's ping does.
            let (nl, en) = if reach { ("bereikt", "reaches") } else { ("bereikt niet", "does not reach") };
            r.check(command_exit(
                node,
                format!("ping -q -n -c 1 -W 2 {}", quote(&target)),
                if reach { 0 } else { 1 },
                title(format!("{node} {nl} {target}"), format!("{node} {en} {target}")),
            ));
        }
    }
}

/// `custom_commands: { r1: [{ command, regex_match, output, exit_code }] }`. lab-checker
/// runs them as root; so do these.
fn custom_commands(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    for (i, item) in items(entry).into_iter().enumerate() {
        let mut item_at = at.clone();
        item_at.push(i.into());
        let Some(fields) = item.as_mapping() else {
            r.lost(&item_at, "expected `command` with `output`, `regex_match` or `exit_code`");
            continue;
        };
        let get = |k: &str| fields.get(Value::from(k));
        // Run as written: asbuilt's routers know Kathará's `vtysh -e` too (FRR keeps it
        // as an unlisted alias of `-c`).
        let Some(run) = get("command").map(scalar) else {
            r.lost(&item_at, "a custom command without `command`");
            continue;
        };
        let mut check = map(&[("command", s(node)), ("run", s(run.clone())), ("user", s("root"))]);
        if let Some(output) = get("output") {
            check.insert("output".into(), s(scalar(output)));
        }
        if let Some(regex) = get("regex_match") {
            check.insert("matches".into(), s(scalar(regex)));
        }
        if let Some(code) = get("exit_code").and_then(Value::as_i64) {
            check.insert("exit".into(), Value::from(code));
        }
        if check.len() == 3 {
            r.lost(&item_at, format!("`{run}` has no `output`, `regex_match` or `exit_code` to check"));
            continue;
        }
        r.check(check);
    }
}

/// `protocols: { ospfd: {...}, bgpd: {...}, <daemon>: { injections } }`.
fn protocols(r: &mut Reader, value: &Value, path: &Path) {
    let Some(daemons) = value.as_mapping() else {
        r.lost(path, "expected a mapping of routing daemons");
        return;
    };
    for (daemon, tests) in daemons {
        let daemon = scalar(daemon);
        let mut at = path.clone();
        at.push(daemon.as_str().into());
        let Some(tests) = tests.as_mapping() else {
            r.lost(&at, "expected a mapping of tests");
            continue;
        };
        for (kind, value) in tests {
            let kind = scalar(kind);
            let mut at = at.clone();
            at.push(kind.as_str().into());
            match (daemon.as_str(), kind.as_str()) {
                ("bgpd", "neighbors") => per_device(r, value, &at, bgp_neighbours),
                ("bgpd", "routes") => per_device(r, value, &at, bgp_routes),
                ("ospfd", "neighbors") => per_device(r, value, &at, ospf_neighbours),
                ("ospfd", "routes") => per_device(r, value, &at, ospf_routes),
                ("ospfd", "interfaces") => per_device(r, value, &at, ospf_interfaces),
                (_, "networks") => {
                    per_device(r, value, &at, |r, node, entry, _| announced(r, &daemon, node, entry))
                }
                (_, "injections") => {
                    per_device(r, value, &at, |r, node, entry, _| injected(r, &daemon, node, entry))
                }
                _ => r.lost(&at, format!("lab-checker's `{kind}` tests of {daemon} have no asbuilt check")),
            }
        }
    }
}

/// `vtysh` with a `show` command, its JSON on one line in `$out`.
fn vtysh_json(show: &str) -> String {
    format!("out=$(vtysh -c {} | tr -d ' \\n')", quote(show))
}

/// `bgpd: neighbors: { r1: [{ ip, asn }] }`: the session is established, with that AS.
fn bgp_neighbours(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    for item in items(entry) {
        let Some(ip) = item.get("ip").map(scalar) else {
            r.lost(at, "a BGP neighbour without `ip`");
            continue;
        };
        let mut run = vtysh_json(&format!("show bgp neighbors {ip} json"));
        run.push_str(r#"; case "$out" in *'"bgpState":"Established"'*) ;; *) exit 1 ;; esac"#);
        let asn = item.get("asn").map(scalar);
        if let Some(asn) = &asn {
            run.push_str(&format!(r#"; case "$out" in *'"remoteAs":{asn},'*) ;; *) exit 1 ;; esac"#));
        }
        let as_text = asn.map(|a| format!(" (AS {a})")).unwrap_or_default();
        r.check(command_exit(
            node,
            run,
            0,
            title(
                format!("{node} heeft een BGP-sessie met {ip}{as_text}"),
                format!("{node} has a BGP session with {ip}{as_text}"),
            ),
        ));
    }
}

/// `bgpd: routes: { r1: [{ route, aspath: [[65002], [65003, 65002]] }] }`: the route is in
/// the BGP table with these AS paths.
fn bgp_routes(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    for item in items(entry) {
        let Some(route) = item.get("route").map(scalar) else {
            r.lost(at, "a BGP route without `route`");
            continue;
        };
        let family = if route.contains(':') { "ipv6" } else { "ipv4" };
        let mut run = vtysh_json(&format!("show bgp {family} unicast {route} json"));
        run.push_str(r#"; case "$out" in *'"paths":['*) ;; *) exit 1 ;; esac"#);
        let paths: Vec<String> = item
            .get("aspath")
            .map(|p| {
                items(p)
                    .into_iter()
                    .map(|one| items(one).into_iter().map(scalar).collect::<Vec<_>>().join(" "))
                    .collect()
            })
            .unwrap_or_default();
        for path in &paths {
            let squeezed: String = path.chars().filter(|c| *c != ' ').collect();
            // `"path":"6500365002"` once spaces are squeezed out; the AS path stays told apart
            // from others by its quotes.
            run.push_str(&format!(r#"; case "$out" in *'"path":"{squeezed}"'*) ;; *) exit 1 ;; esac"#));
        }
        if !paths.is_empty() {
            r.loose(
                at,
                format!("{route}: asbuilt checks that each AS path is there, not that there are no others"),
            );
        }
        r.check(command_exit(
            node,
            run,
            0,
            title(format!("{node} kent {route} via BGP"), format!("{node} knows {route} through BGP")),
        ));
    }
}

/// `ospfd: neighbors: { r1: [{ router_id, state }] }`.
fn ospf_neighbours(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    for item in items(entry) {
        let Some(id) = item.get("router_id").map(scalar) else {
            r.lost(at, "an OSPF neighbour without `router_id`");
            continue;
        };
        let state = item.get("state").map(scalar).unwrap_or_else(|| "Full".into());
        // FRR writes `Full/DR`; lab-checker writes FULL.
        let state = capitalised(&state);
        let run = format!(
            "{}; echo \"$out\" | grep -q -- {}",
            vtysh_json("show ip ospf neighbor json"),
            quote(&format!("\"{}\":\\[{{[^]]*\"nbrState\":\"{state}", id.replace('.', "\\.")))
        );
        r.check(command_exit(
            node,
            run,
            0,
            title(
                format!("{node} heeft OSPF-buur {id} in de toestand {state}"),
                format!("{node} has OSPF neighbour {id} in state {state}"),
            ),
        ));
    }
}

/// `FULL` as FRR shows it: `Full`.
fn capitalised(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `ospfd: routes: { r1: [{ route }] }`: OSPF has a route to the prefix.
fn ospf_routes(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    for item in items(entry) {
        let route = item.get("route").map(scalar).unwrap_or_else(|| scalar(item));
        if route.is_empty() {
            r.lost(at, "an OSPF route without `route`");
            continue;
        }
        let run = format!(
            "{}; case \"$out\" in *{}*) ;; *) exit 1 ;; esac",
            vtysh_json("show ip ospf route json"),
            quote(&format!("\"{route}\":{{"))
        );
        r.check(command_exit(
            node,
            run,
            0,
            title(format!("{node} kent {route} via OSPF"), format!("{node} knows {route} through OSPF")),
        ));
    }
}

/// `ospfd: interfaces: { r1: { eth0: { cost: 10, state: DR, networkType: BROADCAST } } }`:
/// each field as `show ip ospf interface json` has it.
fn ospf_interfaces(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    let Some(ifaces) = entry.as_mapping() else {
        r.lost(at, "expected a mapping of interfaces");
        return;
    };
    for (iface, fields) in ifaces {
        let iface = interface(&scalar(iface));
        let mut run = vtysh_json(&format!("show ip ospf interface {iface} json"));
        let mut shown = Vec::new();
        for (key, want) in fields.as_mapping().into_iter().flatten() {
            let (key, want) = (scalar(key), want);
            let json = match want {
                Value::String(text) => format!("\"{key}\":\"{text}\""),
                other => format!("\"{key}\":{}", scalar(other)),
            };
            run.push_str(&format!("; case \"$out\" in *{}*) ;; *) exit 1 ;; esac", quote(&json)));
            shown.push(format!("{key} {}", scalar(want)));
        }
        r.check(command_exit(
            node,
            run,
            0,
            title(
                format!("{node}:{iface} in OSPF met {}", shown.join(", ")),
                format!("{node}:{iface} in OSPF with {}", shown.join(", ")),
            ),
        ));
    }
}

/// `router bgp`, `router ospf`... for a daemon.
fn router_of(daemon: &str) -> String {
    daemon.trim_end_matches('d').to_string()
}

/// `<daemon>: networks: { r1: [10.0.0.0/24] }`: the protocol's configuration announces
/// the network.
fn announced(r: &mut Reader, daemon: &str, node: &str, entry: &Value) {
    let router = router_of(daemon);
    for net in items(entry) {
        let net = scalar(net);
        let run = format!(
            "vtysh -c 'show running-config' | sed -n '/^router {router}/,/^exit/p' | grep -Eq -- {}",
            quote(&format!("^ +network {}( |$)", regex::escape(&net)))
        );
        r.check(command_exit(
            node,
            run,
            0,
            title(
                format!("{node} kondigt {net} aan in {router}"),
                format!("{node} announces {net} in {router}"),
            ),
        ));
    }
}

/// `<daemon>: injections: { r1: [connected, "!static"] }`: the protocol redistributes
/// the other one, or with `!` does not.
fn injected(r: &mut Reader, daemon: &str, node: &str, entry: &Value) {
    let router = router_of(daemon);
    for item in items(entry) {
        let (what, wanted) = wanted(scalar(item));
        let run = format!(
            "vtysh -c 'show running-config' | sed -n '/^router {router}/,/^exit/p' | grep -Eq -- {}",
            quote(&format!("^ +redistribute {}( |$)", regex::escape(&what)))
        );
        let (nl, en) = if wanted { ("", "") } else { (" niet", " not") };
        r.check(command_exit(
            node,
            run,
            if wanted { 0 } else { 1 },
            title(
                format!("{node} brengt {what}{nl} in {router}"),
                format!("{node} does{en} redistribute {what} into {router}"),
            ),
        ));
    }
}

/// `applications: { http: {...}, dns: {...} }`.
fn applications(r: &mut Reader, value: &Value, path: &Path) {
    let Some(apps) = value.as_mapping() else {
        r.lost(path, "expected a mapping of applications");
        return;
    };
    for (app, tests) in apps {
        let app = scalar(app);
        let mut at = path.clone();
        at.push(app.as_str().into());
        match app.as_str() {
            "http" => per_device(r, tests, &at, http),
            "dns" => dns(r, tests, &at),
            other => r.lost(&at, format!("lab-checker's `{other}` tests have no asbuilt check")),
        }
    }
}

/// `http: { pc1: [{ url, method, status_code, body_contains, regex_body }] }`.
fn http(r: &mut Reader, node: &str, entry: &Value, at: &Path) {
    for item in items(entry) {
        let Some(url) = item.get("url").map(scalar) else {
            r.lost(at, "an HTTP test without `url`");
            continue;
        };
        let mut check = map(&[("http", s(format!("{node} -> {url}")))]);
        if let Some(method) = item.get("method").map(scalar) {
            check.insert("method".into(), s(method.to_uppercase()));
        }
        let status = item.get("status_code").and_then(Value::as_u64).unwrap_or(200);
        check.insert("status".into(), Value::from(status));
        if let Some(text) = item.get("body_contains").map(scalar) {
            check.insert("contains".into(), s(text));
        }
        if let Some(regex) = item.get("regex_body").map(scalar) {
            check.insert("matches".into(), s(regex));
        }
        r.check(check);
    }
}

/// `dns: { local_ns: { ip: [devices] }, records: { A: { name: [ip] } }, authoritative:
/// { zone: [ip] } }`. Records are asked by every device that has a local name server,
/// with its own resolver, as lab-checker asks them.
fn dns(r: &mut Reader, value: &Value, path: &Path) {
    let Some(tests) = value.as_mapping() else {
        r.lost(path, "expected `local_ns`, `records` or `authoritative`");
        return;
    };
    let mut clients: Vec<String> = Vec::new();
    if let Some(local) = tests.get(Value::from("local_ns")).and_then(Value::as_mapping) {
        for (ns, devices) in local {
            let ns = scalar(ns);
            for device in items(devices) {
                let node = node(&scalar(device));
                r.check(command(
                    &node,
                    "cat /etc/resolv.conf",
                    &[
                        ("matches", s(format!(r"(?m)^nameserver\s+{}\s*$", regex::escape(&ns)))),
                        (
                            "title",
                            title(
                                format!("{node} vraagt namen aan {ns}"),
                                format!("{node} asks {ns} for names"),
                            ),
                        ),
                    ],
                ));
                if !clients.contains(&node) {
                    clients.push(node);
                }
            }
        }
    }
    for (kind, section) in tests {
        let kind = scalar(kind);
        let mut at = path.clone();
        at.push(kind.as_str().into());
        match kind.as_str() {
            "local_ns" => {}
            "records" => {
                if clients.is_empty() {
                    r.lost(&at, "records are asked by the devices under `local_ns`, and there are none");
                    continue;
                }
                for (rtype, names) in section.as_mapping().into_iter().flatten() {
                    let rtype = scalar(rtype).to_uppercase();
                    for (name, answers) in names.as_mapping().into_iter().flatten() {
                        let name = scalar(name);
                        for answer in items(answers) {
                            for client in &clients {
                                let mut check = map(&[("dns", s(format!("{client} -> {name}")))]);
                                if rtype != "A" {
                                    check.insert("type".into(), s(rtype.clone()));
                                }
                                check.insert("expect".into(), s(scalar(answer)));
                                r.check(check);
                            }
                        }
                    }
                }
            }
            "authoritative" => {
                let Some(asker) = clients.first().cloned() else {
                    r.lost(&at, "the authority is asked by a device under `local_ns`, and there is none");
                    continue;
                };
                for (zone, servers) in section.as_mapping().into_iter().flatten() {
                    let zone = scalar(zone).trim_end_matches('.').to_string();
                    for server in items(servers) {
                        let server = scalar(server);
                        r.check(map(&[
                            ("dns", s(format!("{asker} -> {zone}"))),
                            ("server", s(server.clone())),
                            ("type", s("SOA")),
                            ("authoritative", Value::Bool(true)),
                        ]));
                    }
                }
                r.loose(
                    &at,
                    "asbuilt asks each server for the zone's SOA with the AA flag; lab-checker also follows the delegation from the root",
                );
            }
            other => r.lost(&at, format!("lab-checker's DNS `{other}` tests have no asbuilt check")),
        }
    }
}
