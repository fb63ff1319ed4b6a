//! Whether a check would pass in a [`World`]: the same expectation the judge applies
//! to evidence from a live lab, applied to the computed one. Checks the model cannot
//! foresee (a command's output, a file's content) are taken to pass.

use std::net::IpAddr;

use super::World;
use super::fib::RouteSource;
use super::policy::Flow;
use crate::checks::content;
use crate::checks::model::{AddressExpect, ProbeSpec, url_host};
use crate::design::{Endpoint, Transport};

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
        ProbeSpec::Http { from, url, status, contains } => {
            http_holds(world, from, url, *status, contains.as_deref())
        }
        ProbeSpec::Dns { from, name, server, expect } => {
            let servers: Vec<IpAddr> = match server {
                Some(s) => vec![*s],
                None => world.resolvers(from),
            };
            servers.iter().any(|s| {
                let answers = resolve_with(world, from, *s, name);
                !answers.is_empty() && expect.is_none_or(|e| answers.contains(&e))
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
        ProbeSpec::Ssh { node, address, port } => {
            world.node(node).services.ssh.as_ref().is_some_and(|s| s.port == *port)
                && world.round_trip(node, *address, Flow::Tcp(*port)).ok()
        }
        ProbeSpec::Vlan { switch, port, expect } => world.node(switch).vlans.get(port) == Some(expect),
        ProbeSpec::Command { .. } | ProbeSpec::File { .. } => true,
    }
}

/// Whether a node runs a service on this port.
fn serves(world: &World, node: &str, protocol: Transport, port: Option<u16>) -> bool {
    let Some(port) = port else { return false };
    let s = &world.node(node).services;
    match protocol {
        Transport::Tcp => {
            s.http.as_ref().is_some_and(|h| h.port == port)
                || s.ssh.as_ref().is_some_and(|h| h.port == port)
                || (s.dns.is_some() && port == 53)
        }
        Transport::Udp => (s.dns.is_some() && port == 53) || (s.dhcp.is_some() && port == 67),
    }
}

/// The addresses `name` has, asked of `server` from `from`.
fn resolve_with(world: &World, from: &str, server: IpAddr, name: &str) -> Vec<IpAddr> {
    let trip = world.round_trip(from, server, Flow::Udp(53));
    match trip.there.receiver() {
        Some(receiver) if trip.ok() => world.dns_answers(receiver, name),
        _ => Vec::new(),
    }
}

fn http_holds(world: &World, from: &str, url: &str, status: u16, contains: Option<&str>) -> bool {
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
    let Some(http) =
        world.node(server).services.http.as_ref().filter(|h| Some(h.port) == trip.there.delivered_port)
    else {
        return false;
    };
    // A server answers 200 for its page; a test of another status is beyond the model.
    status != 200 || contains.is_none_or(|c| content::contains(&http.content, c))
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
