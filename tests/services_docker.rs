//! Services on every node kind and the checks that read them, on the real Docker engine:
//! a router that serves a web page and SSH logins, a host that is the authority for a
//! DNS zone with records of every type, and the teacher's HTTP, command, DNS and
//! routing-table checks. A lab built as designed scores full marks; each check that asks
//! for something the lab does not have fails, beside its twin that passes.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use asbuilt::checks::derive;
use asbuilt::design::{Design, Lab};
use asbuilt::topology::Source;
use common::Deployed;
use verdicts::{explain, not_passed};

/// The lab; `checks` are appended as the file's `checks:`.
fn lab(checks: &str) -> Design {
    let yaml = format!(
        r#"
lab: t-services
title: Services
trains: [B1-K3-W1]
nodes:
  r1:  {{ kind: router }}
  ns:  {{ kind: host }}
  pc1: {{ kind: host }}
links:
  - r1:eth1 -- ns:eth1
  - r1:eth2 -- pc1:eth1
design:
  addresses:
    r1:eth1: 192.168.10.1/24
    ns:eth1: [192.168.10.53/24, "2001:db8:10::53/64"]
    r1:eth2: 192.168.20.1/24
    pc1:eth1: 192.168.20.10/24
  gateways: {{ ns: r1, pc1: r1 }}
  services:
    r1:
      http: {{ content: "Router r1 van Kantoor BV" }}
      ssh: {{ users: {{ beheer: Welkom01 }} }}
      dns:
        records:
          router.lan: r1:eth2
          gw.lan: cname router.lan
          192.168.20.1: ptr router.lan
    ns:
      dns:
        domain: kantoor.example
        authoritative: true
        records:
          "@": [ns ns1, mx 10 mail, "txt \"v=spf1 mx -all\""]
          ns1: ns
          mail: ns
          www: [ns]
          intranet: cname www
checks:
{checks}
"#
    );
    let lab = Lab::load(&Source::new("services.yml", yaml)).unwrap_or_else(|e| panic!("{e:?}"));
    lab.design_for(None).solution()
}

/// Checks that hold in the lab as designed.
const HOLDING: &str = r#"
  - http: pc1 -> http://192.168.20.1/
    matches: "Router r1 van [A-Z][a-z]+ BV"
  - http: pc1 -> http://192.168.20.1/
    method: HEAD
  - http: pc1 -> http://192.168.20.1/
    method: POST
    status: 405
  - command: r1
    run: cat /proc/sys/net/ipv4/ip_forward
    output: "1"
    exit: 0
  - command: pc1
    run: curl -s http://192.168.20.1/ | grep -c Kantoor
    output: "1"
  - command: pc1
    run: test -e /etc/no-such-file
    exit: 1
  - dns: pc1 -> kantoor.example
    server: ns
    type: MX
    expect: 10 mail.kantoor.example
    authoritative: true
  - dns: pc1 -> intranet.kantoor.example
    server: ns
    type: CNAME
    expect: www.kantoor.example
  - dns: pc1 -> kantoor.example
    server: ns
    type: TXT
    expect: v=spf1 mx -all
  - dns: pc1 -> www.kantoor.example
    server: ns
    type: AAAA
    expect: "2001:db8:10::53"
  - dns: pc1 -> 1.20.168.192.in-addr.arpa
    server: r1
    type: PTR
    expect: router.lan
  - routes: pc1
    only: [default via r1]
  - routes: r1
    only: []
"#;

/// Their twins, each asking for what the lab does not have.
const FAILING: &str = r#"
  - http: pc1 -> http://192.168.20.1/
    matches: "Router r2"
  - http: pc1 -> http://192.168.20.1/
    method: POST
    status: 200
  - command: r1
    run: cat /proc/sys/net/ipv4/ip_forward
    output: "0"
  - command: pc1
    run: test -e /etc/no-such-file
    exit: 0
  - dns: pc1 -> kantoor.example
    server: ns
    type: MX
    expect: 20 mail.kantoor.example
  - dns: pc1 -> lan
    server: r1
    type: SOA
    authoritative: true
  - routes: pc1
    only: ["default via r1", "10.9.0.0/16 via r1"]
  - routes: r1
    only: ["192.168.30.0/24 via 192.168.20.10"]
"#;

#[tokio::test(flavor = "multi_thread")]
async fn services_on_a_router_and_a_host_answer_every_check_of_the_design_and_fail_the_wrong_ones() {
    let design = lab(&format!("{HOLDING}{FAILING}"));
    let holding = lab(HOLDING).checks.len();
    let suite = derive::suite(&design);
    let deployed = Deployed::new(design.clone(), "t-svc-any").await;
    let report = deployed.grade(&design, &suite).await;
    let failed = not_passed(&report);
    let expected: std::collections::BTreeSet<String> =
        (holding + 1..=design.checks.len()).map(|i| format!("check-{i}")).collect();
    assert_eq!(failed, expected, "{}", explain(&report));
    // The derived checks of the services on the router and the host are among those
    // that passed: web page, SSH greeting, every DNS record, the zone's authority.
    for id in [
        "http/r1",
        "ssh/r1",
        "dns/r1/router.lan",
        "dns/r1/gw.lan/cname",
        "dns/r1/1.20.168.192.in-addr.arpa/ptr",
        "dns/ns/kantoor.example/ns",
        "dns/ns/kantoor.example/mx",
        "dns/ns/kantoor.example/txt",
        "dns/ns/www.kantoor.example",
        "dns/ns/www.kantoor.example/aaaa",
        "dns/ns/intranet.kantoor.example/cname",
        "dns/ns/kantoor.example/soa",
    ] {
        assert!(suite.check(id).is_some(), "{id} is derived");
        assert!(!failed.contains(id), "{id}:\n{}", explain(&report));
    }
    // The router starts its daemons again after a restart, from its own list.
    let list = deployed.run("r1", "cat /etc/asbuilt/services.lab").await;
    let listed: Vec<&str> = list.stdout.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(listed, ["nginx", "dnsmasq", "ssh"]);
    // Every image carries curl and dig, the router's too.
    let tools = deployed.run("r1", "for t in curl dig; do command -v $t; done").await;
    assert_eq!(tools.stdout.lines().count(), 2, "{tools:?}");
}
