//! Scripts for a lab's fabric: one bridge per cable or segment, and what happens to a
//! cable end when it is pulled, made lossy or slow.
//!
//! The kernels schools run may lack `tc netem` (the machines asbuilt is developed on
//! do), so impairment is done by `asbuilt-impair` in the fabric image: the cable end
//! leaves its bridge and a small relay carries its frames to the bridge, dropping and
//! delaying them as asked. The same scripts serve every engine.

use super::script::{Script, quote};
use super::{LinkSetting, Plan, PortPlan, SegmentPlan};

/// Brings up the bridges and puts every cable end on its bridge. The veth ends are
/// already in the fabric, named after their ports.
pub fn wire_script(plan: &Plan) -> String {
    let mut script = Script::new();
    if plan.needs_vlans {
        // Fail with a reason rather than halfway through configuring a switch.
        script.step("check that this host's kernel supports VLANs");
        script.raw("ip link add asbcheck type bridge vlan_filtering 1 2>/dev/null || { echo \"this host's kernel cannot filter VLANs on a bridge (CONFIG_BRIDGE_VLAN_FILTERING), which this lab needs\" >&2; exit 1; }");
        script.raw("ip link add link asbcheck name asbcheck.10 type vlan id 10 2>/dev/null || { ip link del asbcheck; echo \"this host's kernel has no 802.1Q VLAN support (module 8021q), which this lab needs\" >&2; exit 1; }");
        script.raw("ip link del asbcheck");
    }
    for segment in &plan.segments {
        script.step(&format!("bridge {} for {}", segment.bridge, segment.name));
        // No STP and no forwarding delay: a cable is a cable. Multicast is flooded so
        // OSPF hellos always arrive; LLDP (group address bit 14) passes like on a wire.
        script.run(&[
            "ip",
            "link",
            "add",
            &segment.bridge,
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
            "mcast_snooping",
            "0",
            "group_fwd_mask",
            "0x4000",
        ]);
        script.run(&["ip", "link", "set", &segment.bridge, "up"]);
        for port in &segment.ports {
            script.run(&["ip", "link", "set", &port.port, "master", &segment.bridge, "up"]);
        }
    }
    script.render()
}

/// Puts cable ends that were made again (their node restarted) back on their bridges.
pub fn attach_script(plan: &Plan, ports: &[&PortPlan]) -> String {
    let mut script = Script::new();
    for port in ports {
        script.step(&format!("connect {}", port.endpoint));
        script.run(&["ip", "link", "set", &port.port, "master", &plan.segment_of(port).bridge, "up"]);
    }
    script.render()
}

/// Puts one cable end into the given state, from whatever state it was in.
pub fn link_script(segment: &SegmentPlan, port: &PortPlan, setting: LinkSetting) -> String {
    let p = &port.port;
    let relay = relay_name(p);
    let pidfile = format!("/run/asbuilt/impair-{p}.pid");
    let mut script = Script::new();
    script.step(&format!("reset {}", port.endpoint));
    script.raw(format!(
        "if [ -s {0} ]; then kill \"$(cat {0})\" 2>/dev/null || true; rm -f {0}; fi",
        quote(&pidfile)
    ));
    script.raw(format!("ip link del {} 2>/dev/null || true", quote(&relay)));
    script.run(&["ip", "link", "set", p, "promisc", "off", "master", &segment.bridge]);
    if setting.loss_percent > 0.0 || setting.delay_ms > 0 {
        script.step(&format!(
            "impair {}: {}% loss, {} ms delay",
            port.endpoint, setting.loss_percent, setting.delay_ms
        ));
        let bridge_side = format!("{relay}b");
        script.run(&["ip", "link", "set", p, "nomaster"]);
        script.run(&["ip", "link", "add", &relay, "type", "veth", "peer", "name", &bridge_side]);
        script.run(&["ip", "link", "set", &bridge_side, "master", &segment.bridge, "up"]);
        script.run(&["ip", "link", "set", &relay, "up", "promisc", "on"]);
        script.run(&["ip", "link", "set", p, "promisc", "on"]);
        script.raw("mkdir -p /run/asbuilt");
        script.raw(format!(
            "setsid asbuilt-impair {} {} {} {} </dev/null >/run/asbuilt/impair-{p}.log 2>&1 & echo $! > {}",
            quote(p),
            quote(&relay),
            setting.loss_percent,
            setting.delay_ms,
            quote(&pidfile)
        ));
    }
    script.step(&format!("{} {}", if setting.up { "plug in" } else { "pull" }, port.endpoint));
    script.run(&["ip", "link", "set", p, if setting.up { "up" } else { "down" }]);
    script.render()
}

/// The relay's veth for port `p0` is `r0` (its bridge side `r0b`).
fn relay_name(port: &str) -> String {
    format!("r{}", port.trim_start_matches('p'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::Endpoint;

    fn segment() -> SegmentPlan {
        SegmentPlan {
            name: "r1:eth1--r2:eth1".into(),
            bridge: "s0".into(),
            ports: vec![PortPlan {
                endpoint: Endpoint { node: "r1".into(), interface: "eth1".into() },
                port: "p0".into(),
            }],
        }
    }

    #[test]
    fn a_pulled_cable_is_a_port_set_down() {
        let s = segment();
        let script = link_script(&s, &s.ports[0], LinkSetting { up: false, ..LinkSetting::default() });
        assert!(script.contains("ip link set p0 down"), "{script}");
        assert!(!script.contains("asbuilt-impair"));
    }

    #[test]
    fn an_impaired_cable_runs_through_the_relay() {
        let s = segment();
        let script =
            link_script(&s, &s.ports[0], LinkSetting { up: true, loss_percent: 30.0, delay_ms: 100 });
        assert!(script.contains("ip link set p0 nomaster"), "{script}");
        assert!(script.contains("asbuilt-impair p0 r0 30 100"), "{script}");
        assert!(script.contains("ip link set r0b master s0 up"), "{script}");
    }
}
