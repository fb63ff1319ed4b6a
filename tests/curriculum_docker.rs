//! The curriculum's labs on the real Docker engine: a lab with written work scores full
//! marks when built completely and its rubric scored in full, and fails exactly the
//! student's parts when handed out; every fault of a lab's pool breaks exactly the
//! checks the design says it breaks, its scripted repair makes the lab score full marks
//! with nothing reported broken, and a repair that breaks something else is caught as a
//! regression. A blocking firewall rule, the one fault kind no shipped pool draws yet,
//! is held to its scripted repair on the DMZ lab, and a stopped service the design
//! starts at boot to `systemctl enable --now`.

mod common;
#[path = "support/repairs.rs"]
mod repairs;
#[path = "support/verdicts.rs"]
mod verdicts;

use std::collections::BTreeSet;

use asbuilt::checks::derive::{self, affected_by};
use asbuilt::checks::outcome::Status;
use asbuilt::checks::report::Report;
use asbuilt::checks::rubric::{ItemScore, RubricScores};
use asbuilt::design::Design;
use common::{Deployed, example};
use repairs::{Repair, repair};
use verdicts::{depending_on, explain, not_passed, student_parts};

/// The labs in topologies/ whose students draw their faults from a pool.
const POOL_LABS: [&str; 1] = ["melding-intranet.yml"];

/// The labs in topologies/ that students build and write about, graded with a rubric.
const RUBRIC_LABS: [&str; 4] =
    ["werkplek-instructie.yml", "onderhoud-accounts.yml", "onderhoud-herstel.yml", "webhosting-tls.yml"];

/// Full points on every rubric item: a grader's scores for a perfect hand-in.
fn full_marks(design: &Design) -> RubricScores {
    design.rubric.iter().map(|i| (i.id.clone(), ItemScore::Points(i.points))).collect()
}

async fn repaired(lab: &Deployed, design: &Design, fault_at: usize) {
    let fault = &design.faults[fault_at];
    match repair(design, fault) {
        Repair::Command { node, run } => {
            let out = lab.run(&node, &run).await;
            assert!(out.success(), "repair of {fault:?} on {node}: {run}: {out:?}");
        }
        other => panic!("no scripted repair for {fault:?}: {other:?}"),
    }
}

fn guarded_and_broken(report: &Report) -> (usize, Vec<String>) {
    let r = report.regressions.as_ref().expect("a lab with faults reports regressions");
    (r.guarded, r.broken.clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_of_a_pool_breaks_its_checks_and_its_scripted_repair_scores_full_marks() {
    for file in POOL_LABS {
        let lab = example(file);
        let student = lab.design_for(Some("s1"));
        let pool = student.fault_pool.clone().expect("a pool lab");
        for (i, fault) in pool.faults.iter().enumerate() {
            // The student who drew this fault: their design, with this fault alone.
            let mut design = student.clone();
            design.faults = vec![fault.clone()];
            let suite = derive::suite(&design);
            let name = format!("t-pool-{}-{i}", &file[..4]);
            let deployed = Deployed::new(design.clone(), &name).await;

            let at_start = deployed.grade(&design, &suite).await;
            let expected: BTreeSet<String> = affected_by(&design, &suite.checks, fault).into_iter().collect();
            assert_eq!(not_passed(&at_start), expected, "{file} {fault:?}:\n{}", explain(&at_start));
            let guarded = suite.checks.iter().filter(|c| c.worked_at_start).count();
            assert_eq!(
                guarded_and_broken(&at_start),
                (guarded, vec![]),
                "nothing is broken by the student yet"
            );

            repaired(&deployed, &design, 0).await;
            let mut after = deployed.grade(&design, &suite).await;
            assert_eq!(
                not_passed(&after),
                BTreeSet::new(),
                "{file} {fault:?} repaired:\n{}",
                explain(&after)
            );
            assert_eq!(guarded_and_broken(&after), (guarded, vec![]));
            after.score_rubric(&full_marks(&design)).unwrap();
            assert_eq!((after.score.percent, after.exit_code()), (100.0, 0), "{file} {fault:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repair_that_breaks_something_else_is_caught_as_a_regression() {
    let lab = example("melding-intranet.yml");
    let mut design = lab.design_for(Some("s2"));
    let stop_http = design
        .fault_pool
        .as_ref()
        .unwrap()
        .faults
        .iter()
        .find(|f| format!("{:?}", f.kind).contains("Http"))
        .unwrap();
    design.faults = vec![stop_http.clone()];
    let suite = derive::suite(&design);
    let deployed = Deployed::new(design.clone(), "t-pool-regression").await;

    // The web server is started again, as it should be, but the student also "tidied"
    // pc2's address away while looking around.
    repaired(&deployed, &design, 0).await;
    let broke = deployed.run("pc2", "ip address flush dev eth1").await;
    assert!(broke.success(), "{broke:?}");
    let report = deployed.grade(&design, &suite).await;
    let (_, broken) = guarded_and_broken(&report);
    let failing = not_passed(&report);
    assert!(!broken.is_empty(), "pc2's checks worked at the start:\n{}", explain(&report));
    assert!(broken.iter().all(|id| failing.contains(id)));
    assert!(broken.iter().any(|id| id.contains("pc2")), "{broken:?}");
    // Positive control: the ticket's own check passes, so the repair itself worked and
    // only the collateral damage is reported.
    assert!(!failing.contains("check-1"), "{}", explain(&report));
    assert_ne!(report.exit_code(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lab_with_written_work_scores_full_marks_built_and_scored_and_fails_its_parts_handed_out() {
    for file in RUBRIC_LABS {
        let lab = example(file);
        let handed_out = lab.design_for(Some("s3"));
        assert!(!handed_out.rubric.is_empty(), "{file} has a rubric");
        let complete = handed_out.clone().solution();
        let suite = derive::suite(&complete);
        // Distinct per lab: `onderhoud-accounts` and `onderhoud-herstel` share a start.
        let name = format!("t-rubric-{}", file.trim_end_matches(".yml").replace("onderhoud-", "o-"));
        let built = Deployed::new(complete.clone(), &format!("{name}-full")).await;
        let mut report = built.grade(&complete, &suite).await;
        assert_eq!(not_passed(&report), BTreeSet::new(), "{file}:\n{}", explain(&report));
        assert_eq!(report.counts.pending, complete.rubric.len(), "the rubric waits for the teacher");
        assert_ne!(report.exit_code(), 0);
        report.score_rubric(&full_marks(&complete)).unwrap();
        assert_eq!((report.score.percent, report.exit_code()), (100.0, 0), "{file}");
        drop(built);

        let suite = derive::suite(&handed_out);
        let blank = Deployed::new(handed_out.clone(), &format!("{name}-blank")).await;
        let report = blank.grade(&handed_out, &suite).await;
        let expected = depending_on(&suite, &student_parts(&handed_out));
        assert!(!expected.is_empty(), "{file}: the student has work to do");
        assert_eq!(not_passed(&report), expected, "{file}:\n{}", explain(&report));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn file_checks_see_an_applications_file_owner_mode_and_content_in_a_real_node() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks/file-facts.yml");
    let design = asbuilt::design::Lab::load(&asbuilt::topology::Source::read(&path).unwrap())
        .unwrap()
        .design_for(None);
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-file-facts").await;
    let report = lab.grade(&design, &suite).await;
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap();
    // Content, owner and mode as the teacher's files wrote them: all three hold.
    assert_eq!(status("check-1").status, asbuilt::checks::outcome::Status::Pass, "{}", explain(&report));
    // The owner holds but the mode does not: half the credit, and both shown.
    let wrong_mode = status("check-2");
    assert_eq!((wrong_mode.status, wrong_mode.earned), (asbuilt::checks::outcome::Status::Fail, 0.5));
    let seen = wrong_mode.observed.as_ref().and_then(|o| o.en.clone()).unwrap();
    assert!(seen.contains("owner www-data:www-data, mode 0640"), "{seen}");
    // The unprivileged check user cannot read a 0640 file of www-data: the check fails,
    // and says why, where root (check-1) read it.
    let unreadable = status("check-3");
    let seen = unreadable.observed.as_ref().and_then(|o| o.en.clone()).unwrap();
    assert!(seen.ends_with("not readable"), "{seen}");
    assert_eq!(status("check-4").status, asbuilt::checks::outcome::Status::Pass, "{}", explain(&report));
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_a_student_makes_their_own_way_pass_and_sudo_for_the_wrong_user_fails() {
    let handed_out = example("onderhoud-accounts.yml").design_for(Some("s4"));
    let suite = derive::suite(&handed_out);
    let lab = Deployed::new(handed_out.clone(), "t-accounts-typed").await;
    // srv as handed out, like a server fresh from installation: nginx and ssh run but do
    // not start at boot (half right), dnsmasq runs and does (all wrong).
    let mut boot_suite = suite.clone();
    boot_suite.checks.retain(|c| c.id.starts_with("boot/"));
    let at_start = lab.grade(&handed_out, &boot_suite).await;
    let said: Vec<(String, String)> = at_start
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.observed.as_ref().and_then(|o| o.en.clone()).unwrap_or_default()))
        .collect();
    let expected = [
        ("boot/srv/nginx", "disabled at boot, running now"),
        ("boot/srv/ssh", "disabled at boot, running now"),
        ("boot/srv/dnsmasq", "enabled at boot, running now"),
    ]
    .map(|(id, seen)| (id.to_string(), seen.to_string()));
    assert_eq!(said, expected, "{}", explain(&at_start));
    let earned: Vec<f64> = at_start.checks.iter().map(|c| c.earned / c.weight).collect();
    assert_eq!(earned, [0.5, 0.5, 0.0], "{}", explain(&at_start));
    // Sudo through Debian's group `sudo` rather than a file in /etc/sudoers.d/, as
    // asbuilt would do it: the check judges the rights, not the way to them.
    let typed = "groupadd webbeheer && useradd --create-home --groups webbeheer,sudo sanne \
                 && printf 'sanne:Intranet-2026\\n' | chpasswd && usermod -aG webbeheer joris \
                 && userdel --remove kees \
                 && systemctl enable --now nginx sshd.service && systemctl disable --now dnsmasq";
    let out = lab.run("srv", typed).await;
    assert!(out.success(), "{out:?}");
    // Sanne's key, made on pc1 and copied with ssh-copy-id as the task says; her
    // password answers ssh-copy-id's prompt (through SSH_ASKPASS, as a person would type it).
    let srv = handed_out.nodes["srv"].primary_address().unwrap();
    let keyed = format!(
        "printf '#!/bin/sh\\necho Intranet-2026\\n' > /tmp/pw && chmod 755 /tmp/pw \
         && runuser -u sanne -- ssh-keygen -q -t ed25519 -N '' -f /home/sanne/.ssh/id_ed25519 \
         && runuser -u sanne -- env SSH_ASKPASS=/tmp/pw SSH_ASKPASS_REQUIRE=force \
            ssh-copy-id -o StrictHostKeyChecking=accept-new sanne@{srv}"
    );
    let out = lab.run("pc1", &keyed).await;
    assert!(out.success(), "{out:?}");
    let report = lab.grade(&handed_out, &suite).await;
    assert_eq!(not_passed(&report), BTreeSet::new(), "{}", explain(&report));

    assert_eq!(report.checks.iter().find(|c| c.id == "login/srv/sanne").unwrap().status, Status::Pass);
    // What starts at boot is what srv's boot script starts: stopped by hand and booted
    // again (a node's restart would lose its cables), srv runs nginx and ssh, not dnsmasq.
    let boot = ["nginx", "ssh", "dnsmasq"].map(|s| format!("boot/srv/{s}"));
    assert!(boot.iter().all(|id| report.checks.iter().any(|c| c.id == *id)), "{}", explain(&report));
    let rebooted = "asbuilt-service stop nginx && asbuilt-service stop ssh && rm -f /run/asbuilt/ready \
                    && { /usr/local/sbin/asbuilt-start >/dev/null 2>&1 & boot=$!; } \
                    && for i in $(seq 100); do [ -e /run/asbuilt/ready ] && break; sleep 0.2; done \
                    && kill $boot && asbuilt-service status nginx && asbuilt-service status ssh \
                    && ! asbuilt-service status dnsmasq";
    let out = lab.run("srv", rebooted).await;
    assert!(out.success(), "{out:?}");

    // Joris gets sudo after all, and sanne another password: their checks fail, the
    // ones that passed a moment ago; sanne's sudo (the positive control) still passes.
    assert!(
        lab.run("srv", "usermod -aG sudo joris && printf 'sanne:Anders-2026\\n' | chpasswd").await.success()
    );
    let report = lab.grade(&handed_out, &suite).await;
    let expected: BTreeSet<String> = ["sudo/srv/joris", "login/srv/sanne"].map(String::from).into();
    // Her key still lets her in: the key check never offers a password.
    assert_eq!(not_passed(&report), expected, "{}", explain(&report));
    let login = report.checks.iter().find(|c| c.id == "login/srv/sanne").unwrap();
    let said = login.observed.as_ref().and_then(|o| o.en.clone()).unwrap();
    assert!(said.contains("Permission denied"), "{said}");
    let shown = serde_json::to_string(&report).unwrap();
    assert!(!shown.contains("Intranet-2026") && !shown.contains("Anders-2026"), "no password in the report");
    let joris = report.checks.iter().find(|c| c.id == "sudo/srv/joris").unwrap();
    let seen = joris.observed.as_ref().and_then(|o| o.en.clone()).unwrap();
    assert!(seen.contains("(ALL : ALL) ALL"), "{seen}");
}

/// The webhosting lab's web checks alone: the default page and the two sites.
const WEB_CHECKS: [&str; 3] =
    ["http/web", "site/web/www.vandijk-fietsen.nl", "site/web/intranet.vandijk-fietsen.nl"];

/// A student's own nginx layout: the sites in conf.d, the pages and the certificate in
/// folders of their choice, the certificate made with `make` (its name options).
fn sites_typed(certificate: &str) -> String {
    format!(
        "mkdir -p /srv/shop /srv/intranet /etc/ssl/shop \
         && echo '<h1>Van Dijk Fietsen: de fietsenwinkel van Veenendaal</h1>' > /srv/shop/index.html \
         && echo 'Intranet Van Dijk Fietsen: alleen voor medewerkers' > /srv/intranet/index.html \
         && echo 'Van Dijk Hosting: deze naam hoort bij geen site' > /var/www/html/index.html \
         && openssl req -x509 -newkey rsa:2048 -nodes -days 30 {certificate} \
              -keyout /etc/ssl/shop/key.pem -out /etc/ssl/shop/cert.pem 2>/dev/null \
         && printf '%s\\n' \
           'server {{ listen 443 ssl; server_name www.vandijk-fietsen.nl; root /srv/shop;' \
           '  ssl_certificate /etc/ssl/shop/cert.pem; ssl_certificate_key /etc/ssl/shop/key.pem; }}' \
           'server {{ listen 80; server_name www.vandijk-fietsen.nl; return 301 https://$host$request_uri; }}' \
           'server {{ listen 80; server_name intranet.vandijk-fietsen.nl; root /srv/intranet; }}' \
           > /etc/nginx/conf.d/sites.conf \
         && asbuilt-service reload nginx"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn web_sites_a_student_builds_pass_and_a_certificate_or_page_for_the_wrong_name_fails() {
    let handed_out = example("webhosting-tls.yml").design_for(Some("s5"));
    let mut suite = derive::suite(&handed_out);
    suite.checks.retain(|c| WEB_CHECKS.contains(&c.id.as_str()));
    assert_eq!(suite.checks.len(), WEB_CHECKS.len());
    let lab = Deployed::new(handed_out.clone(), "t-sites-typed").await;
    let failing = |report: &Report| not_passed(report);
    let said = |report: &Report, id: &str| {
        let check = report.checks.iter().find(|c| c.id == id).unwrap();
        check.observed.as_ref().and_then(|o| o.en.clone()).unwrap_or_default()
    };

    // Blank: Debian's own page for every name, and nothing on 443.
    let report = lab.grade(&handed_out, &suite).await;
    assert_eq!(failing(&report).len(), 3, "{}", explain(&report));

    // The student's own layout, with the name in the subjectAltName: every check passes.
    let good = "-subj /CN=www.vandijk-fietsen.nl -addext subjectAltName=DNS:www.vandijk-fietsen.nl";
    let out = lab.run("web", &sites_typed(good)).await;
    assert!(out.success(), "{out:?}");
    let report = lab.grade(&handed_out, &suite).await;
    assert_eq!(failing(&report), BTreeSet::new(), "{}", explain(&report));
    let shop = said(&report, "site/web/www.vandijk-fietsen.nl");
    assert!(shop.contains("certificate for www.vandijk-fietsen.nl"), "{shop}");

    // A certificate with the name only as its common name, as browsers no longer
    // accept: the shop fails on its certificate alone; the intranet still passes.
    let out = lab.run("web", &sites_typed("-subj /CN=www.vandijk-fietsen.nl")).await;
    assert!(out.success(), "{out:?}");
    let report = lab.grade(&handed_out, &suite).await;
    let expected: BTreeSet<String> = ["site/web/www.vandijk-fietsen.nl".to_string()].into();
    assert_eq!(failing(&report), expected, "{}", explain(&report));
    let shop = said(&report, "site/web/www.vandijk-fietsen.nl");
    assert!(shop.contains("status 200") && shop.contains("not for www.vandijk-fietsen.nl"), "{shop}");

    // One page for every name, no sites: the intranet's page passes its own check (the
    // positive control) and nothing else.
    let one_page = "rm /etc/nginx/conf.d/sites.conf \
                    && cp /srv/intranet/index.html /var/www/html/index.html && asbuilt-service reload nginx";
    assert!(lab.run("web", one_page).await.success());
    let report = lab.grade(&handed_out, &suite).await;
    let expected: BTreeSet<String> = ["http/web", "site/web/www.vandijk-fietsen.nl"].map(String::from).into();
    assert_eq!(failing(&report), expected, "{}", explain(&report));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocking_rule_breaks_its_checks_and_its_scripted_repair_takes_it_out() {
    // The DMZ lab, built, with one extra rule placed first that stops the LAN's web traffic.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/dmz.yml");
    let text = std::fs::read_to_string(path).unwrap()
        + "\nfaults:\n  - block: fw\n    rule: deny lan -> dmz tcp/80\n";
    let lab = asbuilt::design::Lab::load(&asbuilt::topology::Source::new("dmz.yml", text)).unwrap();
    let design = lab.design_for(Some("s6")).prebuilt();
    assert_eq!(design.faults.len(), 1);
    let suite = derive::suite(&design);
    let deployed = Deployed::new(design.clone(), "t-block-repair").await;

    let at_start = deployed.grade(&design, &suite).await;
    let expected: BTreeSet<String> =
        affected_by(&design, &suite.checks, &design.faults[0]).into_iter().collect();
    assert!(expected.contains("check-1"), "pc1's web page is blocked: {expected:?}");
    assert_eq!(not_passed(&at_start), expected, "{}", explain(&at_start));
    // Positive control: the internet's way to the web server is not the blocked one.
    assert!(!expected.contains("check-2"), "{expected:?}");

    repaired(&deployed, &design, 0).await;
    let after = deployed.grade(&design, &suite).await;
    assert_eq!(not_passed(&after), BTreeSet::new(), "{}", explain(&after));
    // The rule is gone from the file the node loads at boot too, not only from the kernel.
    let kept = deployed.run("fw", "grep -c 'deny lan -> dmz tcp/80' /etc/nftables.conf").await;
    assert_eq!(kept.stdout.trim(), "0", "{kept:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_service_the_design_starts_at_boot_is_repaired_only_by_enabling_it_again() {
    // The accounts lab, built, with its web server stopped: it is out of the boot lists
    // too, so starting it alone leaves its boot check half done.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/onderhoud-accounts.yml");
    let text = std::fs::read_to_string(path).unwrap() + "\nfaults:\n  - stop: srv:http\n";
    let lab =
        asbuilt::design::Lab::load(&asbuilt::topology::Source::new("onderhoud-accounts.yml", text)).unwrap();
    let design = lab.design_for(Some("s7")).prebuilt();
    let suite = derive::suite(&design);
    let deployed = Deployed::new(design.clone(), "t-boot-repair").await;

    let at_start = deployed.grade(&design, &suite).await;
    let expected: BTreeSet<String> =
        affected_by(&design, &suite.checks, &design.faults[0]).into_iter().collect();
    assert!(expected.contains("boot/srv/nginx") && expected.contains("http/srv"), "{expected:?}");
    assert_eq!(not_passed(&at_start), expected, "{}", explain(&at_start));
    // Positive control: ssh, enabled by the same step, starts at boot and runs.
    assert!(!expected.contains("boot/srv/ssh"), "{expected:?}");

    assert!(deployed.run("srv", "systemctl start nginx").await.success());
    let started = deployed.grade(&design, &suite).await;
    let boot = started.checks.iter().find(|c| c.id == "boot/srv/nginx").unwrap();
    assert_eq!((boot.status, boot.earned / boot.weight), (Status::Fail, 0.5), "{}", explain(&started));

    repaired(&deployed, &design, 0).await;
    let after = deployed.grade(&design, &suite).await;
    assert_eq!(not_passed(&after), BTreeSet::new(), "{}", explain(&after));
}

#[tokio::test(flavor = "multi_thread")]
async fn software_a_student_installs_offline_with_apt_passes_and_only_that_node_can_write_usr() {
    let handed_out = example("werkplek-instructie.yml").design_for(Some("s8"));
    let mut suite = derive::suite(&handed_out);
    suite.checks.retain(|c| c.id.starts_with("package/"));
    let ids: BTreeSet<String> = suite.checks.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let lab = Deployed::new(handed_out.clone(), "t-packages-typed").await;
    // As handed out: htop and zip missing, the telnet client installed.
    let at_start = lab.grade(&handed_out, &suite).await;
    assert_eq!(not_passed(&at_start), ids, "{}", explain(&at_start));
    assert!(lab.run("pc1", "command -v telnet").await.success(), "the client is there to remove");

    // The student's way, offline, from the image's repository. Purging `telnet` by that
    // name leaves the program, which Debian 12 keeps in inetutils-telnet: still a fail.
    let typed = "apt-get update -q && apt install -y htop zip && apt purge -y telnet";
    let out = lab.run("pc1", typed).await;
    assert!(out.success(), "{out:?}");
    let half = lab.grade(&handed_out, &suite).await;
    let expected: BTreeSet<String> = ["package/pc1/inetutils-telnet".to_string()].into();
    assert_eq!(not_passed(&half), expected, "{}", explain(&half));
    assert!(lab.run("pc1", "command -v telnet").await.success());
    let out = lab.run("pc1", "apt purge -y inetutils-telnet && ! command -v telnet").await;
    assert!(out.success(), "{out:?}");
    let done = lab.grade(&handed_out, &suite).await;
    assert_eq!(not_passed(&done), BTreeSet::new(), "{}", explain(&done));
    let htop = done.checks.iter().find(|c| c.id == "package/pc1/htop").unwrap();
    let seen = htop.observed.as_ref().and_then(|o| o.en.clone()).unwrap();
    assert!(seen.starts_with("htop ") && seen.ends_with(" is installed"), "{seen}");

    // Only a node with `packages` writes its /usr: on srv, which has none, dpkg meets a
    // read-only file system where pc1 (above, the positive control) installed.
    let refused = lab.run("srv", "apt-get install -y -q tree").await;
    assert!(!refused.success(), "{refused:?}");
    assert!(format!("{}{}", refused.stdout, refused.stderr).contains("Read-only file system"), "{refused:?}");
    assert!(!lab.run("srv", "command -v tree").await.success());
}
