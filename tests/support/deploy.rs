//! Builds a design in a [`NetnsLab`], the way the engine will in containers, with the
//! host's own tools: `ip` for addresses, gateways and routes (what FRR would put into
//! the kernel), the planner's nftables rule set for firewalls, and small test servers
//! in the nodes for the services (no nginx or dnsmasq on the test machine). OSPF needs
//! FRR and cannot be built here.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use asbuilt::checks::observation::DhcpOffer;
use asbuilt::checks::probe::{dhcp, dns, netns};
use asbuilt::checks::sim::World;
use asbuilt::design::{Design, Endpoint, ServiceName};
use asbuilt::kind::NodeKind;
use asbuilt::plan::{InstanceId, plan};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

use super::netns_lab::NetnsLab;

/// A design running in namespaces, with its test servers.
pub struct Deployed {
    /// Shared, so a grading run can own its access to the lab.
    pub lab: std::sync::Arc<NetnsLab>,
    servers: Vec<JoinHandle<()>>,
}

impl Drop for Deployed {
    fn drop(&mut self) {
        for s in &self.servers {
            s.abort();
        }
    }
}

/// What to break besides the configuration.
#[derive(Debug, Default, Clone)]
pub struct Breakage {
    /// Interfaces shut down inside their node.
    pub shut: Vec<Endpoint>,
    /// Services not started.
    pub stopped: Vec<(String, ServiceName)>,
}

/// Builds `design` exactly.
pub async fn deploy(design: &Design) -> Deployed {
    deploy_broken(design, &Breakage::default()).await
}

/// Builds `design` with some things broken. Everything in `design` is built: leave a
/// student's part out of the design to leave it blank.
pub async fn deploy_broken(design: &Design, breakage: &Breakage) -> Deployed {
    let design = &design.clone().prebuilt();
    let mut lab = NetnsLab::new();
    for node in design.nodes.keys() {
        lab.add_node(node);
    }
    for segment in &design.segments {
        let members: Vec<(&str, &str)> =
            segment.members.iter().map(|m| (m.node.as_str(), m.interface.as_str())).collect();
        lab.segment(&members);
    }
    let world = World::of(design);
    let planned = plan(design, InstanceId::for_lab(&design.lab, None));
    let mut servers = Vec::new();
    for node in design.nodes.values() {
        let mut script = vec!["sysctl -qw net.ipv4.conf.all.rp_filter=0".to_string()];
        if node.kind.routes() {
            script.push("sysctl -qw net.ipv4.ip_forward=1".into());
        }
        if node.kind == NodeKind::Switch {
            script.push("ip link add br0 type bridge && ip link set br0 up".into());
            for port in node.interfaces.values().filter(|i| i.segment.is_some()) {
                script.push(format!("ip link set {} master br0", port.name));
            }
        }
        for iface in node.interfaces.values() {
            if let Some(tag) = &iface.vlan {
                script.push(format!(
                    "ip link add link {} name {} type vlan id {} && ip link set {} up",
                    tag.parent, iface.name, tag.id, iface.name
                ));
            }
            for addr in &iface.addresses {
                script.push(format!("ip address add {addr} dev {}", iface.name));
            }
            // What a DHCP client would end up with once the server answers.
            let ep = Endpoint { node: node.name.clone(), interface: iface.name.clone() };
            if let Some(lease) = world.leases.get(&ep) {
                script.push(format!("ip address add {} dev {}", lease.address, iface.name));
                if let Some(gw) = lease.gateway {
                    script.push(format!("ip route replace default via {gw} || true"));
                }
                let servers: String = lease.dns.iter().map(|d| format!("nameserver {d}\n")).collect();
                lab.resolv_conf(&node.name, &servers);
            }
        }
        // The kernel refuses a next hop that is not on a connected subnet; so would FRR.
        // A host's gateway that a fault left off its subnet is set "on link", as the
        // engine's planner does.
        let first = node.interfaces.values().find(|i| i.segment.is_some()).map(|i| i.name.clone());
        for gw in &node.gateways {
            let on_link = node.addresses().any(|(i, a)| i.name != "lo" && a.contains(gw));
            match (&first, on_link, matches!(node.kind, NodeKind::Host | NodeKind::Server)) {
                (Some(iface), false, true) => {
                    script.push(format!("ip route replace default via {gw} dev {iface} onlink || true"))
                }
                _ => script.push(format!("ip route replace default via {gw} || true")),
            }
        }
        for route in &node.routes {
            script.push(format!("ip route replace {} via {} || true", route.to, route.via));
        }
        lab.sh(&node.name, &script.join(" && "));
        let files = &planned.node(&node.name).expect("every node is planned").files;
        if let Some(nft) = files.iter().find(|f| f.path == "/etc/nftables.conf") {
            let path = std::env::temp_dir().join(format!("{}.nft", lab.ns(&node.name)));
            std::fs::write(&path, &nft.content).expect("write the rule set");
            lab.sh(&node.name, &format!("nft -f {}", path.display()));
            let _ = std::fs::remove_file(path);
        }
        let running = |service| !breakage.stopped.iter().any(|(n, s)| *n == node.name && *s == service);
        if let Some(http) = node.services.http.as_ref().filter(|_| running(ServiceName::Http)) {
            let page = files.iter().find(|f| f.path == "/var/www/html/index.html").map(|f| f.content.clone());
            servers.push(web_server(&lab, &node.name, http.port, page.unwrap_or_default()).await);
        }
        if let Some(zone) = node.services.dns.as_ref().filter(|_| running(ServiceName::Dns)) {
            let records: Vec<(String, IpAddr)> =
                zone.records.iter().map(|r| (r.name.clone(), r.address)).collect();
            servers.push(dns_server(&lab, &node.name, records).await);
        }
        if let Some(d) = node.services.dhcp.as_ref().filter(|_| running(ServiceName::Dhcp)) {
            let server_id = node.interfaces[&d.interface].addresses.iter().find_map(|a| match a.addr() {
                IpAddr::V4(v4) => Some(v4),
                IpAddr::V6(_) => None,
            });
            let offer = DhcpOffer {
                address: d.first,
                server: server_id,
                gateway: d.gateway,
                dns: d
                    .dns
                    .iter()
                    .filter_map(|a| if let IpAddr::V4(v4) = a { Some(*v4) } else { None })
                    .collect(),
                netmask: Some(match d.subnet {
                    ipnet::IpNet::V4(n) => n.netmask(),
                    ipnet::IpNet::V6(_) => Ipv4Addr::UNSPECIFIED,
                }),
            };
            servers.push(dhcp_server(&lab, &node.name, &d.interface, offer).await);
        }
        if let Some(ssh) = node.services.ssh.as_ref().filter(|_| running(ServiceName::Ssh)) {
            servers.push(banner_server(&lab, &node.name, ssh.port).await);
        }
    }
    for ep in &breakage.shut {
        lab.sh(&ep.node, &format!("ip link set {} down", ep.interface));
    }
    Deployed { lab: std::sync::Arc::new(lab), servers }
}

async fn socket_in(
    lab: &NetnsLab,
    node: &str,
    make: impl FnOnce() -> std::io::Result<Socket> + Send + 'static,
) -> Socket {
    netns::run_in(&lab.at(node), make).await.expect("a test server socket in the node")
}

fn tcp_listener(port: u16) -> std::io::Result<Socket> {
    let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    s.set_reuse_address(true)?;
    s.bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)).into())?;
    s.listen(16)?;
    s.set_nonblocking(true)?;
    Ok(s)
}

/// Answers every GET with the page, as nginx serves index.html.
pub async fn web_server(lab: &NetnsLab, node: &str, port: u16, page: String) -> JoinHandle<()> {
    let socket = socket_in(lab, node, move || tcp_listener(port)).await;
    let listener = tokio::net::TcpListener::from_std(socket.into()).expect("tokio takes the listener");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let page = page.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    })
}

/// Answers A queries from the records; anything else is "no such name".
pub async fn dns_server(lab: &NetnsLab, node: &str, records: Vec<(String, IpAddr)>) -> JoinHandle<()> {
    let socket = socket_in(lab, node, || {
        let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
        s.bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 53)).into())?;
        s.set_nonblocking(true)?;
        Ok(s)
    })
    .await;
    let udp = tokio::net::UdpSocket::from_std(socket.into()).expect("tokio takes the socket");
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
            let query = &buf[..n];
            let name = question_name(query);
            let addresses: Vec<IpAddr> =
                records.iter().filter(|(r, _)| r.eq_ignore_ascii_case(&name)).map(|(_, a)| *a).collect();
            let _ = udp.send_to(&dns::answer(query, &addresses), peer).await;
        }
    })
}

fn question_name(query: &[u8]) -> String {
    let mut labels = Vec::new();
    let mut at = 12;
    while let Some(&len) = query.get(at) {
        if len == 0 {
            break;
        }
        let label = query.get(at + 1..at + 1 + usize::from(len)).unwrap_or(&[]);
        labels.push(String::from_utf8_lossy(label).into_owned());
        at += 1 + usize::from(len);
    }
    labels.join(".")
}

/// Offers the same address to every DISCOVER on one interface.
pub async fn dhcp_server(lab: &NetnsLab, node: &str, interface: &str, offer: DhcpOffer) -> JoinHandle<()> {
    let device = interface.to_string();
    let socket = socket_in(lab, node, move || {
        let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
        s.set_broadcast(true)?;
        s.set_reuse_address(true)?;
        s.bind_device(Some(device.as_bytes()))?;
        s.bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 67)).into())?;
        s.set_nonblocking(true)?;
        Ok(s)
    })
    .await;
    let udp = tokio::net::UdpSocket::from_std(socket.into()).expect("tokio takes the socket");
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, _)) = udp.recv_from(&mut buf).await {
            if let Some(reply) = dhcp::offer_packet(&buf[..n], &offer) {
                let _ = udp.send_to(&reply, SocketAddrV4::new(Ipv4Addr::BROADCAST, 68)).await;
            }
        }
    })
}

/// Greets like an SSH server and waits.
pub async fn banner_server(lab: &NetnsLab, node: &str, port: u16) -> JoinHandle<()> {
    let socket = socket_in(lab, node, move || tcp_listener(port)).await;
    let listener = tokio::net::TcpListener::from_std(socket.into()).expect("tokio takes the listener");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(b"SSH-2.0-asbuilt-test\r\n").await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}
