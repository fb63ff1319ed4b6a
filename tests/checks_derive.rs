//! Deriving check suites from designs: pure, on the example labs and fixtures.

mod support;

use std::collections::BTreeSet;

use asbuilt::checks::derive::{self, affected_by};
use asbuilt::checks::model::{Enforcement, Origin, PartRef, ProbeSpec, Suite};
use asbuilt::checks::sim::{World, holds::holds};
use asbuilt::design::{Design, Part};
use support::{example, fixture};

const EXAMPLES: [&str; 16] = [
    "onderhoud-accounts.yml",
    "webhosting-tls.yml",
    "beheer-monitoring.yml",
    "eerste-lan.yml",
    "statisch-routeren.yml",
    "ospf.yml",
    "dmz.yml",
    "dhcp-dns.yml",
    "vlans.yml",
    "storingen.yml",
    "bgp-drie-as.yml",
    "kathara-stijl.yml",
    "rip.yml",
    "ospf-multi-area.yml",
    "dual-stack.yml",
    "ospf-dual-stack.yml",
];

fn ids(suite: &Suite) -> Vec<&str> {
    suite.checks.iter().map(|c| c.id.as_str()).collect()
}

fn suite_of(name: &str) -> (Design, Suite) {
    let design = example(name, None);
    let suite = derive::suite(&design);
    (design, suite)
}

#[test]
fn every_check_passes_in_the_simulated_lab_built_as_designed() {
    for name in EXAMPLES {
        let (design, suite) = suite_of(name);
        let world = World::of(&design);
        for check in &suite.checks {
            assert!(holds(&world, &check.probe), "{name}: {} does not hold in the designed lab", check.id);
        }
    }
}

#[test]
fn every_example_lab_gets_a_suite_of_sensible_size_with_unique_ids() {
    for name in EXAMPLES {
        let (_, suite) = suite_of(name);
        let unique: BTreeSet<&str> = ids(&suite).into_iter().collect();
        assert_eq!(unique.len(), suite.checks.len(), "{name}: ids are unique");
        // The largest is the RIP ring: every router checks its route to every subnet.
        assert!((5..=80).contains(&suite.checks.len()), "{name}: {} checks", suite.checks.len());
    }
}

#[test]
fn check_ids_are_the_same_for_every_student_whatever_their_variant() {
    for name in ["dmz.yml", "eerste-lan.yml"] {
        let teacher = derive::suite(&example(name, None));
        for student in ["s100001", "s100002", "s999999"] {
            let design = example(name, Some(student));
            let suite = derive::suite(&design);
            assert_eq!(ids(&suite), ids(&teacher), "{name} for {student}");
            assert_eq!(suite.student.as_deref(), Some(student));
            assert_eq!(suite.seed, design.variant.map(|v| v.seed));
        }
    }
    // The ids name the teacher's subnet even where the student's differs.
    let student = derive::suite(&example("dmz.yml", Some("s100001")));
    let route = student.check("route/isp/172.16.1.0/24").expect("named by the teacher's subnet");
    let ProbeSpec::Route { to, .. } = &route.probe else { panic!() };
    assert_ne!(to.to_string(), "172.16.1.0/24", "but checks the student's own");
}

#[test]
fn the_dmz_policy_becomes_positive_and_negative_checks() {
    let (_, suite) = suite_of("dmz.yml");
    let have: BTreeSet<&str> = ids(&suite).into_iter().collect();
    for id in [
        "address/fw:eth1",
        "gateway/fw",
        "route/isp/172.16.1.0/24",
        "reach/pc1/klant",
        "nat/pc1/klant",
        "port/pc1/web/tcp/80/open",
        "port/pc1/web/tcp/443/open",
        "port/klant/web/tcp/80/open",
        "port/klant/web/tcp/22/closed",
        "port/pc1/web/tcp/22/closed",
        "blocked/klant/web",
        "blocked/web/pc1",
        "blocked/web/klant",
        "denied/fw/eth1/pc1",
        "http/web",
        "check-1",
        "check-2",
    ] {
        assert!(have.contains(id), "dmz has {id}; it has {have:?}");
    }
    assert!(
        !have.iter().any(|id| id.starts_with("port/pc1/klant/")),
        "LAN to internet is open: no port checks"
    );
}

#[test]
fn every_negative_check_watches_where_the_design_stops_its_traffic() {
    let mut negatives = 0;
    for name in EXAMPLES {
        let (design, suite) = suite_of(name);
        let world = World::of(&design);
        for check in &suite.checks {
            let stopped = match &check.probe {
                ProbeSpec::Ping { reach: false, stopped, .. }
                | ProbeSpec::Port { open: false, stopped, .. } => stopped.clone(),
                ProbeSpec::Inject { firewall, target, .. } => {
                    Some(Enforcement { at: firewall.node.clone(), target: Some(target.clone()) })
                }
                _ => continue,
            };
            negatives += 1;
            let e = stopped.unwrap_or_else(|| panic!("{name}: {} says where it must be stopped", check.id));
            // Derived negatives are stopped by a firewall's policy, never by a missing route.
            assert!(design.nodes[&e.at].firewall.is_some(), "{name}: {} is stopped at {}", check.id, e.at);
            assert!(holds(&world, &check.probe), "{name}: {} holds in the lab as designed", check.id);
            assert!(check.requires.is_empty(), "{name}: {} rests on no other check", check.id);
        }
    }
    assert!(negatives > 5, "the examples have negative checks: {negatives}");
}

#[test]
fn a_blank_firewall_policy_fails_only_the_checks_of_the_policy() {
    let (_, suite) = suite_of("dmz.yml");
    let policy: BTreeSet<&str> = suite.depending_on("fw", Part::Firewall).into_iter().collect();
    let expected: BTreeSet<&str> = [
        "blocked/klant/web",
        "blocked/pc1/web",
        "blocked/web/klant",
        "blocked/web/pc1",
        "port/klant/web/tcp/22/closed",
        "port/pc1/web/tcp/22/closed",
        "denied/fw/eth1/pc1",
    ]
    .into_iter()
    .collect();
    assert_eq!(policy, expected);
    let nat: BTreeSet<&str> = suite.depending_on("fw", Part::Nat).into_iter().collect();
    assert!(nat.contains("nat/pc1/klant") && nat.contains("reach/pc1/klant"), "{nat:?}");
}

#[test]
fn an_address_check_depends_on_the_addresses_of_its_node_only() {
    let (_, suite) = suite_of("statisch-routeren.yml");
    let check = suite.check("address/r2:eth1").unwrap();
    assert_eq!(check.depends_on, vec![PartRef { node: "r2".into(), part: Part::Addresses }]);
    let route = suite.check("route/r1/10.0.3.0/24").unwrap();
    // A route rests on the address of its way out, as computed, not as a declared step.
    assert!(route.requires.is_empty());
    assert!(route.depends_on.contains(&PartRef { node: "r1".into(), part: Part::Addresses }));
}

#[test]
fn reachability_depends_on_every_route_on_the_way_and_no_other() {
    let (_, suite) = suite_of("statisch-routeren.yml");
    let parts: BTreeSet<String> =
        suite.check("reach/pc1/pc2").unwrap().depends_on.iter().map(ToString::to_string).collect();
    for needed in ["r1:routes", "r2:routes", "pc1:gateway", "pc2:gateway"] {
        assert!(parts.contains(needed), "{needed} in {parts:?}");
    }
    assert!(!parts.contains("r3:routes"), "r3 is not on the way from pc1 to pc2: {parts:?}");
}

#[test]
fn ospf_neighbours_and_learned_routes_follow_the_triangle() {
    let (_, suite) = suite_of("ospf.yml");
    let have = ids(&suite);
    let neighbours: Vec<&&str> = have.iter().filter(|i| i.starts_with("ospf-neighbour/")).collect();
    assert_eq!(neighbours.len(), 6, "three links, seen from both ends: {neighbours:?}");
    let learned: Vec<&&str> = have.iter().filter(|i| i.starts_with("ospf-route/r1/")).collect();
    assert_eq!(learned.len(), 3, "r1 learns two LANs and the link it is not on: {learned:?}");
    let check = suite.check("ospf-neighbour/r1/r2").unwrap();
    assert!(check.retries >= 5, "OSPF gets time to converge");
    let ProbeSpec::OspfNeighbour { address, .. } = check.probe else { panic!() };
    let design = example("ospf.yml", None);
    let r2_on_the_link =
        design.nodes["r2"].interfaces.values().flat_map(|i| &i.addresses).any(|a| a.addr() == address);
    assert!(r2_on_the_link, "r2 is known by its address on the link, not by a router ID: {address}");
    assert!(
        !have.iter().any(|i| i.starts_with("ospf-router-id/")),
        "the lab states no router ID, so a student may choose one"
    );
}

#[test]
fn a_router_id_the_design_states_is_checked_on_its_own() {
    let mut design = example("ospf.yml", None);
    let ospf = design.nodes.get_mut("r1").unwrap().ospf.as_mut().unwrap();
    ospf.router_id_stated = true;
    let suite = derive::suite(&design);
    let check = suite.check("ospf-router-id/r1").expect("a router ID check for r1 only");
    assert!(matches!(check.probe, ProbeSpec::OspfRouterId { .. }));
    assert!(suite.check("ospf-router-id/r2").is_none());
}

#[test]
fn the_troubleshooting_faults_break_their_own_checks() {
    let (design, suite) = suite_of("storingen.yml");
    let broken = |i: usize| -> BTreeSet<String> {
        affected_by(&design, &suite.checks, &design.faults[i]).into_iter().collect()
    };
    let set = |ids: &[&str]| -> BTreeSet<String> { ids.iter().map(|s| s.to_string()).collect() };
    assert_eq!(broken(0), set(&["route/r1/10.1.2.0/24", "reach/pc1/agenda", "reach/agenda/pc1", "check-1"]));
    // The wrong subnet leaves the gateway configured "on link", as on a misconfigured
    // PC: its gateway check has nothing to complain about; the address check has.
    assert_eq!(broken(1), set(&["address/pc2:eth1"]));
    assert_eq!(broken(2), set(&["http/agenda", "check-1"]));
    assert_eq!(broken(3), set(&["link/r1:eth1--r2:eth1"]));
}

#[test]
fn a_troubleshooting_lab_hides_the_designed_values_from_students() {
    let (_, suite) = suite_of("storingen.yml");
    let address = suite.check("address/pc2:eth1").unwrap();
    assert!(!address.reveal);
    for text in [&address.title, &address.hint] {
        for lang in [&text.nl, &text.en] {
            assert!(!lang.as_deref().unwrap_or("").contains("192.168.1.22"), "{lang:?}");
        }
    }
    let (_, open) = suite_of("eerste-lan.yml");
    assert!(open.check("address/pc1:eth1").unwrap().reveal, "a build lab may show the plan");
}

#[test]
fn derived_checks_count_for_the_work_process_they_are_about() {
    let (_, first) = suite_of("eerste-lan.yml");
    let tags =
        |s: &Suite, id: &str| s.check(id).unwrap().trains.iter().map(|t| t.0.clone()).collect::<Vec<_>>();
    assert_eq!(tags(&first, "address/pc1:eth1"), ["B1-K1-W3"], "a client's address is user-device work");
    assert_eq!(tags(&first, "address/r1:eth1"), ["B1-K2-W1"]);
    let (_, dhcp) = suite_of("dhcp-dns.yml");
    assert_eq!(tags(&dhcp, "dns/srv/www.veenstra.local"), ["B1-K3-W1"]);
    assert_eq!(tags(&dhcp, "dhcp/srv"), ["B1-K3-W1"]);
    // A lab that trains neither: the lab's own.
    let (_, storingen) = suite_of("storingen.yml");
    assert_eq!(tags(&storingen, "http/agenda"), ["B1-K1-W1"]);
}

#[test]
fn dhcp_clients_are_checked_for_a_lease_and_the_server_with_asbuilts_own_request() {
    let (_, suite) = suite_of("dhcp-dns.yml");
    let lease = suite.check("address/pc1:eth1").unwrap();
    let ProbeSpec::Address { expect: asbuilt::checks::model::AddressExpect::Leased { range }, .. } =
        &lease.probe
    else {
        panic!("{lease:?}")
    };
    assert_eq!(range.first.to_string(), "192.168.50.100");
    let deps: Vec<String> = lease.depends_on.iter().map(ToString::to_string).collect();
    assert!(deps.contains(&"srv:dhcp".to_string()), "{deps:?}");
    let ProbeSpec::Dhcp { client, .. } = &suite.check("dhcp/srv").unwrap().probe else { panic!() };
    assert_eq!(client.to_string(), "pc1:eth1", "asbuilt asks from a designed client's interface");
}

#[test]
fn switch_ports_are_checked_only_where_the_design_gives_vlans() {
    let (_, vlans) = suite_of("vlans.yml");
    assert!(ids(&vlans).contains(&"vlan/sw1/eth1"));
    let (_, plain) = suite_of("eerste-lan.yml");
    assert!(!ids(&plain).iter().any(|i| i.starts_with("vlan/")), "an untouched switch has nothing to check");
    let reach = vlans.check("reach/pc-adm/pc-wp").unwrap();
    assert!(reach.depends_on.iter().any(|d| d.node == "sw1" && d.part == Part::Vlans));
}

#[test]
fn port_forwards_and_ssh_get_their_checks() {
    let design = fixture("port-forward.yml");
    let suite = derive::suite(&design);
    let forward = suite.check("forward/fw/tcp/8080").unwrap();
    let ProbeSpec::Port { from, listen: Some(at), .. } = &forward.probe else { panic!() };
    assert_eq!((from.as_str(), at.node.as_str(), at.port), ("buiten", "srv", 80));
    assert!(forward.depends_on.iter().any(|d| d.node == "fw" && d.part == Part::Nat));
    assert!(suite.check("ssh/srv").unwrap().depends_on.iter().any(|d| d.part == Part::Ssh));
}

#[test]
fn a_routers_nat_gets_the_nat_and_forward_checks_a_firewalls_does() {
    let design = fixture("router-nat.yml");
    let suite = derive::suite(&design);
    let world = World::of(&design);
    let nat = suite.check("nat/web/buiten").expect("the masquerade is checked");
    let ProbeSpec::Nat { source, .. } = &nat.probe else { panic!() };
    assert_eq!(source.to_string(), "203.0.113.2", "the router's own outside address");
    let forward = suite.check("forward/edge/tcp/8080").expect("the port forward is checked");
    let ProbeSpec::Port { from, listen: Some(at), .. } = &forward.probe else { panic!() };
    assert_eq!((from.as_str(), at.node.as_str(), at.port), ("buiten", "web", 80));
    for check in &suite.checks {
        assert!(holds(&world, &check.probe), "{} does not hold in the designed lab", check.id);
    }
    // Without the router's NAT, the provider has no way back to the private LAN.
    let blank: BTreeSet<&str> = suite.depending_on("edge", Part::Nat).into_iter().collect();
    let expected: BTreeSet<&str> =
        ["nat/web/buiten", "forward/edge/tcp/8080", "reach/pc1/buiten", "reach/web/buiten"]
            .into_iter()
            .collect();
    assert_eq!(blank, expected);
    // A router filters nothing: no policy checks appear for it.
    assert!(
        !ids(&suite)
            .iter()
            .any(|i| i.starts_with("port/") || i.starts_with("blocked/") || i.starts_with("denied/"))
    );
}

#[test]
fn the_teachers_checks_come_last_with_their_own_settings() {
    let (_, suite) = suite_of("dmz.yml");
    let explicit: Vec<_> = suite.checks.iter().filter(|c| c.origin == Origin::Explicit).collect();
    assert_eq!(explicit.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["check-1", "check-2"]);
    assert!(suite.checks.iter().rev().take(2).all(|c| c.origin == Origin::Explicit));
    assert_eq!(explicit[0].weight, 2.0);
    assert!(explicit[0].hint.nl.as_deref().unwrap().contains("forward-regels"));
}

#[test]
fn every_check_has_a_title_and_a_hint_in_both_languages() {
    for name in EXAMPLES {
        let (_, suite) = suite_of(name);
        for c in suite.checks.iter().filter(|c| c.origin == Origin::Derived) {
            assert!(c.title.nl.is_some() && c.title.en.is_some(), "{name}: {}", c.id);
            assert!(c.hint.nl.is_some() && c.hint.en.is_some(), "{name}: {}", c.id);
        }
    }
}

#[test]
fn every_derived_family_is_one_a_grading_rule_may_name() {
    for name in EXAMPLES {
        let (_, suite) = suite_of(name);
        for c in suite.checks.iter().filter(|c| c.origin == Origin::Derived) {
            let family = c.id.split('/').next().unwrap();
            assert!(asbuilt::design::Grading::FAMILIES.contains(&family), "{name}: {}", c.id);
        }
    }
}

#[test]
fn grading_rules_reweight_and_drop_derived_checks_the_last_match_deciding() {
    let design = fixture("graded.yml");
    let suite = derive::suite(&design);
    assert!(suite.check("address/r1:eth1").is_none(), "dropped");
    assert_eq!(suite.check("address/pc1:eth1").unwrap().weight, 2.0);
    assert_eq!(suite.check("gateway/pc2").unwrap().weight, 0.5);
    assert_eq!(suite.check("gateway/pc1").unwrap().weight, 1.0, "no rule on points matches");
}

#[test]
fn a_grading_rule_moves_checks_to_another_work_process_and_another_rule_still_reweights_them() {
    let design = fixture("graded.yml");
    let suite = derive::suite(&design);
    for id in ["gateway/pc1", "gateway/pc2"] {
        let trains: Vec<&str> = suite.check(id).unwrap().trains.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(trains, ["B1-K2-W1"], "{id} counts for network work now");
    }
    assert_eq!(suite.check("gateway/pc2").unwrap().weight, 0.5, "and keeps the weight a later rule gives");
    let address: Vec<&str> =
        suite.check("address/pc1:eth1").unwrap().trains.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(address, ["B1-K1-W3"], "checks no `trains` rule matches keep their own");
}

/// The node a check's evidence comes from.
fn observer(probe: &ProbeSpec) -> String {
    match probe {
        ProbeSpec::Address { node, .. }
        | ProbeSpec::Gateway { node, .. }
        | ProbeSpec::Route { node, .. }
        | ProbeSpec::RouteTable { node, .. }
        | ProbeSpec::OspfInterface { node, .. }
        | ProbeSpec::OspfNeighbour { node, .. }
        | ProbeSpec::Ospf6Neighbour { node, .. }
        | ProbeSpec::OspfRouterId { node, .. }
        | ProbeSpec::OspfRoute { node, .. }
        | ProbeSpec::BgpSession { node, .. }
        | ProbeSpec::BgpRoute { node, .. }
        | ProbeSpec::RipRoute { node, .. }
        | ProbeSpec::Ssh { node, .. }
        | ProbeSpec::Site { node, .. }
        | ProbeSpec::Backup { node, .. }
        | ProbeSpec::KeyLogin { client: node, .. }
        | ProbeSpec::Snmp { node, .. }
        | ProbeSpec::Account { node, .. }
        | ProbeSpec::Sudo { node, .. }
        | ProbeSpec::Boot { node, .. }
        | ProbeSpec::Package { node, .. }
        | ProbeSpec::Login { node, .. }
        | ProbeSpec::NtpServer { node, .. }
        | ProbeSpec::NtpFollows { node, .. }
        | ProbeSpec::Command { node, .. }
        | ProbeSpec::File { node, .. } => node.clone(),
        ProbeSpec::Ping { from, .. }
        | ProbeSpec::Traceroute { from, .. }
        | ProbeSpec::Port { from, .. }
        | ProbeSpec::Nat { from, .. }
        | ProbeSpec::Http { from, .. }
        | ProbeSpec::Dns { from, .. }
        | ProbeSpec::Syslog { from, .. } => from.clone(),
        ProbeSpec::Link { from, .. } | ProbeSpec::Inject { from, .. } => from.node.clone(),
        ProbeSpec::Dhcp { client, .. } => client.node.clone(),
        ProbeSpec::Vlan { switch, .. } => switch.clone(),
    }
}

#[test]
fn every_derived_title_names_the_node_its_evidence_comes_from() {
    for name in EXAMPLES {
        let (_, suite) = suite_of(name);
        for check in suite.checks.iter().filter(|c| c.origin == Origin::Derived) {
            let title = check.title.en.clone().unwrap_or_default();
            let node = observer(&check.probe);
            assert!(title.contains(&node), "{name}: {} is tested from {node}: {title}", check.id);
        }
    }
}
