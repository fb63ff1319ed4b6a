//! Smoke tests of asbuilt's node images against the real Docker engine.
//!
//! The first test to run builds every image (from nothing this takes minutes; when the
//! images exist with their current recipe hash it is skipped in milliseconds). Images are
//! never deleted here, so they stay cached between runs and are rebuilt only when a
//! recipe changes.
//!
//! Each test starts its containers on network mode "none" with exactly the capabilities
//! their kind gets (`NodeKind::capabilities`, `FABRIC_CAPABILITIES`), never privileged,
//! wires them with veth pairs it creates itself, and sends packets only between them. A
//! [`Lab`] guard removes its containers and veths when the test ends, passed or failed.

use std::process::Command;
use std::time::{Duration, Instant};

use asbuilt::images::{self, ImageError, ImageSpec, recipe::RecipeFile};
use asbuilt::kind::NodeKind;

#[path = "support/image_lab.rs"]
mod image_lab;
use image_lab::*;

#[tokio::test]
async fn every_image_is_labelled_with_its_kind_and_recipe_hash() {
    let lab = Lab::new().await;
    for spec in images::catalog().iter().filter(|spec| spec.name != "rootfs") {
        let image = lab.docker.inspect_image(&spec.reference()).await.expect("the image exists");
        let labels = image.config.and_then(|config| config.labels).unwrap_or_default();
        assert_eq!(labels.get("org.asbuilt.kind").map(String::as_str), Some(spec.name), "{}", spec.name);
        assert_eq!(labels.get("org.asbuilt.recipe-hash"), Some(&spec.hash), "{}", spec.name);
    }
}

#[tokio::test]
async fn router_image_answers_vtysh_show_version() {
    let mut lab = Lab::new().await;
    let router = lab.start(Image::Node(NodeKind::Router), "r1").await;
    let version = lab.wait_for(&router, "vtysh -c 'show version'", Duration::from_secs(20)).await;
    assert!(version.contains("FRRouting"), "{version}");
    // The hostname the engine gives the container is the router's name in FRR too.
    assert!(version.contains("(r1)"), "{version}");
    for daemon in ["watchfrr", "zebra", "staticd"] {
        lab.ok(&router, &format!("pgrep -x {daemon}")).await;
    }
    // No protocol daemon runs until it is switched on: each costs memory on every router.
    for daemon in ["ospfd", "bgpd", "ripd"] {
        assert_eq!(lab.sh(&router, &format!("pgrep -x {daemon}")).await.code, 1, "{daemon} runs");
    }
    lab.ok(&router, "asbuilt-service status frr").await;
}

#[tokio::test]
async fn router_applies_a_new_frr_conf_when_the_service_is_reloaded() {
    let mut lab = Lab::new().await;
    let router = lab.start(Image::Node(NodeKind::Router), "r2").await;
    lab.wait_for(&router, "vtysh -c 'show version'", Duration::from_secs(20)).await;
    // A student who wants a protocol the lab did not switch on does what the daemons
    // file says.
    lab.ok(&router, "sed -i 's/^ospfd=no/ospfd=yes/' /etc/frr/daemons && asbuilt-service restart frr").await;
    lab.ok(&router, "pgrep -x ospfd").await;
    lab.ok(
        &router,
        "printf 'frr defaults traditional\\nip route 198.51.100.0/24 Null0\\nrouter ospf\\n ospf router-id 10.0.0.2\\n' \
         > /etc/frr/frr.conf && asbuilt-service reload frr",
    )
    .await;
    let routes = lab.ok(&router, "vtysh -c 'show ip route static'").await;
    assert!(routes.contains("198.51.100.0/24"), "{routes}");
    let ospf = lab.ok(&router, "vtysh -c 'show ip ospf'").await;
    assert!(ospf.contains("10.0.0.2"), "{ospf}");
    // A stopped service reports "not running" (3), the contract the engine's faults use.
    lab.ok(&router, "asbuilt-service stop frr").await;
    assert_eq!(lab.sh(&router, "asbuilt-service status frr").await.code, 3);
}

#[tokio::test]
async fn router_image_loads_an_nftables_rule_set_for_its_nat() {
    let mut lab = Lab::new().await;
    let router = lab.start(Image::Node(NodeKind::Router), "edge").await;
    // The rule set is loaded at boot, so a NAT a student saved in /etc/nftables.conf
    // is back after a restart of the node.
    lab.ok(&router, "asbuilt-service status nftables").await;
    lab.ok(
        &router,
        "printf 'flush ruleset\\ntable inet lab {\\n chain postrouting {\\n  type nat hook postrouting priority srcnat;\\n  \
         oifname \"eth1\" masquerade\\n }\\n}\\n' > /etc/nftables.conf && asbuilt-service reload nftables",
    )
    .await;
    let ruleset = lab.ok(&router, "nft list ruleset").await;
    assert!(ruleset.contains("oifname \"eth1\" masquerade"), "{ruleset}");
}

#[tokio::test]
async fn firewall_image_runs_frr_and_lists_its_nftables_ruleset() {
    let mut lab = Lab::new().await;
    let firewall = lab.start(Image::Node(NodeKind::Firewall), "fw1").await;
    let version = lab.wait_for(&firewall, "vtysh -c 'show version'", Duration::from_secs(20)).await;
    assert!(version.contains("FRRouting"), "{version}");
    // The default /etc/nftables.conf was loaded at boot.
    let ruleset = lab.ok(&firewall, "nft list ruleset").await;
    assert!(ruleset.contains("table inet filter"), "{ruleset}");
    // A policy written to /etc/nftables.conf replaces it on reload.
    lab.ok(
        &firewall,
        "printf 'flush ruleset\\ntable inet lab {\\n chain forward {\\n  type filter hook forward priority 0; policy drop;\\n  \
         tcp dport 80 accept\\n }\\n}\\n' > /etc/nftables.conf && asbuilt-service reload nftables",
    )
    .await;
    let ruleset = lab.ok(&firewall, "nft list ruleset").await;
    assert!(ruleset.contains("table inet lab") && !ruleset.contains("table inet filter"), "{ruleset}");
    lab.ok(&firewall, "iptables -L FORWARD -n && conntrack -L").await;
}

#[tokio::test]
async fn server_image_serves_a_page_with_nginx() {
    let mut lab = Lab::new().await;
    let server = lab.start(Image::Node(NodeKind::Server), "web1").await;
    lab.ok(&server, "echo 'hello from web1' > /var/www/html/index.html").await;
    let page = lab.ok(&server, "curl -fsS http://127.0.0.1/").await;
    assert_eq!(page.trim(), "hello from web1");
    lab.ok(&server, "asbuilt-service status nginx && asbuilt-service status ssh").await;
    // sshd made a host key of its own at first start.
    let key = lab.ok(&server, "ssh-keyscan -t ed25519 127.0.0.1 2>/dev/null").await;
    assert!(key.contains("ssh-ed25519"), "{key}");
}

#[tokio::test]
async fn what_systemctl_enables_starts_after_a_restart_and_what_it_disables_does_not() {
    let mut lab = Lab::new().await;
    let server = lab.start(Image::Node(NodeKind::Server), "srv").await;
    let active = |name: &'static str| {
        let (lab, server) = (&lab, &server);
        async move { lab.sh(server, &format!("systemctl is-active {name}")).await.text.trim().to_string() }
    };
    // A server boots nginx, dnsmasq and ssh.
    assert_eq!(
        lab.ok(&server, "systemctl is-enabled nginx.service dnsmasq sshd").await,
        "enabled\nenabled\nenabled\n"
    );
    lab.ok(&server, "systemctl disable --now dnsmasq.service && systemctl disable nginx").await;
    assert_eq!(active("dnsmasq").await, "inactive", "--now stops it");
    assert_eq!(active("nginx").await, "active", "without --now it runs on until the restart");
    assert_eq!(lab.sh(&server, "systemctl is-enabled nginx").await.code, 3);
    lab.restart(&server).await;
    assert_eq!(active("nginx").await, "inactive");
    assert_eq!(active("dnsmasq").await, "inactive");
    assert_eq!(active("ssh").await, "active", "the positive control: what stayed enabled came back");
    // And the other way: enabled again, nginx runs now and after the next restart.
    lab.ok(&server, "systemctl enable --now nginx").await;
    assert_eq!(active("nginx").await, "active");
    lab.restart(&server).await;
    assert_eq!(active("nginx").await, "active");
    assert_eq!(active("dnsmasq").await, "inactive");
    // A verb or a service the node does not have is refused, saying what it knows.
    let unknown = lab.sh(&server, "systemctl enable apache2").await;
    assert_eq!(unknown.code, 2, "{}", unknown.text);
    assert!(unknown.text.contains("no service 'apache2'"), "{}", unknown.text);
    let verb = lab.sh(&server, "systemctl mask nginx").await;
    assert!(verb.code != 0 && verb.text.contains("no systemd"), "{}", verb.text);
}

#[tokio::test]
async fn server_dnsmasq_hands_a_lease_and_answers_dns_for_a_host_container() {
    let mut lab = Lab::new().await;
    let server = lab.start(Image::Node(NodeKind::Server), "srv1").await;
    let host = lab.start(Image::Node(NodeKind::Host), "pc1").await;
    lab.wire(&server, "eth1", &host, "eth1").await;
    lab.ok(
        &server,
        &format!(
            "ip addr add {NET}.1/24 dev eth1 \
             && printf 'interface=eth1\\ndhcp-range={NET}.100,{NET}.150,255.255.255.0,1h\\naddress=/www.lab/{NET}.1\\n' \
                > /etc/dnsmasq.d/lab.conf \
             && asbuilt-service reload dnsmasq \
             && echo 'page for pc1' > /var/www/html/index.html"
        ),
    )
    .await;

    let lease = lab.ok(&host, "timeout 30 dhclient -v -1 eth1 2>&1 && ip -4 -o addr show dev eth1").await;
    assert!(lease.contains(&format!("inet {NET}.1")), "no lease from dnsmasq:\n{lease}");
    // The lease named dnsmasq as the DNS server, and it answers for the lab's names.
    let resolv = lab.ok(&host, "cat /etc/resolv.conf").await;
    assert!(resolv.contains(&format!("nameserver {NET}.1")), "{resolv}");
    let answer = lab.ok(&host, "dig +short +time=2 +tries=3 www.lab").await;
    assert_eq!(answer.trim(), format!("{NET}.1"));
    let page = lab.ok(&host, "curl -fsS --max-time 5 http://www.lab/").await;
    assert_eq!(page.trim(), "page for pc1");
}

#[tokio::test]
async fn switch_bridges_two_hosts() {
    let mut lab = Lab::new().await;
    let switch = lab.start(Image::Node(NodeKind::Switch), "sw1").await;
    let h1 = lab.start(Image::Node(NodeKind::Host), "h1").await;
    let h2 = lab.start(Image::Node(NodeKind::Host), "h2").await;
    lab.wire(&h1, "eth1", &switch, "eth1").await;
    lab.wire(&h2, "eth1", &switch, "eth2").await;
    // A plain bridge, as every kernel has: with VLANs, see tests/kernel_features.rs.
    lab.ok(
        &switch,
        "ip link add br0 type bridge && ip link set br0 up && ip link set eth1 master br0 && ip link set eth2 master br0",
    )
    .await;
    lab.ok(&h1, &format!("ip addr add {NET}.11/24 dev eth1")).await;
    lab.ok(&h2, &format!("ip addr add {NET}.12/24 dev eth1")).await;
    // The bridge forwards only once the ports have left the listening state.
    lab.wait_for(&h1, &format!("ping -c 1 -W 1 {NET}.12"), Duration::from_secs(20)).await;
    lab.ok(&h1, &format!("ping -c 3 -i 0.2 -W 1 {NET}.12")).await;
}

#[tokio::test]
async fn fabric_image_can_bridge_impair_and_capture() {
    let mut lab = Lab::new().await;
    let fabric = lab.start(Image::Fabric, "fabric").await;
    // A bridge with a port, the impairment relay running between two cable ends (its
    // effect on traffic is tested with real labs in engine_docker.rs), and a capture by
    // tcpdump as its own user, to standard output (the fabric may not hand a file to
    // that user).
    lab.ok(
        &fabric,
        "ip link add seg1 type bridge && ip link set seg1 up \
         && ip link add p1 type veth peer name p1x && ip link set p1 master seg1 && ip link set p1 up \
         && ip link add r1 type veth peer name r1b && ip link set r1 up && ip link set r1b master seg1 up \
         && (asbuilt-impair p1x r1 10 20 >/tmp/impair.log 2>&1 &) && sleep 0.5 \
         && grep -q '10.0% loss, 20 ms delay' /tmp/impair.log && pgrep -x asbuilt-impair >/dev/null \
         && timeout 1 tcpdump -i seg1 -c 1 -w - >/dev/null; test $? -eq 124",
    )
    .await;
    let usage = lab.sh(&fabric, "asbuilt-impair").await;
    assert_eq!(usage.code, 2, "without arguments it says how to use it: {}", usage.text);
}

#[tokio::test]
async fn every_node_image_runs_tini_first_and_shows_the_node_name_in_its_prompt() {
    let mut lab = Lab::new().await;
    for kind in NodeKind::ALL.into_iter().filter(|kind| kind.builtin_image().is_some()) {
        let hostname = format!("{kind}-7");
        let node = lab.start(Image::Node(kind), &hostname).await;
        let init = lab.ok(&node, "cat /proc/1/comm").await;
        assert_eq!(init.trim(), "tini", "{kind}");
        let prompt = lab.ok(&node, "echo exit | bash -i 2>&1").await;
        assert!(prompt.contains(&format!("root@{hostname}:/# ")), "{kind} prompt:\n{prompt}");
        lab.ok(
            &node,
            &has_commands(
                "ip bridge tc tcpdump ps pgrep nano less tini ping traceroute curl dig asbuilt-service",
            ),
        )
        .await;
        // What checkers written for other tools run in a node (kathara-lab-checker's
        // `ip -j`, `bridge -j`): JSON from iproute2.
        let json = lab.ok(&node, "ip -j address show dev lo && bridge -j vlan show").await;
        assert!(json.trim_start().starts_with('['), "{kind}: {json}");
        let editor = lab.ok(&node, "echo 'echo editor=$EDITOR' | bash -i 2>/dev/null").await;
        assert!(editor.contains("editor=nano"), "{kind}: {editor}");
        // Images carry no downloaded packages, and no package lists but the host's and
        // server's of their own repository (`images/host/asbuilt-lab-repository`).
        lab.ok(&node, "test -z \"$(ls /var/lib/apt/lists | grep -v -e partial -e lock -e auxfiles -e _usr_share_asbuilt_repository_)\" && test -z \"$(ls /var/cache/apt/archives | grep -v -e partial -e lock)\"").await;
        if matches!(kind, NodeKind::Host | NodeKind::Server) {
            let source = lab.ok(&node, "apt-get indextargets --format '$(SITE)' | sort -u").await;
            assert_eq!(source.trim(), "file:/usr/share/asbuilt/repository", "{kind}: apt's only source");
        }
    }
}

#[tokio::test]
async fn host_image_has_the_client_tools() {
    let mut lab = Lab::new().await;
    let host = lab.start(Image::Node(NodeKind::Host), "pc9").await;
    lab.ok(&host, &has_commands("ping traceroute curl dig dhclient ssh iperf3 nmap nc")).await;
    // The daemons are installed, for a design that gives a host a service, and stopped.
    assert_eq!(lab.sh(&host, "asbuilt-service status nginx").await.code, 3, "a host's nginx is off");
}

#[tokio::test]
async fn a_missing_custom_image_is_reported_by_name() {
    let lab = Lab::new().await;
    let error = images::require_custom_image(&lab.docker, "school/no-such-image:1.0").await.unwrap_err();
    assert!(matches!(error, ImageError::CustomImageMissing { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("school/no-such-image:1.0") && text.contains("does not build custom images"),
        "{text}"
    );
    // A builtin image is a custom image's equal here: it exists.
    images::require_custom_image(&lab.docker, &images::image_ref("host").unwrap()).await.unwrap();
}

const BROKEN_RECIPE: &[RecipeFile] = &[RecipeFile {
    path: "Dockerfile",
    mode: 0o644,
    contents: b"ARG PARENT_IMAGE\nFROM ${PARENT_IMAGE}\nRUN echo 'about to fail: no such package' && false\nLABEL never=reached\n",
}];

#[tokio::test]
async fn a_failed_build_names_the_failing_step_and_keeps_its_log() {
    let lab = Lab::new().await;
    let base = images::recipe::find("base").expect("the base recipe");
    let spec = ImageSpec {
        name: "broken-test",
        parent: Some("base"),
        builder: images::Builder::Dockerfile,
        dir: "broken-test",
        files: BROKEN_RECIPE,
        hash: images::recipe::recipe_hash("broken-test", Some(&base.hash), BROKEN_RECIPE),
    };
    let error = images::build_spec(&lab.docker, &spec, &options(), &images::Silent).await.unwrap_err();
    let ImageError::BuildStep { image, step, tail, log, .. } = &error else {
        panic!("expected a failed step, got {error:?}");
    };
    assert_eq!(image, &spec.reference());
    // Four steps in the recipe, plus the two labels asbuilt stamps through the API.
    assert_eq!(step, "step 3/6 RUN echo 'about to fail: no such package' && false");
    assert!(tail.iter().any(|line| line.contains("about to fail: no such package")), "{tail:?}");
    let logged = std::fs::read_to_string(log).expect("the build log exists");
    assert!(logged.contains("about to fail: no such package"), "{logged}");
    assert!(error.to_string().contains("returned a non-zero code: 1"), "{error}");
}

/// Runs the asbuilt binary with test logs under the target folder.
fn asbuilt(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_asbuilt"))
        .args(args)
        .env("ASBUILT_STATE_DIR", options().state_dir)
        .output()
        .expect("run asbuilt")
}

#[test]
fn images_build_skips_unchanged_images_in_well_under_a_second() {
    images_built();
    let started = Instant::now();
    let output = asbuilt(&["images", "build"]);
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("0 built, 8 up to date"), "{stdout}");
    eprintln!("no-op `asbuilt images build` took {elapsed:?}");
    // The measured figure is a few tens of milliseconds; the margin absorbs a busy CI host.
    assert!(elapsed < Duration::from_secs(1), "a no-op build took {elapsed:?}");
}

#[test]
fn images_list_reports_every_image_built_with_its_size() {
    images_built();
    let output = asbuilt(&["images", "list", "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("list --json prints JSON");
    let rows = list["images"].as_array().expect("an images array");
    assert_eq!(rows.len(), images::catalog().len());
    for (row, spec) in rows.iter().zip(images::catalog()) {
        assert_eq!(row["name"], spec.name);
        assert_eq!(row["reference"], spec.reference());
        assert_eq!(row["built"], true, "{row}");
        assert!(row["size_bytes"].as_u64().unwrap() > 10_000_000, "{row}");
    }
    let total = list["total_unique_bytes"].as_u64().unwrap();
    let largest = rows.iter().map(|row| row["size_bytes"].as_u64().unwrap()).max().unwrap();
    let sum: u64 = rows.iter().map(|row| row["size_bytes"].as_u64().unwrap()).sum();
    assert!(total >= largest && total < sum, "shared layers are counted once: {total} of {sum}");
}

#[test]
fn images_build_rejects_an_unknown_kind_with_exit_code_2() {
    let output = asbuilt(&["images", "build", "--kind", "nas"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nas") && stderr.contains("router"), "{stderr}");
}

const LOCAL_DEBIAN_RECIPE: &[RecipeFile] = &[
    RecipeFile {
        path: "rootfs.conf",
        mode: 0o644,
        contents: b"suite = asbuilt-local-test\nvariant = minbase\n",
    },
    RecipeFile { path: "dpkg-excludes", mode: 0o644, contents: b"path-exclude=/usr/share/man/*\n" },
];

#[tokio::test]
async fn a_local_debian_image_is_used_instead_of_debootstrap() {
    let lab = Lab::new().await;
    // Stand in for a debian:<suite> image an admin loaded: the rootfs, under that name.
    let rootfs = images::recipe::find("rootfs").expect("the rootfs recipe").reference();
    let local = "debian:asbuilt-local-test";
    let tag = |reference: &str| {
        let (repo, tag) = reference.split_once(':').unwrap();
        bollard::query_parameters::TagImageOptionsBuilder::default().repo(repo).tag(tag).build()
    };
    lab.docker.tag_image(&rootfs, Some(tag(local))).await.expect("tag the stand-in");
    let spec = ImageSpec {
        name: "rootfs-local-test",
        parent: None,
        builder: images::Builder::Rootfs,
        dir: "base",
        files: LOCAL_DEBIAN_RECIPE,
        hash: images::recipe::recipe_hash("rootfs-local-test", None, LOCAL_DEBIAN_RECIPE),
    };
    let result = images::build_spec(&lab.docker, &spec, &options(), &images::Silent).await;
    let made = lab.docker.inspect_image(&spec.reference()).await.map(|image| image.id);
    let original = lab.docker.inspect_image(&rootfs).await.map(|image| image.id);
    // Only the two extra names this test made are removed; the image keeps its own tag.
    let untag = bollard::query_parameters::RemoveImageOptionsBuilder::default().noprune(true).build();
    for name in [local.to_string(), spec.reference()] {
        let _ = lab.docker.remove_image(&name, Some(untag.clone()), None).await;
    }
    result.expect("the rootfs is made from the local image");
    assert_eq!(made.expect("the new tag exists"), original.expect("the rootfs exists"));
}

const UNREACHABLE_MIRROR_RECIPE: &[RecipeFile] = &[
    RecipeFile { path: "rootfs.conf", mode: 0o644, contents: b"suite = bookworm\nvariant = minbase\n" },
    RecipeFile { path: "dpkg-excludes", mode: 0o644, contents: b"path-exclude=/usr/share/man/*\n" },
];

#[tokio::test]
async fn a_failed_debootstrap_says_what_it_tried_and_leaves_no_work_folder() {
    let lab = Lab::new().await;
    let spec = ImageSpec {
        name: "rootfs-failure-test",
        parent: None,
        builder: images::Builder::Rootfs,
        dir: "base",
        files: UNREACHABLE_MIRROR_RECIPE,
        hash: images::recipe::recipe_hash("rootfs-failure-test", None, UNREACHABLE_MIRROR_RECIPE),
    };
    // Nothing listens on the discard port of loopback, so debootstrap fails at once.
    let mut options = options();
    options.mirror = "http://127.0.0.1:9/debian".to_string();
    let error = images::build_spec(&lab.docker, &spec, &options, &images::Silent).await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, ImageError::Debootstrap { .. }), "{error:?}");
    assert!(text.contains("bookworm from http://127.0.0.1:9/debian"), "{text}");
    assert!(text.contains("full log: "), "{text}");
    assert!(!options.state_dir.join("work").join(format!("rootfs-{}", spec.hash)).exists());
    assert!(lab.docker.inspect_image(&spec.reference()).await.is_err(), "no image for a failed debootstrap");
}
