//! Whether a check would pass in a [`World`]: the same expectation the judge applies
//! to evidence from a live lab, applied to the computed one. Checks the model cannot
//! foresee (a command's output, a file's content) are taken to pass.

use std::net::IpAddr;

use super::World;
use super::fib::RouteSource;
use super::policy::Flow;
use crate::checks::content;
use crate::checks::model::{AddressExpect, ProbeSpec, url_host};
use crate::design::{Endpoint, RecordKind, Transport};

/// Whether the probe's expectation holds in the world.
pub fn holds(world: &World, probe: &ProbeSpec) -> bool {
    match probe {
        ProbeSpec::Address { node, interface, expect } => {
            let ep = Endpoint { node: node.clone(), interface: interface.clone() };
            if world.down.contains(&ep) {
                return false;
            }
            let Some(iface) = world.node(node).interfaces.get(interface) else { return false };
            match expect {
                AddressExpect::Exact { addresses } => addresses.iter().all(|a| iface.addresses.contains(a)),
                AddressExpect::Leased { range } => {
                    world.leases.get(&ep).is_some_and(|l| match l.address.addr() {
                        IpAddr::V4(v4) => range.contains(v4),
                        IpAddr::V6(_) => false,
                    })
                }
            }
        }
        ProbeSpec::Gateway { node, via } => {
            let default = if via.is_ipv4() { "0.0.0.0/0" } else { "::/0" };
            let fib = &world.fibs[node];
            fib.routes.iter().any(|r| {
                r.to == default.parse().expect("a default route")
                    && r.source == RouteSource::Static
                    && r.via == Some(*via)
            })
        }
        ProbeSpec::Route { node, to, via } => world.fibs[node]
            .routes
            .iter()
            .any(|r| r.to == *to && r.source == RouteSource::Static && r.via == Some(*via)),
        ProbeSpec::OspfNeighbour { node, neighbour, .. } => world.ospf.neighbours(node, neighbour),
        ProbeSpec::Ospf6Neighbour { node, neighbour, interface, .. } => world
            .ospf6
            .adjacencies
            .iter()
            .any(|adj| adj.a.node == *node && adj.a.interface == *interface && adj.b.node == *neighbour),
        ProbeSpec::OspfRouterId { node, router_id } => {
            world.node(node).ospf.as_ref().is_some_and(|o| o.router_id == *router_id)
        }
        ProbeSpec::OspfRoute { node, to, metric: None, .. } => {
            world.fibs[node].find(*to, RouteSource::Ospf).is_some()
        }
        ProbeSpec::OspfRoute { .. } | ProbeSpec::OspfInterface { .. } => {
            super::ospf_detail::holds(world, probe)
        }
        ProbeSpec::BgpSession { node, address, remote_as, .. } => {
            world.bgp.established(node, *address).is_some_and(|s| s.remote_as == *remote_as)
        }
        ProbeSpec::BgpRoute { node, to, as_paths } => {
            world.bgp.best(node, *to).is_some_and(|b| b.tied.iter().all(|p| as_paths.contains(&p.as_path)))
        }
        ProbeSpec::RipRoute { node, to, via, interfaces } => {
            world.rip.learned.get(node).is_some_and(|routes| {
                routes.iter().any(|r| {
                    r.route.to == *to
                        && r.hops
                            .iter()
                            .any(|(a, i)| via.contains(a) || (to.addr().is_ipv6() && interfaces.contains(i)))
                })
            })
        }
        ProbeSpec::Link { from, to, address } => {
            let ends = [from, to];
            if ends
                .iter()
                .any(|e| world.impaired.contains(*e) || world.cut.contains(*e) || world.down.contains(*e))
            {
                return false;
            }
            world.domains.index_of(from).is_some()
                && world.domains.index_of(from) == world.domains.index_of(to)
                && world.round_trip(&from.node, *address, Flow::Icmp).ok()
        }
        ProbeSpec::Ping { from, to, reach: true, .. } => world.round_trip(from, to.address, Flow::Icmp).ok(),
        ProbeSpec::Ping { from, to, reach: false, stopped } => match stopped {
            Some(e) => world.stopped_at(from, to.address, Flow::Icmp, e),
            None => false,
        },
        ProbeSpec::Traceroute { from, to, via } => {
            let trip = world.round_trip(from, to.address, Flow::Icmp);
            let hops = &trip.there.hops;
            trip.ok() && hops.len() >= 2 && hops[1..hops.len() - 1] == via[..]
        }
        ProbeSpec::Port { from, to, protocol, port, open: false, stopped, .. } => {
            let flow = match protocol {
                Transport::Tcp => Flow::Tcp(*port),
                Transport::Udp => Flow::Udp(*port),
            };
            stopped.as_ref().is_some_and(|e| world.stopped_at(from, to.address, flow, e))
        }
        ProbeSpec::Port { from, to, protocol, port, open, listen, .. } => {
            let flow = match protocol {
                Transport::Tcp => Flow::Tcp(*port),
                Transport::Udp => Flow::Udp(*port),
            };
            let trip = world.round_trip(from, to.address, flow);
            // Something must answer where the packet arrives: asbuilt, where it listens,
            // or a service the design puts there.
            let receiver = trip.there.receiver();
            let answered = trip.ok()
                && match listen {
                    Some(at) => {
                        receiver == Some(at.node.as_str()) && trip.there.delivered_port == Some(at.port)
                    }
                    None => receiver.is_some_and(|r| serves(world, r, *protocol, trip.there.delivered_port)),
                };
            answered == *open
        }
        ProbeSpec::Inject { firewall, source, to, port, .. } => {
            // As the runner sees it: stopped by the firewall, which itself reaches the target.
            !world
                .inject(&firewall.node, &firewall.interface, *source, to.address, Flow::Udp(*port))
                .delivered()
                && world.round_trip(&firewall.node, to.address, Flow::Icmp).ok()
        }
        ProbeSpec::Nat { from, to, source, port, .. } => {
            let trip = world.round_trip(from, to.address, Flow::Tcp(*port));
            trip.ok() && trip.there.seen_source == Some(*source)
        }
        ProbeSpec::Http { from, url, method, status, contains, matches } => {
            let wanted = PageWanted {
                method,
                status: *status,
                contains: contains.as_deref(),
                matches: matches.as_deref(),
            };
            http_holds(world, from, url, &wanted)
        }
        ProbeSpec::Dns { from, name, server, expect, record } => {
            let servers: Vec<IpAddr> = match server {
                Some(s) => vec![*s],
                None => world.resolvers(from),
            };
            servers.iter().any(|s| {
                let Some(receiver) = dns_server_reached(world, from, *s) else { return false };
                let authority_ok = !record.authoritative
                    || world.node(&receiver).services.dns.as_ref().is_some_and(|d| d.authoritative);
                if !authority_ok {
                    return false;
                }
                if record.kind == RecordKind::A {
                    let answers = world.dns_answers(&receiver, name);
                    return !answers.is_empty() && expect.is_none_or(|e| answers.contains(&e));
                }
                let found = world.dns_records(&receiver, name, record.kind);
                match &record.data {
                    Some(want) => found.iter().any(|d| d.eq_ignore_ascii_case(want.trim_end_matches('.'))),
                    None => !found.is_empty(),
                }
            })
        }
        ProbeSpec::Dhcp { server, client, range } => {
            let Some(dhcp) = &world.node(server).services.dhcp else { return false };
            if dhcp.subnet != range.subnet || world.cut.contains(client) || world.down.contains(client) {
                return false;
            }
            let server_ep = Endpoint { node: server.clone(), interface: dhcp.interface.clone() };
            let same_domain = world.domains.index_of(client).is_some()
                && world.domains.index_of(client) == world.domains.index_of(&server_ep);
            let has_address = world.node(server).interfaces[&dhcp.interface]
                .addresses
                .iter()
                .any(|a| dhcp.subnet.contains(&a.addr()));
            same_domain && has_address
        }
        ProbeSpec::Site { node, address, port, name, tls, contains } => {
            let Some(http) = &world.node(node).services.http else { return false };
            // A designed https site comes with its certificate (made at deploy).
            let served = http.sites.iter().any(|s| s.name == *name && s.tls == *tls);
            let page = crate::plan::served_page(&world.design, http, name, *port);
            served
                && world.round_trip(node, *address, Flow::Tcp(*port)).ok()
                && page.is_some_and(|p| contains.as_deref().is_none_or(|c| content::contains(&p, c)))
        }
        // A backup taken at deploy matches the lab as it then runs; the simulation
        // does not follow a configuration changing after that.
        ProbeSpec::Backup { node, server, file, .. } => world
            .node(server)
            .services
            .backups
            .as_ref()
            .is_some_and(|b| b.of.iter().any(|o| o.node == *node) && b.file(node) == *file),
        // Unbuilt, the lists are the other way round (`plan::boot`): nothing passes.
        ProbeSpec::Boot { node, service, enabled } => {
            world.node(node).services.boot.as_ref().is_some_and(|b| {
                let list = if *enabled { &b.enabled } else { &b.disabled };
                list.contains(service)
            })
        }
        ProbeSpec::Package { node, name, installed } => world.node(node).packages.as_ref().is_some_and(|p| {
            let list = if *installed { &p.installed } else { &p.absent };
            list.contains(name)
        }),
        ProbeSpec::Ssh { node, address, port } => {
            world.node(node).services.ssh.as_ref().is_some_and(|s| s.port == *port)
                && world.round_trip(node, *address, Flow::Tcp(*port)).ok()
        }
        ProbeSpec::Syslog { from, server, address, port } => {
            // Syslog over UDP is one way: the message has to get there, nothing back.
            let sends = world
                .node(from)
                .services
                .logs_to
                .as_ref()
                .is_some_and(|l| l.address == *address && l.port == *port);
            let receives = world.node(server).services.syslog.as_ref().is_some_and(|s| s.port == *port);
            let trip = world.send(from, *address, Flow::Udp(*port));
            sends && receives && trip.receiver() == Some(server.as_str())
        }
        ProbeSpec::Account { node, name, groups, absent } => {
            let account = world.node(node).accounts.iter().find(|a| a.name == *name && !a.absent);
            if *absent {
                // A leaver the student has not removed yet counts as existing (see
                // `blank::without`), as does an SSH login of the same name.
                !user_exists(world, node, name)
            } else {
                let has_groups = groups.iter().all(|g| account.is_some_and(|a| a.groups.contains(g)));
                user_exists(world, node, name) && has_groups
            }
        }
        ProbeSpec::Sudo { node, name, allowed } => {
            let sudoer = world.node(node).accounts.iter().any(|a| a.name == *name && !a.absent && a.sudo);
            if *allowed { sudoer } else { user_exists(world, node, name) && !sudoer }
        }
        ProbeSpec::KeyLogin { client, client_user, node, name, address, port } => {
            let n = world.node(node);
            let key_set = n.accounts.iter().any(|a| {
                a.name == *name
                    && !a.absent
                    && a.key_from.as_ref().is_some_and(|k| k.node == *client && k.user == *client_user)
            });
            let client_has_user = client_user == "root" || user_exists(world, client, client_user);
            key_set
                && client_has_user
                && n.services.ssh.as_ref().is_some_and(|s| s.port == *port)
                && world.round_trip(client, *address, Flow::Tcp(*port)).ok()
        }
        ProbeSpec::Login { node, name, password, address, port } => {
            let n = world.node(node);
            let known = n
                .accounts
                .iter()
                .any(|a| a.name == *name && !a.absent && a.password.as_ref() == Some(password));
            known
                && n.services.ssh.as_ref().is_some_and(|s| s.port == *port)
                && world.round_trip(node, *address, Flow::Tcp(*port)).ok()
        }
        ProbeSpec::NtpServer { node, address } => {
            world.node(node).services.ntp && world.round_trip(node, *address, Flow::Udp(123)).ok()
        }
        ProbeSpec::NtpFollows { node, server, address } => {
            let trip = world.round_trip(node, *address, Flow::Udp(123));
            world.node(node).services.time_from.as_ref().is_some_and(|t| t.address == *address)
                && world.node(server).services.ntp
                && trip.ok()
                && trip.there.receiver() == Some(server.as_str())
        }
        ProbeSpec::Snmp { node, address, port, community } => {
            world
                .node(node)
                .services
                .snmp
                .as_ref()
                .is_some_and(|s| s.port == *port && s.community == *community)
                && world.round_trip(node, *address, Flow::Udp(*port)).ok()
        }
        ProbeSpec::Vlan { switch, port, expect } => world.node(switch).vlans.get(port) == Some(expect),
        ProbeSpec::Command { .. } | ProbeSpec::File { .. } => true,
        ProbeSpec::RouteTable { node, only } => {
            let ipv6 = only.iter().any(|s| s.to.addr().is_ipv6());
            let Some(fib) = world.fibs.get(node) else { return false };
            let mut designed: Vec<(ipnet::IpNet, Vec<IpAddr>)> = Vec::new();
            for r in fib
                .routes
                .iter()
                .filter(|r| r.source != RouteSource::Connected && (r.to.addr().is_ipv4() || ipv6))
            {
                let Some(via) = r.via else { continue };
                match designed.iter_mut().find(|(to, _)| *to == r.to) {
                    Some((_, hops)) if !hops.contains(&via) => hops.push(via),
                    Some(_) => {}
                    None => designed.push((r.to, vec![via])),
                }
            }
            designed.len() == only.len()
                && only.iter().all(|s| {
                    designed.iter().any(|(to, hops)| {
                        *to == s.to && hops.len() == s.via.len() && hops.iter().all(|h| s.via.contains(h))
                    })
                })
        }
    }
}

/// Whether an account exists on the node: one of its designed accounts, or a login of
/// its SSH server.
fn user_exists(world: &World, node: &str, name: &str) -> bool {
    let n = world.node(node);
    n.accounts.iter().any(|a| a.name == name && !a.absent)
        || n.services.ssh.as_ref().is_some_and(|s| s.users.iter().any(|u| u.name == name))
}

/// Whether a node runs a service on this port.
fn serves(world: &World, node: &str, protocol: Transport, port: Option<u16>) -> bool {
    let Some(port) = port else { return false };
    let s = &world.node(node).services;
    match protocol {
        Transport::Tcp => {
            s.http.as_ref().is_some_and(|h| h.listens(port))
                || s.ssh.as_ref().is_some_and(|h| h.port == port)
                || (s.dns.is_some() && port == 53)
        }
        Transport::Udp => {
            (s.dns.is_some() && port == 53)
                || (s.dhcp.is_some() && port == 67)
                || s.syslog.as_ref().is_some_and(|l| l.port == port)
                || s.snmp.as_ref().is_some_and(|a| a.port == port)
                || (s.ntp && port == 123)
        }
    }
}

/// The addresses `name` has, asked of `server` from `from`.
fn resolve_with(world: &World, from: &str, server: IpAddr, name: &str) -> Vec<IpAddr> {
    match dns_server_reached(world, from, server) {
        Some(receiver) => world.dns_answers(&receiver, name),
        None => Vec::new(),
    }
}

/// The node that answers DNS questions `from` sends to `server`, if they get there and
/// back.
fn dns_server_reached(world: &World, from: &str, server: IpAddr) -> Option<String> {
    let trip = world.round_trip(from, server, Flow::Udp(53));
    trip.there.receiver().filter(|_| trip.ok()).map(str::to_string)
}

/// What a web check asks of the answer.
struct PageWanted<'a> {
    method: &'a str,
    status: u16,
    contains: Option<&'a str>,
    matches: Option<&'a str>,
}

fn http_holds(world: &World, from: &str, url: &str, wanted: &PageWanted) -> bool {
    let Some(host) = url_host(url) else { return false };
    let port = url_port(url);
    let address = match host.parse::<IpAddr>() {
        Ok(a) => a,
        Err(_) => {
            let found = world
                .resolvers(from)
                .iter()
                .find_map(|s| resolve_with(world, from, *s, host).first().copied());
            match found {
                Some(a) => a,
                None => return false,
            }
        }
    };
    let trip = world.round_trip(from, address, Flow::Tcp(port));
    let Some(server) = trip.there.receiver().filter(|_| trip.ok()) else { return false };
    let Some(delivered) = trip.there.delivered_port else { return false };
    let Some(http) = world.node(server).services.http.as_ref().filter(|h| h.listens(delivered)) else {
        return false;
    };
    // A server answers 200 for its page; a test of another status is beyond the model.
    if wanted.status != 200 {
        return true;
    }
    // The designed server is nginx with a static page: it answers GET and HEAD, and
    // refuses other methods (405); a HEAD answer has no body to look in.
    match wanted.method {
        "GET" => {}
        "HEAD" => return wanted.contains.is_none() && wanted.matches.is_none(),
        _ => return false,
    }
    let Some(page) = crate::plan::served_page(&world.design, http, host, delivered) else { return false };
    wanted.contains.is_none_or(|c| content::contains(&page, c))
        && wanted.matches.is_none_or(|re| regex::Regex::new(re).is_ok_and(|re| re.is_match(&page)))
}

/// The port of an http(s) URL.
pub fn url_port(url: &str) -> u16 {
    let default = if url.starts_with("https://") { 443 } else { 80 };
    let Some((_, rest)) = url.split_once("://") else { return default };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let port = match authority.strip_prefix('[') {
        Some(v6) => v6.split_once("]:").map(|(_, p)| p),
        None => authority.rsplit_once(':').map(|(_, p)| p),
    };
    port.and_then(|p| p.parse().ok()).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::url_port;

    #[test]
    fn url_ports_default_by_scheme() {
        assert_eq!(url_port("http://10.0.0.5/"), 80);
        assert_eq!(url_port("https://10.0.0.5/"), 443);
        assert_eq!(url_port("http://10.0.0.5:8080/x"), 8080);
        assert_eq!(url_port("http://[2001:db8::5]:8081/"), 8081);
        assert_eq!(url_port("http://[2001:db8::5]/"), 80);
    }
}
