//! Monitoring on the real Docker engine: rsyslog forwarding to a log server, snmpd with
//! one community, chrony, and the routers' configuration backups (copied over SSH), as
//! asbuilt configures them and as a student types them in.
//!
//! The lab as handed out fails exactly its student's parts; the student's commands then
//! make it pass every check. The finished lab as asbuilt builds it passes too, and there
//! each "cannot" is shown next to its positive control: an agent that also answers
//! `public` fails where the other passes, a stopped log server loses the messages
//! another check saw arrive a moment before, and a stopped time server no longer
//! answers the request it answered then; a router changed after its backup fails its
//! backup check while the other router's passes.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use std::collections::BTreeSet;

use asbuilt::checks::derive;
use asbuilt::checks::outcome::Status;
use asbuilt::checks::report::Report;
use common::{Deployed, example};
use verdicts::{depending_on, explain, not_passed, student_parts};

const LAB: &str = "beheer-monitoring.yml";

fn status<'r>(report: &'r Report, id: &str) -> &'r asbuilt::checks::report::ReportedCheck {
    report.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}"))
}

fn observed(report: &Report, id: &str) -> String {
    status(report, id).observed.as_ref().and_then(|o| o.en.clone()).unwrap_or_default()
}

/// What a student types: a log server that receives over UDP, routers that forward
/// everything to it, and an SNMP agent with the company's community on every address.
const STUDENT: [(&str, &str); 5] = [
    (
        "logsrv",
        "printf 'module(load=\"imudp\")\\ninput(type=\"imudp\" port=\"514\")\\n' > /etc/rsyslog.d/ontvangen.conf \
         && asbuilt-service restart rsyslog \
         && mkdir -p /srv/backups && chown beheer /srv/backups",
    ),
    (
        "r1",
        "echo '*.* @10.20.0.10:514' > /etc/rsyslog.d/naar-logsrv.conf && asbuilt-service restart rsyslog \
         && printf 'agentAddress udp:161\\nrocommunity vandijk-ro default\\n' > /etc/snmp/snmpd.conf \
         && asbuilt-service restart snmpd \
         && printf 'local stratum 8\\nallow all\\n' > /etc/chrony/conf.d/tijdserver.conf \
         && asbuilt-service restart chrony",
    ),
    (
        "r2",
        "echo '*.* @10.20.0.10:514' > /etc/rsyslog.d/naar-logsrv.conf && asbuilt-service restart rsyslog \
         && printf 'agentAddress udp:161\\nrocommunity vandijk-ro default\\n' > /etc/snmp/snmpd.conf \
         && asbuilt-service restart snmpd \
         && echo 'server 10.20.0.1 iburst' > /etc/chrony/conf.d/r1.conf && asbuilt-service restart chrony",
    ),
    // Each router's backup over SSH as the task says, the password given by SSH_ASKPASS
    // as a person would type it.
    ("r1", BACKUP_OVER_SSH),
    ("r2", BACKUP_OVER_SSH),
];

/// `vtysh -c 'show running-config' | ssh beheer@logsrv 'cat > /srv/backups/NODE.conf'`.
const BACKUP_OVER_SSH: &str = "printf '#!/bin/sh\\necho Backup-2026\\n' > /tmp/wachtwoord && chmod 700 /tmp/wachtwoord \
     && vtysh -c 'show running-config' | SSH_ASKPASS=/tmp/wachtwoord SSH_ASKPASS_REQUIRE=force \
        ssh -o StrictHostKeyChecking=accept-new beheer@10.20.0.10 \"cat > /srv/backups/$(hostname).conf\"";

#[tokio::test(flavor = "multi_thread")]
async fn the_monitoring_lab_fails_its_parts_handed_out_and_passes_once_the_student_configures_it() {
    let handed_out = example(LAB).design_for(Some("s1"));
    let suite = derive::suite(&handed_out);
    let lab = Deployed::new(handed_out.clone(), "t-mon-student").await;
    // The daemons run, with Debian's configuration: installed and enabled, not set up.
    for node in ["logsrv", "r1", "r2"] {
        let out = lab.run(node, "asbuilt-service status rsyslog").await;
        assert!(out.success(), "{node}: {out:?}");
    }
    assert!(lab.run("r1", "asbuilt-service status snmpd").await.success());

    let report = lab.grade(&handed_out, &suite).await;
    let expected = depending_on(&suite, &student_parts(&handed_out));
    let ids: BTreeSet<String> = [
        "syslog/r1",
        "syslog/r2",
        "snmp/r1",
        "snmp/r2",
        "ntp-server/r1",
        "ntp/r2",
        "ntp/logsrv",
        "backup/logsrv/r1",
        "backup/logsrv/r2",
    ]
    .map(String::from)
    .into();
    assert_eq!(expected, ids, "the student's parts are exactly the monitoring checks");
    assert_eq!(not_passed(&report), expected, "{}", explain(&report));

    for (node, command) in STUDENT {
        let out = lab.run(node, command).await;
        assert!(out.success(), "{node}: {command}: {out:?}");
    }
    let report = lab.grade(&handed_out, &suite).await;
    assert_eq!(not_passed(&report), BTreeSet::new(), "{}", explain(&report));
    assert_eq!((report.score.percent, report.exit_code()), (100.0, 0));
    // Where the message landed is the server's own business: Debian's rules put it in
    // /var/log/syslog here.
    assert!(observed(&report, "syslog/r2").contains("/var/log/"), "{}", observed(&report, "syslog/r2"));

    // The management PC reads the branch router's name over the network with the
    // image's own snmpget, as the task tells the student to test.
    let out =
        lab.run("pc-beheer", "snmpget -v2c -c vandijk-ro -t 2 -r 1 -Oqv 10.20.30.1 1.3.6.1.2.1.1.5.0").await;
    assert_eq!(out.stdout.trim().trim_matches('"'), "r2", "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_finished_lab_passes_and_an_agent_open_to_public_or_a_stopped_log_server_fails() {
    let finished = example(LAB).design_for(Some("s2")).solution();
    let suite = derive::suite(&finished);
    let lab = Deployed::new(finished.clone(), "t-mon-finished").await;
    let report = lab.grade(&finished, &suite).await;
    assert_eq!(not_passed(&report), BTreeSet::new(), "{}", explain(&report));
    assert!(
        observed(&report, "syslog/r1").contains("/var/log/remote/r1.log"),
        "{}",
        observed(&report, "syslog/r1")
    );
    assert!(observed(&report, "snmp/r1").contains("`public`: no answer"), "{}", observed(&report, "snmp/r1"));
    assert!(
        observed(&report, "ntp-server/r1").contains("stratum 8"),
        "{}",
        observed(&report, "ntp-server/r1")
    );
    assert!(observed(&report, "ntp/r2").contains("* 10.20.0.1"), "{}", observed(&report, "ntp/r2"));

    // r1 answers `public` as well: the community answers, so half the credit, and the
    // check fails. r2, configured as designed, passes in the same run.
    let open = "echo 'rocommunity public default' >> /etc/snmp/snmpd.conf && asbuilt-service restart snmpd";
    assert!(lab.run("r1", open).await.success());
    // The log server stops: the messages of both routers go nowhere. The time server
    // stops: asbuilt's NTP request goes unanswered, where it was answered a moment ago.
    assert!(lab.run("logsrv", "asbuilt-service stop rsyslog").await.success());
    assert!(lab.run("r1", "asbuilt-service stop chrony").await.success());
    let report = lab.grade(&finished, &suite).await;
    let r1 = status(&report, "snmp/r1");
    assert_eq!((r1.status, r1.earned), (Status::Fail, 0.5), "{}", explain(&report));
    assert!(observed(&report, "snmp/r1").contains("`public`: answers"), "{}", observed(&report, "snmp/r1"));
    assert_eq!(status(&report, "snmp/r2").status, Status::Pass, "{}", explain(&report));
    for id in ["syslog/r1", "syslog/r2"] {
        assert_eq!(status(&report, id).status, Status::Fail, "{id}: {}", explain(&report));
        assert!(observed(&report, id).contains("did not arrive"), "{}", observed(&report, id));
    }
    assert_eq!(status(&report, "ntp-server/r1").status, Status::Fail, "{}", explain(&report));
    assert_eq!(observed(&report, "ntp-server/r1"), "no NTP answer");
    // The backups asbuilt took at deploy match, until r1's configuration changes.
    assert!(observed(&report, "backup/logsrv/r1").contains("the same"), "{}", explain(&report));

    // r1 gets a route after its backup was taken: its backup fails, naming the line it
    // lacks; r2's, untouched, still passes.
    let changed = "vtysh -c 'configure terminal' -c 'ip route 192.0.2.0/24 10.20.12.2'";
    assert!(lab.run("r1", changed).await.success());
    let report = lab.grade(&finished, &suite).await;
    let r1 = status(&report, "backup/logsrv/r1");
    assert_eq!((r1.status, r1.earned), (Status::Fail, 0.5), "{}", explain(&report));
    let said = observed(&report, "backup/logsrv/r1");
    assert!(said.contains("the backup lacks `ip route 192.0.2.0/24 10.20.12.2`"), "{said}");
    assert_eq!(status(&report, "backup/logsrv/r2").status, Status::Pass, "{}", explain(&report));
}
