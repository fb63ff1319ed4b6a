//! asbuilt's probe agent: the probes that work from outside a node (netlink, asbuilt's
//! own packets, listeners, captures, injection, DHCP, https) done by `asbuilt probe-agent`
//! running inside each node, for an access that gives asbuilt no namespace to enter,
//! as Kubernetes does. The agent is the real binary, started in the node's network
//! namespace; the test process itself never enters one for these probes.

mod support;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::time::Duration;

use asbuilt::checks::access::LabAccess;
use asbuilt::checks::model::{AddressExpect, DhcpRange, Enforcement, Influence, ListenAt, ProbeSpec, Target};
use asbuilt::checks::observation::{DhcpOffer, Observation, PortFact};
use asbuilt::checks::probe::Probes;
use asbuilt::checks::probe::agent::Session;
use asbuilt::checks::probe::net::Net;
use asbuilt::checks::probe::watch::{FlowKey, KeyKind, Sought};
use asbuilt::design::{Endpoint, Transport};
use support::deploy;
use support::netns_lab::{AgentOnly, ExecOnly, NetnsLab};

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn target(label: &str, address: &str) -> Target {
    Target { label: label.into(), address: addr(address) }
}

/// pc1 and srv on one LAN, r1 routing to pc2's LAN. r1 masquerades towards pc2 and
/// drops tcp/8443 and udp/6000 on their way; pc2 runs a web, DNS and SSH server, srv a
/// DHCP server.
async fn lab() -> (NetnsLab, Vec<tokio::task::JoinHandle<()>>) {
    let mut lab = NetnsLab::new();
    for node in ["pc1", "srv", "r1", "pc2"] {
        lab.add_node(node);
    }
    lab.segment(&[("pc1", "eth1"), ("srv", "eth1"), ("r1", "eth1")]);
    lab.segment(&[("r1", "eth2"), ("pc2", "eth1")]);
    lab.sh("r1", "sysctl -qw net.ipv4.ip_forward=1 && ip address add 10.1.1.1/24 dev eth1 && ip address add 10.1.2.1/24 dev eth2");
    lab.sh("pc1", "ip address add 10.1.1.10/24 dev eth1 && ip route add default via 10.1.1.1");
    lab.sh("srv", "ip address add 10.1.1.2/24 dev eth1");
    lab.sh("pc2", "ip address add 10.1.2.10/24 dev eth1 && ip route add default via 10.1.2.1");
    lab.sh(
        "r1",
        "nft add table ip t \
         && nft add chain ip t f '{ type filter hook forward priority 0; }' \
         && nft add rule ip t f tcp dport 8443 drop \
         && nft add rule ip t f udp dport 6000 drop \
         && nft add chain ip t post '{ type nat hook postrouting priority 100; }' \
         && nft add rule ip t post oifname eth2 masquerade",
    );
    let servers = vec![
        deploy::web_server(&lab, "pc2", 80, "<p>Welkom bij Jansen BV</p>".into()).await,
        deploy::dns_server(&lab, "pc2", vec![("www.jansen.local".into(), addr("10.1.2.10"))]).await,
        deploy::banner_server(&lab, "pc2", 22).await,
        deploy::dhcp_server(&lab, "srv", "eth1", offer()).await,
    ];
    (lab, servers)
}

fn offer() -> DhcpOffer {
    DhcpOffer {
        address: "10.1.1.100".parse().unwrap(),
        server: Some("10.1.1.2".parse().unwrap()),
        gateway: Some("10.1.1.1".parse().unwrap()),
        dns: vec!["10.1.2.10".parse().unwrap()],
        netmask: Some("255.255.255.0".parse().unwrap()),
    }
}

/// pc1 asks for a DHCP offer on its LAN, which srv serves.
fn dhcp_from_pc1() -> ProbeSpec {
    ProbeSpec::Dhcp {
        server: "srv".into(),
        client: Endpoint { node: "pc1".into(), interface: "eth1".into() },
        range: DhcpRange {
            subnet: "10.1.1.0/24".parse().unwrap(),
            first: "10.1.1.100".parse().unwrap(),
            last: "10.1.1.200".parse().unwrap(),
            gateway: None,
            dns: vec![],
        },
    }
}

/// One probe of every kind that works from outside the node.
fn probes_from_outside() -> Vec<ProbeSpec> {
    let pc2 = || target("pc2", "10.1.2.10");
    let at_r1 = || Some(Enforcement { at: "r1".into(), target: Some("pc2".into()) });
    let ep = |node: &str, interface: &str| Endpoint { node: node.into(), interface: interface.into() };
    vec![
        ProbeSpec::Address {
            node: "r1".into(),
            interface: "eth2".into(),
            expect: AddressExpect::Exact { addresses: vec!["10.1.2.1/24".parse().unwrap()] },
        },
        ProbeSpec::Gateway { node: "pc1".into(), via: addr("10.1.1.1") },
        ProbeSpec::Link { from: ep("pc1", "eth1"), to: ep("r1", "eth1"), address: addr("10.1.1.1") },
        ProbeSpec::Ping { from: "pc1".into(), to: pc2(), reach: true, stopped: None },
        ProbeSpec::Traceroute { from: "pc1".into(), to: pc2(), via: vec!["r1".into()] },
        ProbeSpec::Port {
            from: "pc1".into(),
            to: pc2(),
            protocol: Transport::Tcp,
            port: 80,
            open: true,
            listen: None,
            stopped: None,
        },
        ProbeSpec::Port {
            from: "pc1".into(),
            to: pc2(),
            protocol: Transport::Udp,
            port: 5000,
            open: true,
            listen: Some(ListenAt { node: "pc2".into(), port: 5000 }),
            stopped: None,
        },
        // Blocked at r1, watched for in r1 and in pc2, with asbuilt listening in pc2.
        ProbeSpec::Port {
            from: "pc1".into(),
            to: pc2(),
            protocol: Transport::Tcp,
            port: 8443,
            open: false,
            listen: Some(ListenAt { node: "pc2".into(), port: 8443 }),
            stopped: at_r1(),
        },
        ProbeSpec::Port {
            from: "pc1".into(),
            to: pc2(),
            protocol: Transport::Udp,
            port: 6000,
            open: false,
            listen: Some(ListenAt { node: "pc2".into(), port: 6000 }),
            stopped: at_r1(),
        },
        // Not blocked: the control that a negative check sees traffic arrive.
        ProbeSpec::Ping { from: "pc1".into(), to: pc2(), reach: false, stopped: at_r1() },
        ProbeSpec::Nat {
            from: "pc1".into(),
            to: pc2(),
            target: "pc2".into(),
            port: 9000,
            source: addr("10.1.2.1"),
        },
        ProbeSpec::Inject {
            from: ep("pc1", "eth1"),
            firewall: ep("r1", "eth1"),
            source: addr("203.0.113.5"),
            to: pc2(),
            target: "pc2".into(),
            port: 33434,
        },
        ProbeSpec::Http {
            from: "pc1".into(),
            url: "http://10.1.2.10/".into(),
            method: "GET".into(),
            status: 200,
            contains: None,
            matches: None,
        },
        ProbeSpec::Dns {
            from: "pc1".into(),
            name: "www.jansen.local".into(),
            server: Some(addr("10.1.2.10")),
            expect: None,
            record: Default::default(),
        },
        ProbeSpec::Ssh { node: "pc1".into(), address: addr("10.1.2.10"), port: 22 },
        dhcp_from_pc1(),
    ]
}

/// An observation without what differs from one run to the next (round trips).
fn comparable(o: &Observation) -> Observation {
    match o {
        Observation::Pings(p) => {
            let mut p = p.clone();
            p.rtt_ms.clear();
            Observation::Pings(p)
        }
        Observation::Stopped { reply, arrived, reached, deliverable } => Observation::Stopped {
            reply: Box::new(comparable(reply)),
            arrived: *arrived,
            reached: *reached,
            deliverable: *deliverable,
        },
        other => other.clone(),
    }
}

#[tokio::test]
async fn every_probe_from_outside_sees_through_the_agent_what_it_sees_from_the_host() {
    let (lab, _servers) = lab().await;
    let agent_only = AgentOnly::new(&lab);
    assert_eq!(agent_only.netns("pc1"), None, "this access gives asbuilt no namespace to enter");
    let from_host = Probes::new(&lab);
    let through_agents = Probes::new(&agent_only);
    let timeout = Duration::from_secs(2);
    for probe in probes_from_outside() {
        let here = from_host.gather(&probe, timeout).await.unwrap_or_else(|e| panic!("{probe:?}: {e}"));
        let there = through_agents.gather(&probe, timeout).await.unwrap_or_else(|e| panic!("{probe:?}: {e}"));
        assert_eq!(comparable(&here.observation), comparable(&there.observation), "{probe:?}");
        assert_eq!(there.evidence[0].influence, Influence::Asbuilt, "{probe:?}: {:?}", there.evidence);
    }
    // One agent per node, shared by every probe there: pc1, r1, pc2 and srv.
    assert_eq!(agent_only.started.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn the_agents_verdicts_are_the_real_ones_not_a_default() {
    let (lab, _servers) = lab().await;
    let agent_only = AgentOnly::new(&lab);
    let probes = Probes::new(&agent_only);
    let timeout = Duration::from_secs(2);
    let pc2 = target("pc2", "10.1.2.10");
    let port = |port: u16, protocol: Transport, open: bool| ProbeSpec::Port {
        from: "pc1".into(),
        to: pc2.clone(),
        protocol,
        port,
        open,
        listen: Some(ListenAt { node: "pc2".into(), port }),
        stopped: (!open).then(|| Enforcement { at: "r1".into(), target: Some("pc2".into()) }),
    };
    // Dropped by r1: seen in r1, never in pc2, and r1 itself reaches pc2.
    let blocked = probes.gather(&port(8443, Transport::Tcp, false), timeout).await.unwrap();
    let Observation::Stopped { reply, arrived, reached, deliverable } = blocked.observation else {
        panic!("{blocked:?}")
    };
    assert_eq!(
        (*reply, arrived, reached, deliverable),
        (Observation::Port(PortFact::Silent), Some(false), Some(true), Some(true))
    );
    // Control: a port r1 lets through arrives, and asbuilt's listener answers it.
    let passes = probes.gather(&port(8444, Transport::Tcp, false), timeout).await.unwrap();
    let Observation::Stopped { reply, arrived, .. } = passes.observation else { panic!("{passes:?}") };
    assert_eq!((*reply, arrived), (Observation::Port(PortFact::Open), Some(true)));
    // NAT: pc2 saw the connection come from r1's address, not pc1's.
    let nat = ProbeSpec::Nat {
        from: "pc1".into(),
        to: pc2.clone(),
        target: "pc2".into(),
        port: 9000,
        source: addr("10.1.2.1"),
    };
    let got = probes.gather(&nat, timeout).await.unwrap();
    assert_eq!(
        got.observation,
        Observation::Nat { connected: true, seen_source: Some(addr("10.1.2.1")), failure: None }
    );
    // DHCP: the server's real offer.
    let dhcp = dhcp_from_pc1();
    assert_eq!(probes.gather(&dhcp, timeout).await.unwrap().observation, Observation::Dhcp(Some(offer())));
    // Without the agent (and without namespaces) these probes cannot be done at all:
    // what the agent did above is its own work.
    let exec_only = ExecOnly(&lab);
    let tools = Probes::new(&exec_only);
    for probe in [port(8443, Transport::Tcp, false), nat, dhcp] {
        let err = tools.gather(&probe, timeout).await.expect_err("no way in");
        assert!(err.to_string().contains("needs the network namespace"), "{err}");
    }
}

#[tokio::test]
async fn an_agent_holds_sockets_and_captures_between_requests_and_lets_go_of_them() {
    let (lab, _servers) = lab().await;
    let pc1 = Net::Agent(Session::start("pc1", lab.agent_channel("pc1")));
    let pc2 = Net::Agent(Session::start("pc2", lab.agent_channel("pc2")));
    let to = SocketAddr::new(addr("10.1.2.10"), 7000);
    // A socket bound first, so its port is known before the capture starts.
    let bound = pc1.bind_fresh(Transport::Udp, to).await.unwrap();
    let port = bound.port();
    // pc2 sees the masqueraded packet: from r1, but to the same port.
    let sought =
        Sought::Flow(FlowKey { dst: to.ip(), kind: KeyKind::Udp { src_port: port, dst_port: 7000 } });
    let watch = pc2.watch(sought.clone()).await.unwrap();
    assert!(!watch.seen(Duration::from_millis(100)).await, "nothing sent yet");
    let listener = pc2.listen(Transport::Udp, 7000).await.unwrap().expect("port 7000 is free");
    let (fact, reply) = pc1.exchange(bound, to, b"hallo".to_vec(), Duration::from_secs(1)).await.unwrap();
    assert_eq!((fact, reply), (PortFact::Open, b"hallo".to_vec()), "asbuilt's listener in pc2 echoes");
    assert!(watch.seen(Duration::from_millis(500)).await, "the capture in pc2 saw the datagram");
    assert_eq!(listener.first_peer(Duration::from_secs(1)).await.map(|p| p.ip()), Some(addr("10.1.2.1")));
    // Dropping the listener releases the port in the agent: listening again works.
    drop(listener);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!pc2.listening(Transport::Udp, 7000).await.unwrap(), "the agent let go of the port");
    assert!(pc2.listen(Transport::Udp, 7000).await.unwrap().is_some());
    // Releasing a handle the agent does not hold does no harm; the agent goes on.
    let Net::Agent(session) = &pc1 else { unreachable!() };
    session.release(7_777_777);
    let web = SocketAddr::new(addr("10.1.2.10"), 80);
    let bound = pc1.bind_fresh(Transport::Tcp, web).await.unwrap();
    assert!(pc1.connect(bound, web, Duration::from_secs(1)).await.unwrap().is_ok());
}

#[tokio::test]
async fn a_broken_or_ended_agent_is_an_error_never_a_verdict() {
    let lab = {
        let mut lab = NetnsLab::new();
        lab.add_node("pc1");
        lab
    };
    // An agent that answers nonsense: `cat` echoes the request back.
    let mut child = tokio::process::Command::new("ip")
        .args(["netns", "exec", &lab.ns("pc1"), "cat"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let channel = asbuilt::checks::access::AgentChannel {
        requests: Box::pin(child.stdin.take().unwrap()),
        answers: Box::pin(child.stdout.take().unwrap()),
        keep: Box::new(child),
    };
    let broken = Net::Agent(Session::start("pc1", channel));
    let err = broken.routes().await.expect_err("a request is no answer");
    assert!(err.to_string().contains("probe agent in pc1"), "{err}");
    // An agent that has ended: every later request fails at once.
    let err = broken.routes().await.expect_err("the agent is gone");
    assert!(err.to_string().contains("no longer running"), "{err}");
    // Control: the real agent in the same node answers the same request.
    let real = Net::Agent(Session::start("pc1", lab.agent_channel("pc1")));
    let (routes, _) = real.routes().await.unwrap();
    assert!(routes.is_empty(), "pc1 has no address, so no route: {routes:?}");
    let (lo, _) = real.interface("lo").await.unwrap();
    assert!(lo.is_some_and(|l| l.up));
}

#[tokio::test]
async fn https_through_the_agent_reads_the_certificate_the_host_reads() {
    let (lab, _servers) = lab().await;
    // A TLS server in pc2 with a self-made certificate for www.jansen.nl alone, as a
    // lab's nginx has; it ends by itself when the test is long over.
    let dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("openssl")
        .current_dir(dir.path())
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
        .args(["-days", "2", "-subj", "/CN=www.jansen.nl", "-addext", "subjectAltName=DNS:www.jansen.nl"])
        .args(["-keyout", "key.pem", "-out", "cert.pem"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    lab.sh(
        "pc2",
        &format!(
            "cd {} && setsid timeout 120 openssl s_server -quiet -accept 8444 -key key.pem -cert cert.pem -www \
             </dev/null >/dev/null 2>&1 &",
            dir.path().display()
        ),
    );
    let server = lab.net("pc2");
    for _ in 0..50 {
        if server.listening(Transport::Tcp, 8444).await.unwrap() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let to = SocketAddr::new(addr("10.1.2.10"), 8444);
    let from_host = lab.net("pc1");
    let through_agent = Net::Agent(Session::start("pc1", lab.agent_channel("pc1")));
    let mut seen = Vec::new();
    for net in [&from_host, &through_agent] {
        let facts =
            net.https(to, "www.jansen.nl", "/", Duration::from_secs(5)).await.unwrap().unwrap().unwrap();
        assert_eq!(facts.page.status, 200, "{facts:?}");
        let certificate = facts.certificate.expect("a certificate was presented");
        assert_eq!(certificate.names, ["www.jansen.nl"]);
        assert!(certificate.for_name && certificate.current, "{certificate:?}");
        seen.push(certificate);
        // The same certificate asked for another name: not valid for it.
        let other =
            net.https(to, "shop.jansen.nl", "/", Duration::from_secs(5)).await.unwrap().unwrap().unwrap();
        assert!(!other.certificate.expect("presented").for_name);
    }
    assert_eq!(seen[0], seen[1], "the agent reads what the host reads");
    // Nothing listens on 8445: the port's fact, not a page.
    let closed = through_agent
        .https(SocketAddr::new(addr("10.1.2.10"), 8445), "www.jansen.nl", "/", Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(closed, Err(PortFact::Refused));
    let _ = std::process::Command::new("pkill").args(["-f", "openssl s_server -quiet -accept 8444"]).status();
}
