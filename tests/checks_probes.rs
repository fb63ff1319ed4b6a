//! The probes against real packets and a real kernel, without Docker: small labs made
//! of network namespaces in the test itself. Needs root (as the engine does).

mod support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use asbuilt::checks::model::{Influence, ListenAt, ProbeSpec, Target};
use asbuilt::checks::observation::DhcpOffer;
use asbuilt::checks::observation::{Observation, PortFact, RouteOrigin};
use asbuilt::checks::probe::icmp::{self, Burst};
use asbuilt::checks::probe::{Listening, Probes, dhcp, fresh, inject, netlink, netns, transport};
use asbuilt::design::{Endpoint, Transport};
use support::deploy;
use support::netns_lab::{ExecOnly, NetnsLab};

const QUICK: Burst =
    Burst { count: 3, interval: Duration::from_millis(100), wait: Duration::from_millis(500), enough: 3 };

/// pc1 -- r1 -- pc2, with r1 routing between 10.1.1.0/24 and 10.1.2.0/24.
fn two_lans() -> NetnsLab {
    let mut lab = NetnsLab::new();
    for node in ["pc1", "r1", "pc2"] {
        lab.add_node(node);
    }
    lab.segment(&[("pc1", "eth1"), ("r1", "eth1")]);
    lab.segment(&[("r1", "eth2"), ("pc2", "eth1")]);
    lab.sh("r1", "sysctl -qw net.ipv4.ip_forward=1 && ip address add 10.1.1.1/24 dev eth1 && ip address add 10.1.2.1/24 dev eth2");
    lab.sh("pc1", "ip address add 10.1.1.10/24 dev eth1 && ip route add default via 10.1.1.1");
    lab.sh("pc2", "ip address add 10.1.2.10/24 dev eth1 && ip route add default via 10.1.2.1");
    lab
}

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn netlink_reads_the_address_and_state_an_interface_really_has() {
    let lab = two_lans();
    let (facts, raw) = netns::run_in(&lab.at("r1"), || netlink::interface("eth2")).await.unwrap();
    let facts = facts.unwrap();
    assert!(facts.up && facts.carrier, "{raw}");
    assert_eq!(facts.addresses, vec!["10.1.2.1/24".parse().unwrap()]);
    lab.sh("r1", "ip link set eth2 down");
    let (down, _) = netns::run_in(&lab.at("r1"), || netlink::interface("eth2")).await.unwrap();
    assert!(!down.unwrap().up);
    let (missing, raw) = netns::run_in(&lab.at("r1"), || netlink::interface("eth7")).await.unwrap();
    assert!(missing.is_none() && raw.contains("no interface eth7"), "{raw}");
}

#[tokio::test]
async fn netlink_reads_routes_with_their_next_hops_and_origin() {
    let lab = two_lans();
    lab.sh("r1", "ip route add 10.9.0.0/16 via 10.1.2.10 proto static");
    let (routes, raw) = netns::run_in(&lab.at("r1"), netlink::routes).await.unwrap();
    let r = routes.iter().find(|r| r.to == "10.9.0.0/16".parse().unwrap()).unwrap_or_else(|| panic!("{raw}"));
    assert_eq!(r.via, vec![addr("10.1.2.10")]);
    assert_eq!(r.origin, RouteOrigin::Static);
    assert_eq!(r.interface.as_deref(), Some("eth2"));
    let (pc1, _) = netns::run_in(&lab.at("pc1"), netlink::routes).await.unwrap();
    let default = pc1.iter().find(|r| r.to.prefix_len() == 0).unwrap();
    assert_eq!(default.via, vec![addr("10.1.1.1")]);
}

#[tokio::test]
async fn a_ping_from_inside_a_node_is_answered_across_a_router_and_not_by_an_address_nobody_has() {
    let lab = two_lans();
    let answered = icmp::ping(&lab.at("pc1"), addr("10.1.2.10"), fresh::echo_id(), QUICK).await.unwrap();
    assert_eq!((answered.sent, answered.received), (3, 3));
    let nobody = icmp::ping(&lab.at("pc1"), addr("10.1.2.99"), fresh::echo_id(), QUICK).await.unwrap();
    assert_eq!(nobody.received, 0);
    lab.sh("pc2", "ip route del default");
    let no_way_back = icmp::ping(&lab.at("pc1"), addr("10.1.2.10"), fresh::echo_id(), QUICK).await.unwrap();
    assert_eq!(no_way_back.received, 0, "pc2 has no route back");
}

#[tokio::test]
async fn a_router_without_a_route_says_so_and_the_ping_reports_who() {
    let lab = two_lans();
    let facts = icmp::ping(&lab.at("pc1"), addr("10.7.7.7"), fresh::echo_id(), QUICK).await.unwrap();
    assert_eq!(facts.received, 0);
    let (from, what) = facts.error_from.expect("r1 answers network unreachable");
    assert_eq!(from, addr("10.1.1.1"));
    assert!(what.contains("unreachable"), "{what}");
}

#[tokio::test]
async fn traceroute_names_every_router_on_the_way() {
    let lab = two_lans();
    let trace = icmp::traceroute(
        &lab.at("pc1"),
        addr("10.1.2.10"),
        8,
        Duration::from_secs(1),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert!(trace.reached, "{trace:?}");
    assert_eq!(trace.hops, vec![Some(addr("10.1.1.1")), Some(addr("10.1.2.10"))]);
}

#[tokio::test]
async fn a_tcp_connect_tells_open_refused_and_dropped_apart() {
    let lab = two_lans();
    let _listening = lab.net("pc2").listen(Transport::Tcp, 8080).await.unwrap();
    let to = |port| SocketAddr::new(addr("10.1.2.10"), port);
    let open = transport::connect(&lab.at("pc1"), to(8080), Duration::from_secs(1)).await.unwrap();
    assert!(open.is_ok());
    let refused = transport::connect(&lab.at("pc1"), to(8081), Duration::from_secs(1)).await.unwrap();
    assert_eq!(refused.err(), Some(PortFact::Refused));
    lab.sh("r1", "nft add table inet t && nft add chain inet t f '{ type filter hook forward priority 0; }' && nft add rule inet t f tcp dport 8080 drop");
    let dropped = transport::connect(&lab.at("pc1"), to(8080), Duration::from_millis(500)).await.unwrap();
    assert_eq!(dropped.err(), Some(PortFact::Silent));
}

#[tokio::test]
async fn asbuilt_listens_where_a_check_needs_an_answer_and_steps_aside_for_the_nodes_own_service() {
    let lab = two_lans();
    let probes = Probes::new(&lab);
    let first = probes.listen("pc2", Transport::Tcp, 9000).await.unwrap();
    let second = probes.listen("pc2", Transport::Tcp, 9000).await.unwrap();
    match (&first, &second) {
        (Listening::Asbuilt(a), Listening::Asbuilt(b)) => {
            assert!(std::sync::Arc::ptr_eq(a, b), "checks at the same time share one listener")
        }
        _ => panic!("asbuilt listens on a free port"),
    }
    let _service = deploy::web_server(&lab, "pc2", 80, "page".into()).await;
    let taken = probes.listen("pc2", Transport::Tcp, 80).await.unwrap();
    assert!(matches!(taken, Listening::Taken), "the node's own web server has port 80");
    let Listening::Asbuilt(listener) = first else { unreachable!() };
    let _ = lab
        .net("pc1")
        .connect_fresh(SocketAddr::new(addr("10.1.2.10"), 9000), Duration::from_secs(1))
        .await
        .unwrap();
    let peer = listener.first_peer(Duration::from_secs(1)).await;
    assert_eq!(peer.map(|p| p.ip()), Some(addr("10.1.1.10")), "the listener saw pc1's own address");
}

#[tokio::test]
async fn udp_gets_an_answer_from_a_listener_and_a_refusal_from_a_closed_port() {
    let lab = two_lans();
    let _echo = lab.net("pc2").listen(Transport::Udp, 5000).await.unwrap();
    let to = |port| SocketAddr::new(addr("10.1.2.10"), port);
    let (fact, reply) =
        transport::exchange(&lab.at("pc1"), to(5000), b"hi".to_vec(), Duration::from_secs(1)).await.unwrap();
    assert_eq!((fact, reply), (PortFact::Open, b"hi".to_vec()));
    let (closed, _) =
        transport::exchange(&lab.at("pc1"), to(5001), b"hi".to_vec(), Duration::from_secs(1)).await.unwrap();
    assert_eq!(closed, PortFact::Refused);
}

#[tokio::test]
async fn web_dns_and_ssh_probes_read_what_the_servers_answer() {
    let lab = two_lans();
    let _web = deploy::web_server(&lab, "pc2", 80, "<p>Welkom bij Jansen BV</p>".into()).await;
    let _dns = deploy::dns_server(&lab, "pc2", vec![("www.jansen.local".into(), addr("10.1.2.10"))]).await;
    let _ssh = deploy::banner_server(&lab, "pc2", 22).await;
    let probes = Probes::new(&lab);
    let timeout = Duration::from_secs(2);
    let http = ProbeSpec::Http {
        from: "pc1".into(),
        url: "http://10.1.2.10/".into(),
        method: "GET".into(),
        status: 200,
        contains: None,
        matches: None,
    };
    let got = probes.gather(&http, timeout).await.unwrap();
    let Observation::Http(Ok(page)) = got.observation else { panic!("{got:?}") };
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Welkom"));
    assert_eq!(got.evidence[0].influence, Influence::Asbuilt);

    let dns = ProbeSpec::Dns {
        from: "pc1".into(),
        name: "www.jansen.local".into(),
        server: Some(addr("10.1.2.10")),
        expect: None,
        record: Default::default(),
    };
    let Observation::Dns(Ok(answer)) = probes.gather(&dns, timeout).await.unwrap().observation else {
        panic!()
    };
    assert_eq!((answer.rcode, answer.answers), (0, vec![addr("10.1.2.10")]));

    // A name in a URL is looked up with the node's own resolver.
    lab.resolv_conf("pc1", "nameserver 10.1.2.10\n");
    let by_name = ProbeSpec::Http {
        from: "pc1".into(),
        url: "http://www.jansen.local/".into(),
        method: "GET".into(),
        status: 200,
        contains: None,
        matches: None,
    };
    let got = probes.gather(&by_name, timeout).await.unwrap();
    assert!(matches!(got.observation, Observation::Http(Ok(ref p)) if p.status == 200), "{got:?}");
    assert_eq!(got.evidence[0].influence, Influence::NodeTools, "resolv.conf is the node's");

    let ssh = ProbeSpec::Ssh { node: "pc1".into(), address: addr("10.1.2.10"), port: 22 };
    let Observation::Ssh(greeting) = probes.gather(&ssh, timeout).await.unwrap().observation else {
        panic!()
    };
    assert_eq!(greeting.unwrap(), "SSH-2.0-asbuilt-test");
}

#[tokio::test]
async fn a_dhcp_discover_gets_the_offer_of_a_server_on_the_lan() {
    let mut lab = NetnsLab::new();
    lab.add_node("srv");
    lab.add_node("pc1");
    lab.segment(&[("srv", "eth1"), ("pc1", "eth1")]);
    lab.sh("srv", "ip address add 192.168.50.2/24 dev eth1");
    let offer = DhcpOffer {
        address: "192.168.50.100".parse().unwrap(),
        server: Some("192.168.50.2".parse().unwrap()),
        gateway: Some("192.168.50.1".parse().unwrap()),
        dns: vec!["192.168.50.2".parse().unwrap()],
        netmask: Some("255.255.255.0".parse().unwrap()),
    };
    let _server = deploy::dhcp_server(&lab, "srv", "eth1", offer.clone()).await;
    // pc1 has no address at all yet, as a new client.
    let got = dhcp::discover(&lab.at("pc1"), "eth1", Duration::from_secs(2)).await.unwrap();
    assert_eq!(got, Some(offer));
    lab.sh("srv", "ip link set eth1 down");
    assert_eq!(dhcp::discover(&lab.at("pc1"), "eth1", Duration::from_millis(500)).await.unwrap(), None);
}

#[tokio::test]
async fn a_port_that_is_not_on_a_bridge_reads_as_such() {
    // (The VLANs of a filtering bridge's port: tests/kernel_features.rs, where the
    // kernel has VLAN filtering.)
    let mut lab = NetnsLab::new();
    lab.add_node("sw1");
    lab.add_node("pc1");
    lab.segment(&[("sw1", "eth1"), ("pc1", "eth1")]);
    lab.sh("sw1", "ip link add br0 type bridge && ip link set eth1 master br0");
    let (not_a_port, raw) = netns::run_in(&lab.at("pc1"), || netlink::bridge_vlans("eth1")).await.unwrap();
    assert!(not_a_port.is_none() && raw.contains("not a bridge port"), "{raw}");
}

#[tokio::test]
async fn a_port_check_with_a_listener_depends_only_on_the_path() {
    let lab = two_lans();
    let probes = Probes::new(&lab);
    let port = ProbeSpec::Port {
        from: "pc1".into(),
        to: Target { label: "pc2".into(), address: addr("10.1.2.10") },
        protocol: Transport::Tcp,
        port: 443,
        open: true,
        listen: Some(ListenAt { node: "pc2".into(), port: 443 }),
        stopped: None,
    };
    let got = probes.gather(&port, Duration::from_secs(1)).await.unwrap();
    assert_eq!(got.observation, Observation::Port(PortFact::Open));
    assert!(got.evidence[0].method.contains("asbuilt listened on pc2:443"), "{:?}", got.evidence);
}

#[tokio::test]
async fn without_namespaces_the_nodes_own_tools_give_the_same_observations() {
    let lab = two_lans();
    let _web = deploy::web_server(&lab, "pc2", 80, "hallo".into()).await;
    let own = Probes::new(&lab);
    let exec_only = ExecOnly(&lab);
    let tools = Probes::new(&exec_only);
    let timeout = Duration::from_secs(3);
    let address = ProbeSpec::Address {
        node: "r1".into(),
        interface: "eth1".into(),
        expect: asbuilt::checks::model::AddressExpect::Exact { addresses: vec![] },
    };
    let route = ProbeSpec::Gateway { node: "pc1".into(), via: addr("10.1.1.1") };
    let target = Target { label: "pc2".into(), address: addr("10.1.2.10") };
    let ping = ProbeSpec::Ping { from: "pc1".into(), to: target.clone(), reach: true, stopped: None };
    let tcp = ProbeSpec::Port {
        from: "pc1".into(),
        to: target,
        protocol: Transport::Tcp,
        port: 80,
        open: true,
        listen: None,
        stopped: None,
    };
    let web = ProbeSpec::Http {
        from: "pc1".into(),
        url: "http://10.1.2.10/".into(),
        method: "GET".into(),
        status: 200,
        contains: None,
        matches: None,
    };
    for probe in [address, route, tcp, web] {
        let a = own.gather(&probe, timeout).await.unwrap();
        let b = tools.gather(&probe, timeout).await.unwrap();
        assert_eq!(a.evidence[0].influence, Influence::Asbuilt);
        assert_eq!(b.evidence[0].influence, Influence::NodeTools, "{:?}", b.evidence);
        match (&a.observation, &b.observation) {
            (Observation::Routes(x), Observation::Routes(y)) => {
                let defaults = |r: &Vec<asbuilt::checks::observation::RouteFact>| {
                    r.iter().filter(|f| f.to.prefix_len() == 0).map(|f| f.via.clone()).collect::<Vec<_>>()
                };
                assert_eq!(defaults(x), defaults(y));
            }
            (x, y) => assert_eq!(x, y, "{probe:?}"),
        }
    }
    let Observation::Pings(p) = tools.gather(&ping, timeout).await.unwrap().observation else { panic!() };
    assert!(p.received > 0);
    let needs = tools
        .gather(
            &ProbeSpec::Dhcp {
                server: "r1".into(),
                client: Endpoint { node: "pc1".into(), interface: "eth1".into() },
                range: asbuilt::checks::model::DhcpRange {
                    subnet: "10.1.1.0/24".parse().unwrap(),
                    first: "10.1.1.100".parse().unwrap(),
                    last: "10.1.1.200".parse().unwrap(),
                    gateway: None,
                    dns: vec![],
                },
            },
            timeout,
        )
        .await;
    assert!(needs.unwrap_err().to_string().contains("needs the network namespace"));
}

#[tokio::test]
async fn an_injected_packet_reaches_the_target_unless_the_firewall_drops_it() {
    let lab = two_lans();
    // pc1 has no route of its own: injection does not need one.
    lab.sh("pc1", "ip route del default");
    let from = Endpoint { node: "pc1".into(), interface: "eth1".into() };
    let firewall = Endpoint { node: "r1".into(), interface: "eth1".into() };
    let (from_net, firewall_net, target_net) = (lab.net("pc1"), lab.net("r1"), lab.net("pc2"));
    let injection = inject::Injection {
        from: &from,
        from_net: &from_net,
        firewall: &firewall,
        firewall_net: &firewall_net,
        target_net: &target_net,
        source: "10.1.1.10".parse().unwrap(),
        destination: "10.1.2.10".parse().unwrap(),
        port: 33434,
    };
    let (seen, raw) = inject::inject(&injection, Duration::from_secs(1)).await.unwrap();
    assert!(seen.arrived && seen.reached_firewall, "{raw}");
    lab.sh("r1", "nft add table inet t && nft add chain inet t f '{ type filter hook forward priority 0; policy drop; }'");
    let (seen, raw) = inject::inject(&injection, Duration::from_millis(600)).await.unwrap();
    assert!(!seen.arrived, "{raw}");
    assert!(seen.reached_firewall, "the firewall saw it, and dropped it: {raw}");
}
