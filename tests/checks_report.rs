//! Judging, scoring and the report formats, on fixture observations: pure.

mod support;

use asbuilt::checks::derive;
use asbuilt::checks::format::{self, Format};
use asbuilt::checks::judge::{Names, judge};
use asbuilt::checks::model::{AddressExpect, DhcpRange, Enforcement, Influence, ProbeSpec, Suite, Target};
use asbuilt::checks::observation::{
    DhcpOffer, HttpFacts, InterfaceFacts, Observation, PingFacts, PortFact, RouteFact, RouteOrigin, VlanFact,
};
use asbuilt::checks::outcome::{CheckResult, Evidence, Outcome, Status};
use asbuilt::checks::report::{REPORT_VERSION, Report};
use asbuilt::design::{Lang, PortVlans, Text, Transport};
use support::{example, fixture};

fn en(t: &Text) -> &str {
    t.en.as_deref().unwrap_or("")
}

fn credit(outcome: &Outcome) -> f64 {
    outcome.credit()
}

fn interface(up: bool, addresses: &[&str]) -> Observation {
    Observation::Interface(Some(InterfaceFacts {
        up,
        carrier: true,
        addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
    }))
}

#[test]
fn an_address_check_gives_partial_credit_for_half_right_work() {
    let probe = ProbeSpec::Address {
        node: "pc1".into(),
        interface: "eth1".into(),
        expect: AddressExpect::Exact { addresses: vec!["192.168.10.11/24".parse().unwrap()] },
    };
    let names = Names::default();
    assert!(judge(&probe, &interface(true, &["192.168.10.11/24", "127.0.0.1/8"]), &names).is_pass());
    let wrong_prefix = judge(&probe, &interface(true, &["192.168.10.11/16"]), &names);
    assert_eq!(credit(&wrong_prefix), 0.5);
    let down = judge(&probe, &interface(false, &["192.168.10.11/24"]), &names);
    assert_eq!(credit(&down), 0.5, "the right address on an interface left down");
    let Outcome::Fail { expected, observed, .. } = judge(&probe, &interface(true, &[]), &names) else {
        panic!()
    };
    assert_eq!(en(&expected), "eth1 up with 192.168.10.11/24");
    assert_eq!(en(&observed), "eth1 is up with no address");
    let missing = judge(&probe, &Observation::Interface(None), &names);
    let Outcome::Fail { observed, .. } = missing else { panic!() };
    assert_eq!(observed.nl.as_deref(), Some("er is geen interface eth1"));
}

#[test]
fn a_route_via_another_neighbour_is_half_the_job() {
    let probe = ProbeSpec::Route {
        node: "r1".into(),
        to: "10.0.3.0/24".parse().unwrap(),
        via: "10.0.12.2".parse().unwrap(),
    };
    let route = |via: &str| {
        Observation::Routes(vec![RouteFact {
            to: "10.0.3.0/24".parse().unwrap(),
            via: vec![via.parse().unwrap()],
            interface: Some("eth1".into()),
            origin: RouteOrigin::Boot,
        }])
    };
    let names = Names::default();
    assert!(judge(&probe, &route("10.0.12.2"), &names).is_pass(), "a route set with `ip route` counts too");
    assert_eq!(credit(&judge(&probe, &route("10.0.12.6"), &names)), 0.5);
    let connected = RouteFact {
        to: "10.0.12.0/30".parse().unwrap(),
        via: vec![],
        interface: Some("eth1".into()),
        origin: RouteOrigin::Kernel,
    };
    let Outcome::Fail { observed, .. } = judge(&probe, &Observation::Routes(vec![connected]), &names) else {
        panic!()
    };
    assert_eq!(en(&observed), "no route to 10.0.3.0/24");
}

#[test]
fn a_ping_that_must_be_blocked_passes_only_when_seen_stopped_where_the_policy_is() {
    let design = example("statisch-routeren.yml", None);
    let names = Names::of(&design);
    let target = Target { label: "pc3".into(), address: "10.0.3.10".parse().unwrap() };
    let stopped = Enforcement { at: "r2".into(), target: Some("pc3".into()) };
    let blocked =
        ProbeSpec::Ping { from: "pc1".into(), to: target.clone(), reach: false, stopped: Some(stopped) };
    let pings = |received| {
        Box::new(Observation::Pings(PingFacts {
            sent: 3,
            received,
            rtt_ms: vec![0.1; received as usize],
            error_from: None,
            local_error: None,
        }))
    };
    let seen = |received, arrived, reached| Observation::Stopped {
        reply: pings(received),
        arrived,
        reached,
        deliverable: Some(true),
    };
    assert_eq!(judge(&blocked, &seen(1, Some(true), Some(true)), &names).status(), Status::Fail, "answered");
    assert_eq!(
        judge(&blocked, &seen(0, Some(true), Some(true)), &names).status(),
        Status::Fail,
        "silent, but it arrived at pc3: r2 let it through"
    );
    assert_eq!(judge(&blocked, &seen(0, Some(false), Some(true)), &names).status(), Status::Pass);
    let Outcome::Skipped { reason } = judge(&blocked, &seen(0, Some(false), Some(false)), &names) else {
        panic!("silence alone never passes")
    };
    assert!(en(&reason).contains("does not even get to r2"), "{}", en(&reason));
    // It got to r2 and no further, but r2 cannot reach pc3 either: routing stopped it.
    let unroutable = Observation::Stopped {
        reply: pings(0),
        arrived: Some(false),
        reached: Some(true),
        deliverable: Some(false),
    };
    let Outcome::Skipped { reason } = judge(&blocked, &unroutable, &names) else {
        panic!("not the policy's doing")
    };
    assert!(en(&reason).contains("r2 itself does not reach pc3"), "{}", en(&reason));

    let reach = ProbeSpec::Ping { from: "pc1".into(), to: target, reach: true, stopped: None };
    let refused = Observation::Pings(PingFacts {
        sent: 3,
        received: 0,
        rtt_ms: vec![],
        error_from: Some(("10.0.1.1".parse().unwrap(), "network unreachable".into())),
        local_error: None,
    });
    let Outcome::Fail { observed, .. } = judge(&reach, &refused, &names) else { panic!() };
    assert_eq!(en(&observed), "no reply; r1 (10.0.1.1) reports: network unreachable");
}

#[test]
fn a_gateway_is_skipped_only_when_no_address_is_on_its_subnet() {
    let names = Names::default();
    let gateway = ProbeSpec::Gateway { node: "pc1".into(), via: "192.168.1.1".parse().unwrap() };
    let route = |to: &str, via: &[&str], origin| RouteFact {
        to: to.parse().unwrap(),
        via: via.iter().map(|v| v.parse().unwrap()).collect(),
        interface: Some("eth1".into()),
        origin,
    };
    // No address at all: no gateway can be set. The address check fails; this one waits.
    let bare = Observation::Routes(vec![]);
    assert_eq!(judge(&gateway, &bare, &names).status(), Status::Skipped);
    // A DHCP client whose lease is outside the range, but on the right subnet: its
    // gateway is judged on its own, and here it is right.
    let leased = Observation::Routes(vec![
        route("192.168.1.0/24", &[], RouteOrigin::Kernel),
        route("0.0.0.0/0", &["192.168.1.1"], RouteOrigin::Dhcp),
    ]);
    assert_eq!(judge(&gateway, &leased, &names).status(), Status::Pass);
    // On the subnet, but no gateway set: a plain failure.
    let missing = Observation::Routes(vec![route("192.168.1.0/24", &[], RouteOrigin::Kernel)]);
    assert_eq!(judge(&gateway, &missing, &names).status(), Status::Fail);
}

#[test]
fn a_closed_udp_port_is_judged_by_where_the_datagram_went_not_by_silence() {
    let names = Names::default();
    let closed = ProbeSpec::Port {
        from: "pc1".into(),
        to: Target { label: "srv".into(), address: "10.0.2.53".parse().unwrap() },
        protocol: Transport::Udp,
        port: 53,
        open: false,
        listen: None,
        stopped: Some(Enforcement { at: "fw".into(), target: Some("srv".into()) }),
    };
    // A DNS server that got the question and did not answer it: silence, but it arrived.
    let silent_but_arrived = Observation::Stopped {
        reply: Box::new(Observation::Port(PortFact::Silent)),
        arrived: Some(true),
        reached: Some(true),
        deliverable: None,
    };
    assert_eq!(judge(&closed, &silent_but_arrived, &names).status(), Status::Fail);
    let dropped = Observation::Stopped {
        reply: Box::new(Observation::Port(PortFact::Silent)),
        arrived: Some(false),
        reached: Some(true),
        deliverable: Some(true),
    };
    assert_eq!(judge(&closed, &dropped, &names).status(), Status::Pass);
}

#[test]
fn a_dhcp_offer_earns_most_for_the_address_and_the_rest_for_its_options() {
    let probe = ProbeSpec::Dhcp {
        server: "srv".into(),
        client: asbuilt::design::Endpoint { node: "pc1".into(), interface: "eth1".into() },
        range: DhcpRange {
            subnet: "192.168.50.0/24".parse().unwrap(),
            first: "192.168.50.100".parse().unwrap(),
            last: "192.168.50.199".parse().unwrap(),
            gateway: Some("192.168.50.1".parse().unwrap()),
            dns: vec!["192.168.50.2".parse().unwrap()],
        },
    };
    let offer = |addr: &str, gw: Option<&str>| {
        Observation::Dhcp(Some(DhcpOffer {
            address: addr.parse().unwrap(),
            server: None,
            gateway: gw.map(|g| g.parse().unwrap()),
            dns: vec!["192.168.50.2".parse().unwrap()],
            netmask: None,
        }))
    };
    let names = Names::default();
    assert!(judge(&probe, &offer("192.168.50.150", Some("192.168.50.1")), &names).is_pass());
    assert!((credit(&judge(&probe, &offer("192.168.50.150", None), &names)) - 0.8).abs() < 1e-9);
    assert_eq!(credit(&judge(&probe, &offer("192.168.50.20", Some("192.168.50.1")), &names)), 0.0);
    assert_eq!(judge(&probe, &Observation::Dhcp(None), &names).status(), Status::Fail);
}

#[test]
fn a_page_without_the_designed_text_still_shows_the_server_works() {
    let probe = ProbeSpec::Http {
        from: "web".into(),
        url: "http://10.0.0.5/".into(),
        method: "GET".into(),
        status: 200,
        contains: Some("Welkom".into()),
        matches: None,
    };
    let page = |status, body: &str| Observation::Http(Ok(HttpFacts { status, body: body.into() }));
    let names = Names::default();
    assert!(judge(&probe, &page(200, "<h1>Welkom</h1>"), &names).is_pass());
    assert_eq!(credit(&judge(&probe, &page(200, "It works!"), &names)), 0.5);
    assert_eq!(credit(&judge(&probe, &page(404, "Welkom"), &names)), 0.0);
    assert_eq!(
        judge(&probe, &Observation::Http(Err("connection refused".into())), &names).status(),
        Status::Fail
    );
}

#[test]
fn an_access_port_must_be_in_its_vlan_untagged_and_nothing_else() {
    let probe = ProbeSpec::Vlan { switch: "sw1".into(), port: "eth2".into(), expect: PortVlans::Access(10) };
    let vlans = |list: &[(u16, bool, bool)]| {
        Observation::Vlans(Some(
            list.iter().map(|&(vid, pvid, untagged)| VlanFact { vid, pvid, untagged }).collect(),
        ))
    };
    let names = Names::default();
    assert!(judge(&probe, &vlans(&[(10, true, true)]), &names).is_pass());
    assert_eq!(
        credit(&judge(&probe, &vlans(&[(10, false, false)]), &names)),
        0.5,
        "tagged instead of access"
    );
    assert_eq!(credit(&judge(&probe, &vlans(&[(1, true, true)]), &names)), 0.0, "still in VLAN 1");
    assert_eq!(judge(&probe, &Observation::Vlans(None), &names).status(), Status::Fail);
}

#[test]
fn an_observation_of_the_wrong_kind_is_an_error_not_a_failure() {
    let probe = ProbeSpec::Gateway { node: "pc1".into(), via: "10.0.0.1".parse().unwrap() };
    assert_eq!(judge(&probe, &Observation::File(None), &Names::default()).status(), Status::Error);
}

/// Results for the dmz suite: everything passes except what the test changes.
fn results(suite: &Suite, change: &[(&str, Outcome)]) -> Vec<CheckResult> {
    suite
        .checks
        .iter()
        .map(|c| CheckResult {
            id: c.id.clone(),
            outcome: change.iter().find(|(id, _)| *id == c.id).map(|(_, o)| o.clone()).unwrap_or(
                Outcome::Pass { observed: Text { nl: Some("goed".into()), en: Some("fine".into()) } },
            ),
            attempts: 1,
            duration_ms: 12,
            evidence: vec![Evidence {
                influence: Influence::Asbuilt,
                method: "netlink".into(),
                raw: "eth1: UP <b>& \u{7}".into(),
            }],
        })
        .collect()
}

fn text(s: &str) -> Text {
    Text { nl: Some(s.into()), en: Some(s.into()) }
}

fn fail(credit: f64) -> Outcome {
    Outcome::Fail { expected: text("<script>alert('x')</script>"), observed: text("nothing & more"), credit }
}

#[test]
fn the_score_weighs_checks_and_gives_partial_credit_per_work_process() {
    let suite = derive::suite(&example("dmz.yml", None));
    let possible: f64 = suite.checks.iter().map(|c| c.weight).sum();
    let report = Report::build(
        &suite,
        &results(
            &suite,
            &[
                ("check-1", fail(0.5)),
                ("http/web", fail(0.0)),
                ("gateway/fw", Outcome::Skipped { reason: text("no") }),
            ],
        ),
        "2026-11-28T12:00:00Z",
    );
    assert_eq!(report.score.possible, possible);
    // check-1 weighs 2 and earns half; http/web and gateway/fw earn nothing.
    assert_eq!(report.score.earned, possible - 1.0 - 1.0 - 1.0);
    assert_eq!(
        (report.counts.pass, report.counts.fail, report.counts.skipped),
        (suite.checks.len() - 3, 2, 1)
    );
    let services = report.work_processes.iter().find(|w| w.code == "B1-K3-W1").unwrap();
    assert!(services.score.earned < services.score.possible);
    assert_eq!(services.name.en.as_deref(), Some("Advises on and configures applications"));
    assert_eq!(report.exit_code(), 1);
    assert_eq!(report.timestamp, "2026-11-28T12:00:00Z");
}

#[test]
fn exit_codes_say_all_passed_some_failed_or_could_not_run() {
    let suite = derive::suite(&example("eerste-lan.yml", None));
    let all = Report::build(&suite, &results(&suite, &[]), "t");
    assert_eq!((all.exit_code(), all.score.percent), (0, 100.0));
    let error = Report::build(
        &suite,
        &results(&suite, &[("check-1", Outcome::Error { why: text("engine gone") })]),
        "t",
    );
    assert_eq!(error.exit_code(), 2);
}

#[test]
fn the_student_view_hides_what_the_teacher_did_not_reveal_and_keeps_the_hints() {
    let suite = derive::suite(&example("storingen.yml", None));
    let report = Report::build(
        &suite,
        &results(&suite, &[("address/pc2:eth1", fail(0.0)), ("check-1", fail(0.0))]),
        "t",
    );
    let view = report.student_view();
    assert!(view.student_view);
    let hidden = view.checks.iter().find(|c| c.id == "address/pc2:eth1").unwrap();
    assert!(hidden.expected.is_none() && hidden.evidence.is_empty());
    assert!(hidden.hint.is_some() && hidden.observed.is_some());
    let shown = view.checks.iter().find(|c| c.id == "check-1").unwrap();
    assert!(shown.expected.is_some(), "the teacher's own check reveals by default");
    let json = format::render(&view, Format::Json, Lang::En, false);
    assert!(
        !json.contains("192.168.1.22/24"),
        "the designed address of the fault is nowhere in the student's report"
    );
}

#[test]
fn the_json_report_carries_its_version_and_reads_back() {
    let suite = derive::suite(&example("dmz.yml", Some("s100001")));
    let report = Report::build(&suite, &results(&suite, &[("check-2", fail(0.0))]), "2026-11-28T12:00:00Z");
    let json = format::render(&report, Format::Json, Lang::Nl, false);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["version"], REPORT_VERSION);
    assert_eq!(value["student"], "s100001");
    assert_eq!(value["checks"][0]["status"], "pass");
    assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), report);
}

#[test]
fn the_junit_report_is_well_formed_xml_with_a_case_per_check() {
    let suite = derive::suite(&example("dmz.yml", None));
    let report = Report::build(
        &suite,
        &results(
            &suite,
            &[
                ("check-1", fail(0.0)),
                ("http/web", Outcome::Error { why: text("<gone>") }),
                ("gateway/fw", Outcome::Skipped { reason: text("x") }),
            ],
        ),
        "2026-11-28T12:00:00Z",
    );
    let xml = format::render(&report, Format::Junit, Lang::En, false);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), suite.checks.len());
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 1);
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("error")).count(), 1);
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("skipped")).count(), 1);
    let failure = doc.descendants().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(
        failure.attribute("message").unwrap().contains("expected: <script>"),
        "escaped in XML, whole when read"
    );
}

#[test]
fn the_html_report_stands_alone_and_escapes_everything() {
    let suite = derive::suite(&example("dmz.yml", None));
    let report = Report::build(&suite, &results(&suite, &[("check-1", fail(0.0))]), "2026-11-28T12:00:00Z");
    let html = format::render(&report, Format::Html, Lang::Nl, false);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<style>"));
    assert!(!html.contains("<script"), "user text is escaped");
    assert!(html.contains("&lt;script&gt;"));
    assert!(
        !html.contains("src=") && !html.contains("href=") && !html.contains("@import"),
        "no external resources"
    );
    assert!(html.contains("Per werkproces") && html.contains("B1-K2-W1"));
}

#[test]
fn the_table_is_colored_only_when_asked() {
    let suite = derive::suite(&example("eerste-lan.yml", None));
    let report = Report::build(&suite, &results(&suite, &[("check-1", fail(0.0))]), "t");
    let plain = format::render(&report, Format::Table, Lang::En, false);
    assert!(!plain.contains('\u{1b}'));
    assert!(plain.contains("FAIL") && plain.contains("check-1") && plain.contains("expected: <script>"));
    assert!(plain.contains("Score: 6 / 7 (85.7%)"), "{plain}");
    let colored = format::render(&report, Format::Table, Lang::Nl, true);
    assert!(colored.contains("\u{1b}[31m") && colored.contains("FOUT"));
}

#[test]
fn subtotals_per_work_process_follow_a_grading_rule_that_moves_checks() {
    let suite = derive::suite(&fixture("graded.yml"));
    let report = Report::build(&suite, &results(&suite, &[("gateway/pc1", fail(0.0))]), "t");
    let subtotal = |code: &str| report.work_processes.iter().find(|w| w.code == code).unwrap().score;
    // The gateways moved from B1-K1-W3 to B1-K2-W1: the failure shows there, and
    // B1-K1-W3 holds only the addresses of the PCs (weight 2 each), all passed.
    assert_eq!((subtotal("B1-K1-W3").earned, subtotal("B1-K1-W3").possible), (4.0, 4.0));
    let network = subtotal("B1-K2-W1");
    assert_eq!(network.possible - network.earned, 1.0, "gateway/pc1 is missed in network work");
    let counted: f64 = report.checks.iter().filter(|c| c.id.starts_with("gateway/")).map(|c| c.weight).sum();
    assert_eq!(counted, 1.5);
}

#[test]
fn a_dropped_check_is_in_no_format_and_no_count() {
    let mut design = example("dmz.yml", None);
    design.grading.push(asbuilt::design::Grading {
        pattern: "port/*/open".into(),
        change: Some(asbuilt::design::GradingChange::Drop),
        trains: None,
    });
    let dropped = "port/klant/web/tcp/80/open";
    assert!(derive::suite(&design).check(dropped).is_none(), "nothing rests on it: it is not even run");
    // A dropped check that another one rests on still runs, ungraded.
    let mut suite = derive::suite(&example("dmz.yml", None));
    suite.checks.iter_mut().find(|c| c.id == dropped).expect("in the suite").graded = false;
    let graded = suite.checks.iter().filter(|c| c.graded).count();
    // Even failing, it counts nowhere.
    let report = Report::build(&suite, &results(&suite, &[(dropped, fail(0.0))]), "2026-11-28T12:00:00Z");
    assert!(report.checks.iter().all(|c| c.id != dropped));
    assert_eq!(report.checks.len(), graded);
    assert_eq!((report.counts.pass, report.counts.fail), (graded, 0));
    assert_eq!(report.score.percent, 100.0);
    assert_eq!(report.exit_code(), 0);
    for format in [Format::Table, Format::Json, Format::Junit, Format::Html] {
        let text = format::render(&report, format, Lang::En, false);
        assert!(!text.contains(dropped), "{format:?} shows the dropped check:\n{text}");
    }
    let xml = format::render(&report, Format::Junit, Lang::En, false);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("testcase")).count(), graded);
}

#[test]
fn a_file_check_judges_content_owner_and_mode_each_for_a_share() {
    use asbuilt::checks::observation::FileFacts;
    let probe = ProbeSpec::File {
        node: "web".into(),
        path: "/etc/app/secret.conf".into(),
        contains: Some("key=".into()),
        owner: Some("www-data:www-data".into()),
        mode: Some(0o640),
        as_root: true,
    };
    let facts = |owner: &str, mode: u32, content: Option<&str>| {
        let mut f = FileFacts::from_stat(&format!("{owner} {owner} {mode:o}\n")).unwrap();
        f.content = content.map(str::to_string);
        Observation::File(Some(f))
    };
    let names = Names::default();
    assert!(judge(&probe, &facts("www-data", 0o640, Some("key=1\n")), &names).is_pass());
    let world_readable = judge(&probe, &facts("www-data", 0o644, Some("key=1\n")), &names);
    assert!((credit(&world_readable) - 2.0 / 3.0).abs() < 1e-9, "{world_readable:?}");
    let Outcome::Fail { expected, observed, .. } = world_readable else { panic!() };
    assert_eq!(en(&expected), "/etc/app/secret.conf: contains \"key=\", owner www-data:www-data, mode 0640");
    assert_eq!(en(&observed), "/etc/app/secret.conf: owner www-data:www-data, mode 0644, key=1");
    assert_eq!(credit(&judge(&probe, &facts("root", 0o600, None), &names)), 0.0);
    let missing = judge(&probe, &Observation::File(None), &names);
    assert_eq!((missing.status(), credit(&missing)), (Status::Fail, 0.0));
    // An owner without a group is about the user alone.
    let user_only = ProbeSpec::File {
        node: "web".into(),
        path: "/srv/x".into(),
        contains: None,
        owner: Some("www-data".into()),
        mode: None,
        as_root: false,
    };
    let Observation::File(Some(mut f)) = facts("www-data", 0o600, None) else { panic!() };
    f.group = "staff".into();
    assert!(judge(&user_only, &Observation::File(Some(f)), &names).is_pass());
}
