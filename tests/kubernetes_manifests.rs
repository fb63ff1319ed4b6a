//! The Kubernetes engine's objects, with no cluster: every example lab's manifests
//! against golden files, every object read back into the Kubernetes API's own types
//! (k8s-openapi) without losing a field, the confinement each pod asks for, and the
//! dry run on the command line printing exactly these.

use std::path::{Path, PathBuf};
use std::process::Command;

use asbuilt::design::Lab;
use asbuilt::engine::kubernetes::manifests::{self, ManifestError, Seccomp, Settings};
use asbuilt::images::{BUILTIN_IMAGES, ImageSource};
use asbuilt::kind::NodeKind;
use asbuilt::plan::{CableTransport, InstanceId, Plan, plan};
use asbuilt::topology::Source;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde_json::Value;

fn example_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "yml"));
    paths.sort();
    paths
}

/// A lab's plan as the Kubernetes engine builds it: a student's variant, tunnels.
fn cluster_plan(path: &Path) -> Plan {
    let lab = Lab::load(&Source::read(path).unwrap()).unwrap();
    let design = lab.design_for(Some("s123456"));
    let instance = InstanceId::for_lab(&design.lab, Some("s123456"));
    let mut plan = plan(&design, instance);
    plan.transport = CableTransport::Vxlan;
    plan
}

/// The YAML with each image's tag (a hash of its recipe, which changes with every
/// recipe) put as `<tag>`, so a golden file changes only when the manifests do.
fn without_tags(yaml: &str) -> String {
    let mut out = yaml.to_string();
    for name in BUILTIN_IMAGES {
        let reference = ImageSource::Local.reference(name).unwrap();
        let (repository, _) = reference.rsplit_once(':').unwrap();
        out = out.replace(&reference, &format!("{repository}:<tag>"));
    }
    out
}

#[test]
fn every_example_labs_manifests_match_their_golden_files() {
    for path in example_files() {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let objects = manifests::manifests(&cluster_plan(&path), &Settings::default()).unwrap();
        insta::with_settings!({ snapshot_path => "snapshots/kubernetes", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, without_tags(&objects.to_yaml()));
        });
    }
}

/// Reads a document into its k8s-openapi type and writes it out again.
fn round_trip(doc: &Value) -> Value {
    fn again<T: serde::de::DeserializeOwned + serde::Serialize>(doc: &Value) -> Value {
        let typed: T = serde_json::from_value(doc.clone()).unwrap_or_else(|e| panic!("{e}: {doc:#}"));
        serde_json::to_value(typed).unwrap()
    }
    match doc["kind"].as_str() {
        Some("Namespace") => again::<Namespace>(doc),
        Some("NetworkPolicy") => again::<NetworkPolicy>(doc),
        Some("ConfigMap") => again::<ConfigMap>(doc),
        Some("Pod") => again::<Pod>(doc),
        other => panic!("an object of an unexpected kind {other:?}"),
    }
}

/// The YAML documents, as JSON values.
fn documents(yaml: &str) -> Vec<Value> {
    yaml.split("\n---\n")
        .map(|doc| {
            let value: serde_yaml::Value = serde_yaml::from_str(doc).unwrap();
            serde_json::to_value(value).unwrap()
        })
        .collect()
}

#[test]
fn every_object_reads_back_into_the_kubernetes_types_without_losing_a_field() {
    let mut kinds = std::collections::BTreeSet::new();
    for path in example_files() {
        let plan = cluster_plan(&path);
        let objects = manifests::manifests(&plan, &Settings::default()).unwrap();
        let docs = documents(&objects.to_yaml());
        // A namespace, three policies, the pods (fabric and nodes), the ConfigMaps.
        assert_eq!(
            docs.len(),
            1 + 3 + 1 + plan.nodes.len() + objects.config_maps.len(),
            "{}",
            path.display()
        );
        for doc in &docs {
            assert!(doc["apiVersion"].as_str().is_some(), "{doc:#}");
            // A field the types do not know would be dropped here, and the two differ.
            assert_eq!(&round_trip(doc), doc, "{}: {}", path.display(), doc["metadata"]["name"]);
            kinds.insert(doc["kind"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["ConfigMap", "Namespace", "NetworkPolicy", "Pod"]);
}

/// The round trip would see it if a field were lost: a misspelt one is.
#[test]
fn the_round_trip_sees_a_field_the_types_do_not_know() {
    let mut doc = documents(
        &manifests::manifests(&cluster_plan(&example_files()[0]), &Settings::default()).unwrap().to_yaml(),
    )
    .pop()
    .unwrap();
    doc["spec"]["hostNetwrk"] = Value::Bool(true);
    assert_ne!(round_trip(&doc), doc);
}

#[test]
fn every_pod_is_confined_as_its_kind_is_on_docker() {
    for path in example_files() {
        let plan = cluster_plan(&path);
        let objects = manifests::manifests(&plan, &Settings::default()).unwrap();
        for pod in &objects.pods {
            let spec = pod.spec.as_ref().unwrap();
            let name = pod.metadata.name.clone().unwrap();
            assert_eq!(spec.automount_service_account_token, Some(false), "{name}: no API token");
            assert_eq!(spec.enable_service_links, Some(false), "{name}");
            assert_eq!(spec.host_network, None, "{name}");
            assert_eq!(spec.host_pid, None, "{name}");
            let seccomp = spec.security_context.as_ref().unwrap().seccomp_profile.as_ref().unwrap();
            assert_eq!(seccomp.type_, "Localhost", "{name}");
            let node = plan.nodes.iter().find(|n| manifests::node_pod(&n.name) == name);
            for c in spec.containers.iter().chain(spec.init_containers.iter().flatten()) {
                let sc = c.security_context.as_ref().unwrap();
                assert_eq!(sc.privileged, Some(false), "{name}/{}", c.name);
                assert_eq!(sc.read_only_root_filesystem, Some(true), "{name}/{}", c.name);
                let caps = sc.capabilities.as_ref().unwrap();
                assert_eq!(caps.drop.as_deref(), Some(&["ALL".to_string()][..]), "{name}/{}", c.name);
                let limits = c.resources.as_ref().unwrap().limits.as_ref().unwrap();
                assert!(limits.contains_key("memory") && limits.contains_key("cpu"), "{name}/{}", c.name);
                if let (Some(node), true) = (node, c.name == manifests::NODE_CONTAINER) {
                    assert_eq!(caps.add.as_deref(), Some(&node.capabilities[..]), "{name}");
                    let escalation = sc.allow_privilege_escalation.unwrap();
                    assert_eq!(
                        escalation,
                        node.kind == NodeKind::Server,
                        "{name}: only servers keep set-uid"
                    );
                } else {
                    assert!(
                        !caps.add.as_ref().unwrap().iter().any(|c| c == "SYS_ADMIN"),
                        "{name}/{}",
                        c.name
                    );
                    assert_eq!(sc.allow_privilege_escalation, Some(false), "{name}/{}", c.name);
                }
            }
        }
    }
}

#[test]
fn only_the_tunnels_between_nodes_and_fabric_pass_the_network_policies() {
    let objects = manifests::manifests(&cluster_plan(&example_files()[0]), &Settings::default()).unwrap();
    let deny = objects.policies.iter().find(|p| p.metadata.name.as_deref() == Some("deny-all")).unwrap();
    let spec = deny.spec.as_ref().unwrap();
    assert_eq!(spec.pod_selector, Some(Default::default()), "every pod of the namespace");
    assert_eq!(spec.policy_types.as_deref(), Some(&["Ingress".to_string(), "Egress".to_string()][..]));
    assert!(spec.ingress.is_none() && spec.egress.is_none(), "nothing allowed by it");
    for policy in objects.policies.iter().filter(|p| p.metadata.name.as_deref() != Some("deny-all")) {
        let spec = policy.spec.as_ref().unwrap();
        let rules_ports = spec
            .ingress
            .iter()
            .flatten()
            .flat_map(|r| r.ports.iter().flatten())
            .chain(spec.egress.iter().flatten().flat_map(|r| r.ports.iter().flatten()));
        for port in rules_ports {
            assert_eq!(port.protocol.as_deref(), Some("UDP"));
            assert_eq!(port.port, Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(4789)));
        }
        // Peers are pods of the same namespace only: no namespace selector, no address.
        for peer in spec
            .ingress
            .iter()
            .flatten()
            .flat_map(|r| r.from.iter().flatten())
            .chain(spec.egress.iter().flatten().flat_map(|r| r.to.iter().flatten()))
        {
            assert!(
                peer.pod_selector.is_some() && peer.namespace_selector.is_none() && peer.ip_block.is_none()
            );
        }
    }
}

#[test]
fn a_registry_prefix_and_the_runtime_seccomp_profile_change_only_what_they_say() {
    let plan = cluster_plan(&example_files()[0]);
    let local = manifests::manifests(&plan, &Settings::default()).unwrap().to_yaml();
    let settings = Settings {
        images: ImageSource::Registry("registry.school.nl/labs".parse().unwrap()),
        seccomp: Seccomp::RuntimeDefault,
        ..Settings::default()
    };
    let remote = manifests::manifests(&plan, &settings).unwrap().to_yaml();
    let expected = local.replace("image: asbuilt/", "image: registry.school.nl/labs/asbuilt/").replace(
        "      localhostProfile: asbuilt/seccomp.json\n      type: Localhost\n",
        "      type: RuntimeDefault\n",
    );
    assert_eq!(remote, expected);
}

#[test]
fn a_namespace_name_too_long_for_kubernetes_is_refused_with_the_way_out() {
    let plan = cluster_plan(&example_files()[0]);
    let prefix = "a-prefix-much-too-long-for-kubernetes-to-take-in-a-name-";
    let settings = Settings { namespace_prefix: prefix.into(), ..Settings::default() };
    let Err(err) = manifests::manifests(&plan, &settings) else {
        panic!("{prefix}{} was taken as a namespace name", plan.instance)
    };
    assert!(matches!(err, ManifestError::NamespaceName { .. }));
    assert!(err.to_string().contains("--namespace-prefix"), "{err}");
}

fn asbuilt() -> Command {
    Command::new(env!("CARGO_BIN_EXE_asbuilt"))
}

#[test]
fn the_dry_run_prints_exactly_the_manifests_and_needs_the_cluster_engine() {
    let path = example_files().into_iter().find(|p| p.ends_with("dmz.yml")).unwrap();
    let out = asbuilt()
        .args(["deploy", "--engine", "kubernetes", "--dry-run", "-o", "yaml", "--student", "s123456"])
        .arg(&path)
        .env_remove("ASBUILT_ENGINE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = manifests::manifests(&cluster_plan(&path), &Settings::default()).unwrap().to_yaml();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);

    let docker =
        asbuilt().args(["deploy", "--dry-run"]).arg(&path).env_remove("ASBUILT_ENGINE").output().unwrap();
    assert_eq!(docker.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&docker.stderr).contains("--engine kubernetes"));

    // A prefix that would not leave room for every instance's name is refused at once.
    let bad = asbuilt()
        .args(["deploy", "--engine", "kubernetes", "--dry-run", "--namespace-prefix", "Labs-"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`Labs-`"));

    // The variables say the same as the flags.
    let by_env = asbuilt()
        .args(["deploy", "--dry-run", "--student", "s123456"])
        .arg(&path)
        .env("ASBUILT_ENGINE", "kubernetes")
        .env("ASBUILT_PULL_FROM", "localhost:5000")
        .output()
        .unwrap();
    assert!(by_env.status.success(), "{}", String::from_utf8_lossy(&by_env.stderr));
    assert!(String::from_utf8_lossy(&by_env.stdout).contains("image: localhost:5000/asbuilt/fabric:"));
}

#[test]
fn the_seccomp_profile_for_a_cluster_is_the_one_docker_applies() {
    let out = asbuilt().args(["images", "seccomp-profile"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, asbuilt::confine::seccomp::profile());
    assert!(printed["defaultAction"].as_str().is_some_and(|a| a.starts_with("SCMP_ACT_")), "{printed}");
}
