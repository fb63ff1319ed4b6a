//! `<device>.startup`, `shared.startup` and `exec` options: shell commands, read one
//! by one into what asbuilt can take over as design facts (addresses, routes, default
//! gateways, daemons started, kernel settings) and what it cannot.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::import::report::Place;

/// What one command does, as far as the importer understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// `ip addr add 10.0.0.1/24 dev eth0`, `ifconfig eth0 10.0.0.1 netmask 255.255.255.0 up`.
    Addr { iface: String, net: IpNet },
    /// `dhclient eth0`: the interface takes its address from a DHCP server.
    Dhcp { iface: String },
    /// `ip link set eth0 up`, `ifconfig eth0 up`: asbuilt brings every cabled interface up.
    LinkUp { iface: String },
    /// `ip link set dev eth0 address 02:..`, `ifconfig eth0 hw ether 02:..`.
    Mac { iface: String, mac: String },
    /// `ip route add 10.1.0.0/16 via 10.0.0.2`, `route add default gw 10.0.0.1`; `None`
    /// is the default route.
    Route { dest: Option<IpNet>, via: IpAddr },
    /// `/etc/init.d/frr start`, `service apache2 start`, `systemctl start bind9`.
    Start { daemon: Daemon },
    /// `sysctl -w net.ipv4.ip_forward=1`, `echo 1 > /proc/sys/net/ipv4/ip_forward`.
    Sysctl { key: String, value: String },
    /// A command that cannot change the network (`echo hi > /root/x`, `mkdir`, `sleep`):
    /// kept as it is, in design mode too.
    Harmless,
    /// Anything else: kept as it is, and since it may undo what asbuilt configured from
    /// the recognised commands, the node runs all its commands as they are.
    Other,
}

/// The daemons a startup file may start, by what they make the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Daemon {
    /// frr, quagga, zebra: the device is a router.
    Routing,
    /// apache2, nginx, lighttpd: a web server.
    Web,
    /// bind9, named: a DNS server.
    Dns,
    /// isc-dhcp-server, dhcpd: a DHCP server.
    Dhcp,
    /// Anything else (dnsmasq, ssh, isc-dhcp-server): started as it is.
    Other(String),
}

/// One command and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub place: Place,
    pub cmd: Cmd,
}

/// Reads a startup file: one command a line (a line ending in `\` goes on on the next),
/// comments and empty lines skipped.
pub fn parse(text: &str, file: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut pending: Option<(String, Place)> = None;
    for (i, raw) in text.lines().enumerate() {
        let indent = raw.len() - raw.trim_start().len();
        let trimmed = raw.trim();
        let (mut acc, place) = match pending.take() {
            Some((acc, place)) => (acc, place),
            None => {
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                (String::new(), Place::new(file, i + 1, indent + 1))
            }
        };
        if let Some(head) = trimmed.strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            pending = Some((acc, place));
            continue;
        }
        acc.push_str(trimmed);
        out.push(Line { cmd: classify(&acc), text: acc, place });
    }
    if let Some((acc, place)) = pending {
        out.push(Line { cmd: classify(&acc), text: acc, place });
    }
    out
}

/// Reads one command.
pub fn classify(command: &str) -> Cmd {
    let command = strip_comment(command);
    if let Some(cmd) = proc_sys(command) {
        return cmd;
    }
    if command.contains(['|', ';', '&', '`', '<']) || command.contains("$(") {
        // A compound command is harmless when every part of it is.
        let parts = command.split(['|', ';', '&']).map(str::trim).filter(|p| !p.is_empty());
        let harmless = !command.contains('`')
            && !command.contains("$(")
            && parts.clone().all(|p| classify_simple(p) == Cmd::Harmless);
        return if harmless { Cmd::Harmless } else { Cmd::Other };
    }
    classify_simple(command)
}

fn strip_comment(command: &str) -> &str {
    let mut quote = None;
    for (i, c) in command.char_indices() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('#', None) if i == 0 || command[..i].ends_with(' ') => return command[..i].trim_end(),
            _ => {}
        }
    }
    command.trim()
}

fn classify_simple(command: &str) -> Cmd {
    let words = words(command);
    let Some(first) = words.first() else { return Cmd::Harmless };
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let redirects = command.contains('>');
    let cmd = match first.as_str() {
        "ip" => ip(&w[1..]),
        "ifconfig" => ifconfig(&w[1..]),
        "route" => route(&w[1..]),
        "service" if w.len() >= 3 && starts(w[2]) => Some(start(w[1])),
        "systemctl" if w.len() >= 3 && starts(w[1]) => Some(start(w[2])),
        "sysctl" => sysctl(&w[1..]),
        "dhclient" => match w[1..].iter().filter(|a| !a.starts_with('-')).collect::<Vec<_>>().as_slice() {
            [iface] => Some(Cmd::Dhcp { iface: iface.to_string() }),
            _ => None,
        },
        s if s.starts_with("/etc/init.d/") && w.len() >= 2 && starts(w[1]) => {
            Some(start(&s["/etc/init.d/".len()..]))
        }
        s if HARMLESS.contains(&s) && !(redirects && command.contains("/proc/")) => Some(Cmd::Harmless),
        _ => None,
    };
    cmd.unwrap_or(Cmd::Other)
}

/// Commands that change no network state (files, users, output, time).
const HARMLESS: [&str; 24] = [
    "echo", "printf", "cat", "mkdir", "touch", "cp", "mv", "chmod", "chown", "ln", "sleep", "date", "true",
    ":", "export", "cd", "ls", "id", "wc", "tee", "useradd", "adduser", "chpasswd", "a2ensite",
];

fn starts(verb: &str) -> bool {
    matches!(verb, "start" | "restart" | "reload")
}

fn start(name: &str) -> Cmd {
    let name = name.trim_end_matches(".service");
    let daemon = match name {
        "frr" | "quagga" | "zebra" => Daemon::Routing,
        "apache2" | "apache" | "httpd" | "nginx" | "lighttpd" => Daemon::Web,
        "bind9" | "bind" | "named" => Daemon::Dns,
        "isc-dhcp-server" | "dhcpd" => Daemon::Dhcp,
        other => Daemon::Other(other.to_string()),
    };
    Cmd::Start { daemon }
}

/// Words of a simple command, with quotes taken off.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    let mut any = false;
    for c in command.chars() {
        match (c, quote) {
            ('\'' | '"', None) => {
                quote = Some(c);
                any = true;
            }
            (q, Some(open)) if q == open => quote = None,
            (c, None) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (c, _) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn abbrev(word: &str, full: &str, shortest: usize) -> bool {
    word.len() >= shortest && full.starts_with(word)
}

/// `ip [-4|-6] addr add A/P dev X`, `ip link set [dev] X up`, `ip route add D via G`.
fn ip(args: &[&str]) -> Option<Cmd> {
    let args: Vec<&str> = args.iter().copied().skip_while(|a| a.starts_with('-')).collect();
    let (object, verb, rest) = (*args.first()?, *args.get(1)?, &args[2..]);
    if abbrev(object, "address", 1) && matches!(verb, "a" | "add" | "replace") {
        let mut iface = None;
        let mut net = None;
        let mut i = 0;
        while i < rest.len() {
            match rest[i] {
                "dev" => {
                    iface = rest.get(i + 1).map(|s| s.to_string());
                    i += 2;
                }
                "brd" | "broadcast" => i += 2,
                "local" => {
                    net = rest.get(i + 1).and_then(|s| s.parse::<IpNet>().ok());
                    i += 2;
                }
                word if net.is_none() && word.contains('/') => {
                    net = Some(word.parse::<IpNet>().ok()?);
                    i += 1;
                }
                _ => return None,
            }
        }
        return Some(Cmd::Addr { iface: iface?, net: net? });
    }
    if abbrev(object, "link", 1) && verb == "set" {
        let rest: Vec<&str> = rest.iter().copied().filter(|w| *w != "dev").collect();
        let iface = rest.first()?.to_string();
        return match &rest[1..] {
            ["up"] => Some(Cmd::LinkUp { iface }),
            ["address", mac] | ["address", mac, "up"] | ["up", "address", mac] => {
                Some(Cmd::Mac { iface, mac: mac.to_lowercase() })
            }
            _ => None,
        };
    }
    if abbrev(object, "route", 1) && matches!(verb, "a" | "add" | "replace") {
        let dest = destination(rest.first()?)?;
        let mut via = None;
        let mut i = 1;
        while i < rest.len() {
            match rest[i] {
                "via" => {
                    via = Some(rest.get(i + 1)?.parse::<IpAddr>().ok()?);
                    i += 2;
                }
                "dev" => i += 2,
                _ => return None,
            }
        }
        return Some(Cmd::Route { dest, via: via? });
    }
    None
}

/// `default` (as `None`) or a subnet; a bare address is a host route.
fn destination(word: &str) -> Option<Option<IpNet>> {
    match word {
        "default" | "0.0.0.0/0" | "::/0" => Some(None),
        w => {
            let net = w.parse::<IpNet>().ok().or_else(|| w.parse::<IpAddr>().ok().map(IpNet::from))?;
            Some(Some(net.trunc()))
        }
    }
}

/// `ifconfig eth0 10.0.0.1 netmask 255.255.255.0 [broadcast B] [up]`,
/// `ifconfig eth0 10.0.0.1/24 up`, `ifconfig eth0 up`, `ifconfig eth0 hw ether MAC`.
fn ifconfig(args: &[&str]) -> Option<Cmd> {
    let iface = args.first()?.to_string();
    match &args[1..] {
        ["up"] => return Some(Cmd::LinkUp { iface }),
        ["hw", "ether", mac] | ["hw", "ether", mac, "up"] => {
            return Some(Cmd::Mac { iface, mac: mac.to_lowercase() });
        }
        _ => {}
    }
    let addr = *args.get(1)?;
    let mut prefix = None;
    let mut net = if addr.contains('/') { Some(addr.parse::<IpNet>().ok()?) } else { None };
    let ip: Option<IpAddr> = if net.is_none() { Some(addr.parse().ok()?) } else { None };
    let mut i = 2;
    while i < args.len() {
        match args[i] {
            "netmask" => {
                let mask: std::net::Ipv4Addr = args.get(i + 1)?.parse().ok()?;
                let bits = u32::from(mask);
                if bits.leading_ones() + bits.trailing_zeros() != 32 {
                    return None;
                }
                prefix = Some(bits.leading_ones() as u8);
                i += 2;
            }
            "broadcast" => i += 2,
            "up" => i += 1,
            _ => return None,
        }
    }
    if net.is_none() {
        let ip = ip?;
        // ifconfig without a netmask takes the class's: labs always give one, so a
        // missing one is not guessed.
        net = Some(IpNet::new(ip, prefix?).ok()?);
    }
    Some(Cmd::Addr { iface, net: net? })
}

/// `route add default gw G [dev] [X]`, `route add -net N netmask M gw G [dev X]`,
/// `route add -net N/P gw G`, `route add -host H gw G`.
fn route(args: &[&str]) -> Option<Cmd> {
    if args.first()? != &"add" {
        return None;
    }
    let mut dest: Option<Option<IpNet>> = None;
    let mut target: Option<&str> = None;
    let mut host = false;
    let mut mask: Option<u8> = None;
    let mut via = None;
    let mut i = 1;
    while i < args.len() {
        match args[i] {
            "default" => {
                dest = Some(None);
                i += 1;
            }
            "-net" => {
                target = Some(args.get(i + 1)?);
                i += 2;
            }
            "-host" => {
                target = Some(args.get(i + 1)?);
                host = true;
                i += 2;
            }
            "netmask" => {
                let m: std::net::Ipv4Addr = args.get(i + 1)?.parse().ok()?;
                let bits = u32::from(m);
                if bits.leading_ones() + bits.trailing_zeros() != 32 {
                    return None;
                }
                mask = Some(bits.leading_ones() as u8);
                i += 2;
            }
            "gw" => {
                via = Some(args.get(i + 1)?.parse::<IpAddr>().ok()?);
                i += 2;
            }
            "dev" => i += 2,
            // The interface may follow without `dev`, last.
            w if i == args.len() - 1 && w.chars().next().is_some_and(|c| c.is_ascii_lowercase()) => i += 1,
            _ => return None,
        }
    }
    if let Some(t) = target {
        let net = if t.contains('/') {
            t.parse::<IpNet>().ok()?
        } else {
            let ip: IpAddr = t.parse().ok()?;
            let len = if host { if ip.is_ipv4() { 32 } else { 128 } } else { mask? };
            IpNet::new(ip, len).ok()?
        };
        dest = Some(if net.prefix_len() == 0 { None } else { Some(net.trunc()) });
    }
    Some(Cmd::Route { dest: dest?, via: via? })
}

fn sysctl(args: &[&str]) -> Option<Cmd> {
    let args: Vec<&str> = args.iter().copied().filter(|a| *a != "-w" && *a != "-q").collect();
    match args.as_slice() {
        [kv] => {
            let (k, v) = kv.split_once('=')?;
            Some(Cmd::Sysctl { key: k.trim().to_string(), value: v.trim().to_string() })
        }
        _ => None,
    }
}

/// `echo 1 > /proc/sys/net/ipv4/ip_forward`.
fn proc_sys(command: &str) -> Option<Cmd> {
    let (left, right) = command.split_once('>')?;
    let w = words(left);
    let path = right.trim().strip_prefix("/proc/sys/")?;
    if w.len() != 2 || w[0] != "echo" || path.contains(char::is_whitespace) {
        return None;
    }
    Some(Cmd::Sysctl { key: path.replace('/', "."), value: w[1].clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn the_common_address_forms_are_recognised() {
        let addr = |iface: &str, n: &str| Cmd::Addr { iface: iface.into(), net: net(n) };
        assert_eq!(classify("ip address add 10.0.0.1/24 dev eth0"), addr("eth0", "10.0.0.1/24"));
        assert_eq!(classify("ip addr add 10.0.0.1/24 brd + dev eth0"), addr("eth0", "10.0.0.1/24"));
        assert_eq!(classify("ip -6 a add 2001:db8::1/64 dev eth1"), addr("eth1", "2001:db8::1/64"));
        assert_eq!(classify("ifconfig eth0 10.0.0.1 netmask 255.255.255.0 up"), addr("eth0", "10.0.0.1/24"));
        assert_eq!(
            classify("ifconfig eth1 192.168.1.1 netmask 255.255.255.0 broadcast 192.168.1.255 up"),
            addr("eth1", "192.168.1.1/24")
        );
        assert_eq!(classify("ifconfig eth0 10.0.0.1/30 up"), addr("eth0", "10.0.0.1/30"));
        assert_eq!(classify("ifconfig eth0 10.0.0.1 up"), Cmd::Other, "no netmask is not guessed");
        assert_eq!(classify("ip addr add 10.0.0.1 dev eth0"), Cmd::Other);
    }

    #[test]
    fn links_routes_and_gateways_are_recognised() {
        assert_eq!(classify("ip link set eth0 up"), Cmd::LinkUp { iface: "eth0".into() });
        assert_eq!(classify("ip link set dev eth0 up"), Cmd::LinkUp { iface: "eth0".into() });
        assert_eq!(classify("ip link set eth0 down"), Cmd::Other);
        assert_eq!(
            classify("ip link set dev eth0 address 02:00:00:00:00:AA"),
            Cmd::Mac { iface: "eth0".into(), mac: "02:00:00:00:00:aa".into() }
        );
        let gw = Cmd::Route { dest: None, via: "10.0.0.1".parse().unwrap() };
        assert_eq!(classify("ip route add default via 10.0.0.1"), gw);
        assert_eq!(classify("route add default gw 10.0.0.1"), gw);
        assert_eq!(classify("route add default gw 10.0.0.1 eth0"), gw);
        assert_eq!(classify("ip r a 0.0.0.0/0 via 10.0.0.1 dev eth0"), gw);
        let r = Cmd::Route { dest: Some(net("10.2.0.0/16")), via: "10.0.0.2".parse().unwrap() };
        assert_eq!(classify("ip route add 10.2.0.0/16 via 10.0.0.2"), r);
        assert_eq!(classify("route add -net 10.2.0.0 netmask 255.255.0.0 gw 10.0.0.2 dev eth0"), r);
        assert_eq!(classify("route add -net 10.2.0.0/16 gw 10.0.0.2"), r);
        assert_eq!(
            classify("ip route add 10.2.0.0/16 dev eth0"),
            Cmd::Other,
            "a device route has no next hop"
        );
    }

    #[test]
    fn daemons_sysctls_and_harmless_commands_are_told_apart() {
        assert_eq!(classify("/etc/init.d/frr start"), Cmd::Start { daemon: Daemon::Routing });
        assert_eq!(classify("systemctl start frr.service"), Cmd::Start { daemon: Daemon::Routing });
        assert_eq!(classify("service apache2 start"), Cmd::Start { daemon: Daemon::Web });
        assert_eq!(classify("/etc/init.d/bind9 restart"), Cmd::Start { daemon: Daemon::Dns });
        assert_eq!(classify("dhclient -v eth1"), Cmd::Dhcp { iface: "eth1".into() });
        assert_eq!(classify("dhclient"), Cmd::Other, "every interface is not one the design can name");
        assert_eq!(classify("service isc-dhcp-server start"), Cmd::Start { daemon: Daemon::Dhcp });
        assert_eq!(classify("service dnsmasq start"), Cmd::Start { daemon: Daemon::Other("dnsmasq".into()) });
        let fwd = Cmd::Sysctl { key: "net.ipv4.ip_forward".into(), value: "1".into() };
        assert_eq!(classify("sysctl -w net.ipv4.ip_forward=1"), fwd);
        assert_eq!(classify("echo 1 > /proc/sys/net/ipv4/ip_forward"), fwd);
        assert_eq!(classify("echo hallo > /root/x.txt  # note"), Cmd::Harmless);
        assert_eq!(classify("mkdir -p /srv/x && echo a > /srv/x/a"), Cmd::Harmless);
        assert_eq!(classify("echo a; ip addr flush dev eth0"), Cmd::Other);
        assert_eq!(classify("iptables -A FORWARD -j DROP"), Cmd::Other);
        assert_eq!(classify("echo $(ip -br a) > /root/x"), Cmd::Other);
    }

    #[test]
    fn lines_keep_their_places_and_continuations_join() {
        let lines = parse(
            "# comment\n\n  ip addr add 10.0.0.1/24 \\\n    dev eth0\nip link set eth0 up\n",
            "pc1.startup",
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].place, Place::new("pc1.startup", 3, 3));
        assert!(matches!(lines[0].cmd, Cmd::Addr { .. }), "{:?}", lines[0]);
        assert_eq!(lines[1].place.line, 5);
    }
}
