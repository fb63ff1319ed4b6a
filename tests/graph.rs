//! `asbuilt graph`: real topology files drawn in every format, and the command itself.

use std::fmt::Write;
use std::process::Command;

use asbuilt::design::{Design, Lab};
use asbuilt::graph;
use asbuilt::topology::Source;

const DMZ: &str = include_str!("fixtures/graph/firewall.yml");
const CHAIN: &str = include_str!("fixtures/graph/chain.yml");
const SWITCH: &str = include_str!("fixtures/graph/switch-lan.yml");
const SHARED: &str = include_str!("fixtures/graph/shared.yml");
const VLANS: &str = include_str!("fixtures/graph/vlans.yml");
const AREAS: &str = include_str!("fixtures/graph/areas.yml");
const PORT_FORWARD: &str = include_str!("fixtures/checks/port-forward.yml");

const FIXTURES: [(&str, &str); 5] = [
    ("firewall.yml", DMZ),
    ("chain.yml", CHAIN),
    ("switch-lan.yml", SWITCH),
    ("shared.yml", SHARED),
    ("vlans.yml", VLANS),
];

fn lab(name: &str, text: &str) -> Lab {
    let source = Source::new(name, text);
    match Lab::load(&source) {
        Ok(lab) => lab,
        Err(errors) => panic!("{name} does not load: {errors:#?}"),
    }
}

fn design(name: &str, text: &str) -> Design {
    lab(name, text).design_for(None)
}

/// The text of every `<text>` element, tspans joined.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
    for attribute in ["width", "height", "viewBox", "version"] {
        assert!(root.has_attribute(attribute), "the svg has no {attribute}");
    }
    assert_eq!(root.attribute("font-family"), Some("sans-serif"));
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect())
        .collect()
}

/// Every address of every interface, with its prefix.
fn addresses(design: &Design) -> Vec<String> {
    design
        .nodes
        .values()
        .flat_map(|n| n.interfaces.values())
        .flat_map(|i| i.addresses.iter().map(|a| a.to_string()))
        .collect()
}

fn shown(texts: &[String], wanted: &str) -> bool {
    texts.iter().any(|t| t.split([' ', ',']).any(|w| w == wanted))
}

#[test]
fn the_svg_of_every_fixture_is_well_formed_and_shows_every_node_address_and_segment() {
    for (name, text) in FIXTURES {
        let design = design(name, text);
        let texts = svg_texts(&graph::svg(&design));
        for node in design.nodes.keys() {
            assert!(shown(&texts, node), "{name}: node {node} is not drawn");
        }
        for address in addresses(&design) {
            assert!(shown(&texts, &address), "{name}: {address} is not shown");
        }
        for segment in design.segments.iter().filter(|s| s.shared) {
            assert!(shown(&texts, &segment.name), "{name}: segment {} is not shown", segment.name);
        }
    }
}

#[test]
fn the_svg_shows_the_title_in_the_labs_language_and_a_legend() {
    let texts = svg_texts(&graph::svg(&design("firewall.yml", DMZ)));
    assert!(texts.iter().any(|t| t == "Een firewall met een DMZ"));
    assert!(texts.iter().any(|t| t == "firewall"));
    assert!(texts.iter().any(|t| t.starts_with("stippellijn")));
}

#[test]
fn the_svg_marks_what_the_student_builds() {
    let svg = graph::svg(&design("firewall.yml", DMZ));
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|t| t == "student bouwt: firewall, nat"));
    assert!(svg.contains("stroke-dasharray"));
}

#[test]
fn the_svg_shows_dhcp_loopbacks_subnets_and_vlans() {
    let texts = svg_texts(&graph::svg(&design("chain.yml", CHAIN)));
    assert!(texts.iter().any(|t| t == "dhcp"));
    assert!(texts.iter().any(|t| t == "lo 10.255.0.2/32"));
    let texts = svg_texts(&graph::svg(&design("shared.yml", SHARED)));
    assert!(texts.iter().any(|t| t == "lan-a 192.168.1.0/24, 2001:db8:1::/64"));
    let texts = svg_texts(&graph::svg(&design("vlans.yml", VLANS)));
    assert!(texts.iter().any(|t| t == "trunk 10,20"));
    assert!(texts.iter().any(|t| t == "eth1.10 192.168.10.1/24"));
}

#[test]
fn a_switch_left_at_vlan_1_does_not_say_so_on_every_port() {
    let texts = svg_texts(&graph::svg(&design("switch-lan.yml", SWITCH)));
    assert!(!texts.iter().any(|t| t == "vlan 1"));
}

#[test]
fn titles_with_markup_are_escaped() {
    let svg = graph::svg(&design("shared.yml", SHARED));
    assert!(svg.contains("Two LANs &amp; a &lt;shared&gt; &quot;backbone&quot;"));
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|t| t == r#"Two LANs & a <shared> "backbone""#));
}

#[test]
fn a_students_drawing_shows_the_students_addresses() {
    let lab = lab("firewall.yml", DMZ);
    let student = lab.design_for(Some("s42"));
    let teacher = lab.design_for(None);
    let theirs = addresses(&student);
    let texts = svg_texts(&graph::svg(&student));
    for address in &theirs {
        assert!(shown(&texts, address), "{address} is not shown");
    }
    let replaced: Vec<String> = addresses(&teacher).into_iter().filter(|a| !theirs.contains(a)).collect();
    assert!(!replaced.is_empty(), "the variant changes no address");
    for address in replaced {
        assert!(!shown(&texts, &address), "the teacher's {address} is shown");
    }
    assert!(texts.iter().any(|t| t.contains("student s42")));
}

#[test]
fn the_same_design_always_draws_the_same_bytes() {
    for (name, text) in FIXTURES {
        let design = design(name, text);
        for format in [graph::Format::Svg, graph::Format::Dot, graph::Format::Mermaid] {
            assert_eq!(graph::draw(&design, format), graph::draw(&design, format));
        }
    }
}

/// Ten routers in a chain, each with a LAN of four hosts: fifty nodes.
fn fifty_nodes() -> String {
    let mut yaml = String::from(
        "lab: big\ntitle: Fifty nodes\naddressing:\n  p2p: { pool: 10.0.0.0/16 }\n  lan: { pool: 10.100.0.0/16 }\nnodes:\n",
    );
    for r in 1..=10 {
        let _ = writeln!(yaml, "  r{r}: {{ kind: router }}");
        for h in 1..=4 {
            let _ = writeln!(yaml, "  h{r}x{h}: {{ kind: host }}");
        }
    }
    yaml.push_str("links:\n");
    for r in 1..10 {
        let _ = writeln!(yaml, "  - r{r}:eth1 -- r{}:eth2", r + 1);
    }
    yaml.push_str("segments:\n");
    for r in 1..=10 {
        let hosts: Vec<String> = (1..=4).map(|h| format!("h{r}x{h}:eth1")).collect();
        let _ = writeln!(yaml, "  lan{r}: [r{r}:eth3, {}]", hosts.join(", "));
    }
    yaml
}

#[test]
fn a_fifty_node_lab_draws_well_formed_with_every_node() {
    let design = design("big.yml", &fifty_nodes());
    assert_eq!(design.nodes.len(), 50);
    let texts = svg_texts(&graph::svg(&design));
    for node in design.nodes.keys() {
        assert!(shown(&texts, node), "node {node} is not drawn");
    }
    for address in addresses(&design) {
        assert!(shown(&texts, &address), "{address} is not shown");
    }
}

/// How many links (cables and shared-segment members) the design has.
fn link_count(design: &Design) -> usize {
    design.segments.iter().map(|s| if s.shared || s.members.len() != 2 { s.members.len() } else { 1 }).sum()
}

#[test]
fn dot_has_every_node_and_every_link_with_its_interfaces() {
    for (name, text) in FIXTURES {
        let design = design(name, text);
        let dot = graph::dot(&design);
        assert!(dot.starts_with("graph "), "{name}");
        assert!(dot.trim_end().ends_with('}'), "{name}");
        for (i, node) in design.nodes.keys().enumerate() {
            assert!(dot.contains(&format!("n{i} [label=\"{node}\\n")), "{name}: {node}");
        }
        let edges = dot.lines().filter(|l| l.contains(" -- ")).count();
        assert_eq!(edges, link_count(&design), "{name}");
        for address in addresses(&design) {
            assert!(dot.contains(&address), "{name}: {address}");
        }
    }
}

#[test]
fn dot_draws_shared_segments_as_points() {
    let dot = graph::dot(&design("shared.yml", SHARED));
    assert!(dot.contains("s0 [xlabel=\"backbone\\n10.0.0.0/24\", shape=point"));
    assert!(dot.contains("s0 -- n0 [headlabel=\"eth1\\n10.0.0.1/24\"]"));
}

#[test]
fn dots_legend_is_a_well_formed_table_with_a_row_per_entry() {
    let dot = graph::dot(&design("port-forward.yml", PORT_FORWARD));
    let line = dot.lines().find(|l| l.trim_start().starts_with("legend [")).expect("a legend");
    let table =
        line.split_once("label=<").and_then(|(_, rest)| rest.strip_suffix(">];")).expect("an HTML label");
    let doc = roxmltree::Document::parse(table).expect("the label is well-formed");
    let rows: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .map(|tr| tr.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect())
        .collect();
    assert_eq!(rows[0], "Legenda");
    for wanted in ["router", "firewallzone wan", "firewallzone lan", "NAT"] {
        assert!(rows.iter().any(|r| r.contains(wanted)), "{wanted}: {rows:?}");
    }
}

#[test]
fn mermaid_has_every_node_and_every_link_with_its_interfaces() {
    for (name, text) in FIXTURES {
        let design = design(name, text);
        let mermaid = graph::mermaid(&design);
        assert!(mermaid.contains("\nflowchart TD\n"), "{name}");
        for (i, node) in design.nodes.keys().enumerate() {
            let id = format!("n{i}");
            assert!(
                mermaid
                    .lines()
                    .any(|l| l.trim_start().starts_with(&id) && l.contains(&format!("\"{node}<br/>"))),
                "{name}: {node}"
            );
        }
        let edges = mermaid.lines().filter(|l| l.contains(" ---|")).count();
        assert_eq!(edges, link_count(&design), "{name}");
        for address in addresses(&design) {
            assert!(mermaid.contains(&address), "{name}: {address}");
        }
    }
}

#[test]
fn mermaid_escapes_the_title_and_labels() {
    let mermaid = graph::mermaid(&design("shared.yml", SHARED));
    assert!(mermaid.starts_with("---\ntitle: \"Two LANs & a <shared> \\\"backbone\\\"\"\n---\n"));
    assert!(mermaid.contains("s0((\"backbone<br/>10.0.0.0/24\"))"));
}

/// Every example lab in topologies/, and the fixtures that have what those lack (OSPF
/// areas other than 0, port forwards, ssh), by name.
fn labs_with_everything() -> Vec<(String, Design)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies");
    let mut labs: Vec<(String, Design)> = std::fs::read_dir(&dir)
        .expect("topologies/ can be read")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml"))
        .map(|path| {
            let name = path.file_name().expect("a name").to_string_lossy().into_owned();
            // Read from its folder: an example may name files beside it with `from:`.
            let source = Source::read(&path).expect("the lab can be read");
            let design = Lab::load(&source).expect("example labs load").design_for(None);
            (name, design)
        })
        .collect();
    labs.sort_by(|a, b| a.0.cmp(&b.0));
    labs.push(("areas.yml".into(), design("areas.yml", AREAS)));
    labs.push(("port-forward.yml".into(), design("port-forward.yml", PORT_FORWARD)));
    labs
}

/// What a drawing must say of a design besides its nodes and addresses, each with how
/// many times: every zone at each of its interfaces, NAT, every OSPF interface's area.
fn annotations(design: &Design) -> Vec<(String, usize)> {
    let mut wanted: Vec<(String, usize)> = Vec::new();
    for node in design.nodes.values() {
        if let Some(firewall) = &node.firewall {
            for (zone, interfaces) in &firewall.zones {
                wanted.push((format!("zone {zone}"), interfaces.len()));
            }
        }
        if let Some(nat) = &node.nat {
            if !nat.masquerade.is_empty() {
                wanted.push(("NAT masquerade".into(), nat.masquerade.len()));
            }
            for forward in &nat.port_forwards {
                wanted.push((format!("NAT {}/{} → ", forward.protocol, forward.port), 1));
            }
        }
        for entry in node.ospf.iter().flat_map(|o| &o.interfaces) {
            let number = u32::from(entry.area);
            let area = if number < 256 { number.to_string() } else { entry.area.to_string() };
            wanted.push((format!("OSPF area {area}"), 1));
        }
    }
    // The same text from several nodes is counted together.
    let mut merged: Vec<(String, usize)> = Vec::new();
    for (text, count) in wanted {
        match merged.iter_mut().find(|(t, _)| *t == text) {
            Some((_, total)) => *total += count,
            None => merged.push((text, count)),
        }
    }
    merged
}

/// The services a node offers, as their names.
fn services(design: &Design, node: &str) -> Vec<&'static str> {
    let s = &design.nodes[node].services;
    [
        ("http", s.http.is_some()),
        ("dns", s.dns.is_some()),
        ("dhcp", s.dhcp.is_some()),
        ("ssh", s.ssh.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(name, _)| name)
    .collect()
}

/// The texts of the box of `node` in an SVG: the group whose first text is its name.
fn svg_box(svg: &str, node: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed");
    let text = |n: roxmltree::Node| -> String {
        n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect()
    };
    doc.descendants()
        .filter(|g| g.has_tag_name("g"))
        .find(|g| g.children().find(|c| c.has_tag_name("text")).is_some_and(|t| text(t) == node))
        .map(|g| g.children().filter(|c| c.has_tag_name("text")).map(text).collect())
        .unwrap_or_default()
}

/// The line that declares node `i` in DOT or Mermaid.
fn declaration(drawing: &str, i: usize) -> &str {
    let id = format!("n{i}");
    drawing
        .lines()
        .find(|l| l.trim_start().strip_prefix(&id).is_some_and(|rest| rest.starts_with([' ', '(', '[', '{'])))
        .unwrap_or("")
}

#[test]
fn every_zone_nat_rule_ospf_area_and_service_is_drawn_in_every_format() {
    for (name, design) in labs_with_everything() {
        let svg = graph::svg(&design);
        let dot = graph::dot(&design);
        let mermaid = graph::mermaid(&design);
        // Counted in the drawing itself: the legend names them too.
        let legend = svg_legend(&svg);
        let drawn: Vec<String> = svg_texts(&svg).into_iter().filter(|t| !legend.contains(t)).collect();
        let outside_legend = |text: &str| {
            text.lines().filter(|l| !l.trim_start().starts_with("legend")).collect::<Vec<_>>().join("\n")
        };
        let (dot_drawn, mermaid_drawn) = (outside_legend(&dot), outside_legend(&mermaid));
        for (text, count) in annotations(&design) {
            let in_svg = drawn.iter().filter(|t| t.contains(&text)).count();
            assert_eq!(in_svg, count, "{name}: `{text}` in the SVG");
            assert_eq!(dot_drawn.matches(&text).count(), count, "{name}: `{text}` in DOT");
            assert_eq!(mermaid_drawn.matches(&text).count(), count, "{name}: `{text}` in Mermaid");
        }
        for (i, node) in design.nodes.keys().enumerate() {
            let in_box = svg_box(&svg, node);
            for service in services(&design, node) {
                let offered = |line: &str| {
                    line.split("\\n")
                        .chain(line.split("<br/>"))
                        .any(|l| l == service || l.starts_with(&format!("{service} ")))
                };
                assert!(
                    in_box.iter().any(|t| t == service || t.starts_with(&format!("{service} "))),
                    "{name}: {service} is not in the box of {node}: {in_box:?}"
                );
                assert!(offered(declaration(&dot, i)), "{name}: {service} on {node} in DOT");
                assert!(offered(declaration(&mermaid, i)), "{name}: {service} on {node} in Mermaid");
            }
        }
    }
}

#[test]
fn the_legend_explains_zones_nat_ospf_and_services_when_the_lab_has_them() {
    let texts = svg_texts(&graph::svg(&design("port-forward.yml", PORT_FORWARD)));
    for wanted in ["firewallzone wan", "firewallzone lan"] {
        assert!(texts.iter().any(|t| t == wanted), "{wanted} is not in the legend");
    }
    for start in ["NAT masquerade:", "NAT poort → server:poort:", "diensten die"] {
        assert!(texts.iter().any(|t| t.starts_with(start)), "no legend entry `{start}`");
    }
    let texts = svg_texts(&graph::svg(&design("areas.yml", AREAS)));
    assert!(texts.iter().any(|t| t.starts_with("OSPF area: the interface takes part in OSPF")));
    assert!(!texts.iter().any(|t| t.starts_with("NAT") || t.starts_with("firewall zone")), "{texts:?}");
}

#[test]
fn a_cable_in_a_firewall_zone_has_the_zones_colour_in_every_format() {
    let design = design("port-forward.yml", PORT_FORWARD);
    let svg = graph::svg(&design);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed");
    let stroke = |title: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .find(|n| n.descendants().any(|d| d.text() == Some(title)))
            .unwrap_or_else(|| panic!("no line {title}"))
            .attribute("stroke")
            .map(str::to_string)
    };
    let wan = stroke("isp:eth1 -- fw:eth1").expect("the wan cable is tinted");
    let lan = stroke("fw:eth2 -- sw1:eth1").expect("the lan cable is tinted");
    assert_ne!(wan, lan);
    assert_eq!(stroke("buiten:eth1 -- isp:eth2"), None, "a cable in no zone keeps the line colour");
    let dot = graph::dot(&design);
    assert_eq!(dot.lines().filter(|l| l.contains(" -- ") && l.contains("color=")).count(), 2);
    assert!(dot.contains(&format!("color=\"{wan}\"")));
    let mermaid = graph::mermaid(&design);
    assert_eq!(mermaid.lines().filter(|l| l.trim_start().starts_with("linkStyle")).count(), 2);
}

/// The texts of the SVG's legend: every text after the last box, which the legend is.
fn svg_legend(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed");
    let legend = doc.root_element().children().rfind(|n| n.has_tag_name("g")).expect("a legend");
    legend
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect())
        .collect()
}

/// Words only the English drawings use, and only the Dutch ones.
const ENGLISH: [&str; 5] = ["cable", "dashed outline", "student builds", "firewall zone", "services the"];
const DUTCH: [&str; 5] = ["kabel", "stippellijn", "student bouwt", "firewallzone", "diensten die"];

fn speaks(drawing: &str, words: &[&str]) -> bool {
    words.iter().all(|w| drawing.contains(w))
}

fn speaks_none(drawing: &str, words: &[&str]) -> bool {
    words.iter().all(|w| !drawing.contains(w))
}

#[test]
fn a_dutch_lab_is_drawn_in_dutch_and_an_english_one_in_english() {
    // dmz.yml is Dutch by default; the same lab with `language: en` is English.
    let dutch = design("dmz.yml", include_str!("../topologies/dmz.yml"));
    let english_text = include_str!("../topologies/dmz.yml").replace("\nnodes:", "\nlanguage: en\nnodes:");
    let english = design("dmz.yml", &english_text);
    for (design, ours, theirs, legend_title) in
        [(&dutch, &DUTCH, &ENGLISH, "Legenda"), (&english, &ENGLISH, &DUTCH, "Legend")]
    {
        let svg = graph::svg(design);
        let legend = svg_legend(&svg).join("\n");
        assert!(speaks(&legend, &ours[..2]), "{legend}");
        assert!(speaks(&svg, ours) && speaks_none(&svg, theirs), "{svg}");
        for drawing in [graph::dot(design), graph::mermaid(design)] {
            assert!(speaks(&drawing, ours) && speaks_none(&drawing, theirs), "{drawing}");
            assert!(drawing.contains(legend_title), "{drawing}");
        }
    }
    let svg = graph::svg(&dutch);
    assert!(svg_texts(&svg).iter().any(|t| t == "Een webserver in de DMZ"));
}

fn asbuilt() -> Command {
    Command::new(env!("CARGO_BIN_EXE_asbuilt"))
}

#[test]
fn the_command_writes_the_drawing_to_the_output_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("lab.yml");
    let output = dir.path().join("lab.svg");
    std::fs::write(&input, DMZ).expect("write the lab");
    let status = asbuilt().arg("graph").arg(&input).arg("-o").arg(&output).status().expect("run asbuilt");
    assert_eq!(status.code(), Some(0));
    let svg = std::fs::read_to_string(&output).expect("the drawing was written");
    assert_eq!(svg, graph::svg(&design("lab.yml", DMZ)));
    svg_texts(&svg);
}

#[test]
fn the_command_prints_other_formats_and_students_variants() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("lab.yml");
    std::fs::write(&input, DMZ).expect("write the lab");
    let out = asbuilt()
        .args(["graph", "--format", "mermaid", "--student", "s42"])
        .arg(&input)
        .output()
        .expect("run asbuilt");
    assert_eq!(out.status.code(), Some(0));
    let expected = graph::mermaid(&lab("lab.yml", DMZ).design_for(Some("s42")));
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn the_command_draws_in_the_language_asked_for() {
    let out = asbuilt()
        .args(["graph", "topologies/dmz.yml", "--lang", "en"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run asbuilt");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = String::from_utf8_lossy(&out.stdout);
    assert!(svg_texts(&svg).iter().any(|t| t == "A web server in the DMZ"));
    assert!(speaks(&svg, &ENGLISH) && speaks_none(&svg, &DUTCH));

    let out = asbuilt()
        .args(["graph", "tests/fixtures/graph/areas.yml", "--lang", "nl", "--format", "mermaid"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run asbuilt");
    let mermaid = String::from_utf8_lossy(&out.stdout);
    assert!(mermaid.contains("title: \"Twee OSPF-areas\"") && mermaid.contains("passief"), "{mermaid}");

    let out = asbuilt().args(["graph", "topologies/dmz.yml", "--lang", "de"]).output().expect("run asbuilt");
    assert_eq!(out.status.code(), Some(2), "clap refuses a language asbuilt does not speak");
}

#[test]
fn the_command_fails_with_1_on_an_invalid_topology() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("bad.yml");
    std::fs::write(&input, "lab: bad\ntitle: x\nnodes:\n  r1: { kind: toaster }\n").expect("write");
    let out = asbuilt().arg("graph").arg(&input).output().expect("run asbuilt");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn the_command_fails_with_2_when_it_cannot_write_the_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("lab.yml");
    std::fs::write(&input, DMZ).expect("write the lab");
    let output = dir.path().join("no-such-directory").join("lab.svg");
    let out = asbuilt().arg("graph").arg(&input).arg("-o").arg(&output).output().expect("run asbuilt");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed to write"), "{stderr}");
}
