//! The Kubernetes objects of one lab instance, made from its plan: pure, so that a dry
//! run prints exactly what a deploy creates, and tests can hold them against golden
//! files.
//!
//! A namespace per instance holds everything: the fabric's pod, a pod per node, the
//! NetworkPolicies that let only the lab's tunnels through, and per node a ConfigMap
//! with what must be on its disk before it starts. Every container gets the same
//! hardened profile as on Docker: never privileged, only its kind's capabilities,
//! asbuilt's seccomp profile, a read-only root with its writable folders on a disk of
//! its own, and limits on memory and CPU.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapVolumeSource, Container, EmptyDirVolumeSource, ExecAction, Lifecycle,
    LifecycleHandler, Namespace, Pod, PodDNSConfig, PodSecurityContext, PodSpec, ResourceRequirements,
    SeccompProfile, SecurityContext, Sysctl, Volume, VolumeMount,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::confine;
use crate::engine::labels::{INSTANCE, KIND, LAB, NODE, ROLE, STUDENT};
use crate::images::ImageSource;
use crate::kind::{FABRIC_CAPABILITIES, Limits};
use crate::plan::files_script::{File, write_files};
use crate::plan::script::quote;
use crate::plan::{ImageChoice, InstanceId, NodePlan, Plan, tunnel};

/// The fabric's pod. Node pods are `node-NAME`, so no node name meets it.
pub const FABRIC_POD: &str = "fabric";
/// The container in a node's pod that is the node.
pub const NODE_CONTAINER: &str = "node";
/// The container in the fabric's pod.
pub const FABRIC_CONTAINER: &str = "fabric";
/// The container beside each node, in its network but not its files or processes,
/// where asbuilt's probe agent runs.
pub const PROBE_CONTAINER: &str = "probe";
/// Where the probe container keeps the agent asbuilt copies in.
pub const AGENT_DIR: &str = "/var/lib/asbuilt-agent";
/// The ConfigMap an instance's record is kept in, written when the deploy finished.
pub const RECORD_CONFIG_MAP: &str = "asbuilt-record";
/// The key of the record in it.
pub const RECORD_KEY: &str = "record.json";

/// The seccomp profile asbuilt asks for by default, relative to the kubelet's seccomp
/// folder (`/var/lib/kubelet/seccomp`), where docs/kubernetes.md says to install it.
pub const DEFAULT_SECCOMP_PROFILE: &str = "asbuilt/seccomp.json";

/// A ConfigMap holds at most 1 MiB; what goes into one stays well below.
const CONFIG_MAP_BYTES: usize = 900 * 1024;
/// Where the init container sees a pod's disk.
const DISK_MOUNT: &str = "/asbuilt/disk";
/// Where the init container sees the node's prestart ConfigMap.
const PRESTART_MOUNT: &str = "/asbuilt/prestart";
const PRESTART_KEY: &str = "prestart.sh";
/// What copying the image's folders onto the disk may change: owners and modes.
const DISK_INIT_CAPABILITIES: &[&str] = &["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"];
/// What the probe agent does in a node's network: raw sockets (ping, captures, DHCP),
/// low ports (a listener for a negative check), and interface changes a probe makes.
const PROBE_CAPABILITIES: &[&str] = &["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE"];
/// The probe container: the agent's binary on its disk, and the agent's memory.
const PROBE_LIMITS: Limits = Limits::new(128, 0.5, 256, 256);
/// The fabric needs little: bridges, and a relay per impaired cable (as on Docker).
const FABRIC_LIMITS: Limits = Limits::new(128, 0.5, 256, 64);
/// How much of a node's CPU limit it asks the scheduler to set aside: labs idle most
/// of the time, so a cluster may pack four times as many as their limits add up to.
const CPU_REQUEST_SHARE: f64 = 0.25;

/// How the engine builds manifests: the cluster's side of things.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// In front of every instance's namespace (`asbuilt-`).
    pub namespace_prefix: String,
    /// Where the cluster pulls asbuilt's images from.
    pub images: ImageSource,
    /// The seccomp profile of every container.
    pub seccomp: Seccomp,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            namespace_prefix: "asbuilt-".into(),
            images: ImageSource::Local,
            seccomp: Seccomp::Localhost(DEFAULT_SECCOMP_PROFILE.into()),
        }
    }
}

/// Which seccomp profile pods run under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seccomp {
    /// asbuilt's own profile, installed on every node of the cluster at this path
    /// under the kubelet's seccomp folder: the same as on Docker.
    Localhost(String),
    /// The container runtime's default profile, where asbuilt's cannot be installed:
    /// weaker (docs/kubernetes.md says what it lets through).
    RuntimeDefault,
}

/// Why no manifests can be made for a plan.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error(
        "name the namespace of instance {instance}: `{name}` is not a Kubernetes name (at most 63 \
         lowercase letters, digits and dashes, starting with a letter); choose a --namespace-prefix \
         of lowercase letters, digits and dashes that leaves room for the instance's name"
    )]
    NamespaceName { instance: InstanceId, name: String },
    #[error(
        "put the teacher's files for node {node} into a ConfigMap: they take {kib} KiB, more than \
         the {max} KiB a ConfigMap may hold on Kubernetes"
    )]
    TooLarge { node: String, kib: usize, max: usize },
}

/// Every object of one instance, in the order they are created.
#[derive(Debug, Clone)]
pub struct Manifests {
    pub namespace: Namespace,
    pub policies: Vec<NetworkPolicy>,
    pub config_maps: Vec<ConfigMap>,
    /// The fabric's first.
    pub pods: Vec<Pod>,
}

impl Manifests {
    /// Every object as YAML documents, as `kubectl apply -f` takes them.
    pub fn to_yaml(&self) -> String {
        let mut docs = vec![yaml(&self.namespace)];
        docs.extend(self.policies.iter().map(yaml));
        docs.extend(self.config_maps.iter().map(yaml));
        docs.extend(self.pods.iter().map(yaml));
        docs.join("---\n")
    }
}

fn yaml<T: Serialize>(object: &T) -> String {
    serde_yaml::to_string(object).expect("Kubernetes objects serialise")
}

/// The namespace of an instance.
pub fn namespace_name(settings: &Settings, instance: &InstanceId) -> Result<String, ManifestError> {
    let name = format!("{}{instance}", settings.namespace_prefix);
    let ok = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok { Ok(name) } else { Err(ManifestError::NamespaceName { instance: instance.clone(), name }) }
}

/// The pod of a node.
pub fn node_pod(node: &str) -> String {
    format!("node-{node}")
}

/// The labels every object of an instance carries; the student, who may be any id, is
/// an annotation (label values are short names).
fn labels(plan: &Plan, role: &str, node: Option<&NodePlan>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        (INSTANCE.to_string(), plan.instance.to_string()),
        (LAB.to_string(), plan.lab.clone()),
        (ROLE.to_string(), role.to_string()),
    ]);
    if let Some(node) = node {
        labels.insert(NODE.to_string(), node.name.clone());
        labels.insert(KIND.to_string(), node.kind.name().to_string());
    }
    labels
}

fn meta(plan: &Plan, namespace: &str, name: &str, role: &str, node: Option<&NodePlan>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        labels: Some(labels(plan, role, node)),
        ..ObjectMeta::default()
    }
}

/// The objects of `plan`'s instance.
pub fn manifests(plan: &Plan, settings: &Settings) -> Result<Manifests, ManifestError> {
    let ns = namespace_name(settings, &plan.instance)?;
    let mut namespace_labels = labels(plan, "instance", None);
    // Node pods need NET_ADMIN and network sysctls, which Pod Security's `baseline`
    // refuses; asbuilt's own confinement (above) is what holds them in.
    namespace_labels.insert("pod-security.kubernetes.io/enforce".into(), "privileged".into());
    let namespace = Namespace {
        metadata: ObjectMeta {
            name: Some(ns.clone()),
            labels: Some(namespace_labels),
            annotations: Some(BTreeMap::from([(
                STUDENT.to_string(),
                plan.student.clone().unwrap_or_default(),
            )])),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    let mut config_maps = Vec::new();
    let mut pods = vec![fabric_pod(plan, settings, &ns)];
    for node in &plan.nodes {
        let script = prestart_script(node);
        if script.len() > CONFIG_MAP_BYTES {
            return Err(ManifestError::TooLarge {
                node: node.name.clone(),
                kib: script.len().div_ceil(1024),
                max: CONFIG_MAP_BYTES / 1024,
            });
        }
        config_maps.push(ConfigMap {
            metadata: meta(plan, &ns, &prestart_name(&node.name), "node", Some(node)),
            data: Some(BTreeMap::from([(PRESTART_KEY.to_string(), script)])),
            ..ConfigMap::default()
        });
        pods.push(node_pod_manifest(plan, settings, &ns, node));
    }
    Ok(Manifests { namespace, policies: policies(plan, &ns), config_maps, pods })
}

fn prestart_name(node: &str) -> String {
    format!("prestart-{node}")
}

/// Nothing may reach a pod of the instance or leave one, but the tunnels between the
/// nodes and the fabric: a student who is root in a node reaches neither the cluster,
/// nor other labs, nor another node of the lab past the fabric.
fn policies(plan: &Plan, ns: &str) -> Vec<NetworkPolicy> {
    let deny_all = NetworkPolicy {
        metadata: meta(plan, ns, "deny-all", "instance", None),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ..NetworkPolicySpec::default()
        }),
    };
    let tunnels = |name: &str, role: &str, peer: &str| NetworkPolicy {
        metadata: meta(plan, ns, name, "instance", None),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(role_selector(role)),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    pod_selector: Some(role_selector(peer)),
                    ..NetworkPolicyPeer::default()
                }]),
                ports: Some(vec![vxlan_port()]),
            }]),
            egress: Some(vec![NetworkPolicyEgressRule {
                to: Some(vec![NetworkPolicyPeer {
                    pod_selector: Some(role_selector(peer)),
                    ..NetworkPolicyPeer::default()
                }]),
                ports: Some(vec![vxlan_port()]),
            }]),
        }),
    };
    vec![deny_all, tunnels("fabric-tunnels", "fabric", "node"), tunnels("node-tunnels", "node", "fabric")]
}

fn role_selector(role: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(ROLE.to_string(), role.to_string())])),
        ..LabelSelector::default()
    }
}

fn vxlan_port() -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: Some("UDP".into()),
        port: Some(IntOrString::Int(i32::from(tunnel::VXLAN_PORT))),
        ..NetworkPolicyPort::default()
    }
}

/// The image a node's pod runs, as the cluster pulls it.
pub fn node_image(settings: &Settings, node: &NodePlan) -> String {
    match &node.image {
        ImageChoice::Builtin(name) => {
            settings.images.reference(name).expect("builtin images have references")
        }
        ImageChoice::Custom(image) => image.clone(),
    }
}

fn fabric_image(settings: &Settings) -> String {
    settings.images.reference("fabric").expect("the fabric is a builtin image")
}

fn node_pod_manifest(plan: &Plan, settings: &Settings, ns: &str, node: &NodePlan) -> Pod {
    let image = node_image(settings, node);
    let mut volumes = vec![disk_volume(node.limits.disk_mib), memory_volume("run", confine::RUN_DIR.1)];
    volumes.push(memory_volume("shm", confine::SHM_MIB));
    volumes.push(Volume {
        name: "agent".into(),
        empty_dir: Some(EmptyDirVolumeSource {
            size_limit: Some(mib(PROBE_LIMITS.disk_mib)),
            ..EmptyDirVolumeSource::default()
        }),
        ..Volume::default()
    });
    volumes.push(Volume {
        name: "prestart".into(),
        config_map: Some(ConfigMapVolumeSource {
            name: prestart_name(&node.name),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    });
    let writable: Vec<&str> = node.writable.iter().map(String::as_str).collect();
    let mut mounts = writable_mounts(&writable);
    // The node's own hostname, hosts and resolv.conf, from its disk: mounted there, the
    // runtime leaves them alone instead of writing the cluster's in.
    for (path, _) in confine::own_files(&node.name) {
        mounts.push(mount("disk", path, Some(&own_file_on_disk(path))));
    }
    let node_container = Container {
        name: NODE_CONTAINER.into(),
        image: Some(image.clone()),
        image_pull_policy: Some("IfNotPresent".into()),
        security_context: Some(confined(&node.capabilities, node.no_new_privileges)),
        resources: Some(resources(node.limits)),
        volume_mounts: Some(mounts),
        ..Container::default()
    };
    let probe = Container {
        name: PROBE_CONTAINER.into(),
        image: Some(fabric_image(settings)),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(vec!["sleep".into(), "infinity".into()]),
        lifecycle: Some(Lifecycle { pre_stop: Some(underlay_back()), ..Lifecycle::default() }),
        security_context: Some(confined(&strings(PROBE_CAPABILITIES), true)),
        resources: Some(resources(PROBE_LIMITS)),
        volume_mounts: Some(vec![mount("agent", AGENT_DIR, None)]),
        ..Container::default()
    };
    Pod {
        metadata: meta(plan, ns, &node_pod(&node.name), "node", Some(node)),
        spec: Some(PodSpec {
            hostname: Some(node.name.clone()),
            init_containers: Some(vec![disk_init(&image, &writable, true)]),
            containers: vec![node_container, probe],
            volumes: Some(volumes),
            security_context: Some(pod_security(settings, &node.sysctls)),
            ..pod_spec()
        }),
        ..Pod::default()
    }
}

/// Before the pod goes, the cluster's interface gets its name back (the kubelet always
/// asks the CNI for `eth0`): a CNI may tear a pod's network down by that name. Run from the probe container, which a student who
/// is root in the node cannot stop.
fn underlay_back() -> LifecycleHandler {
    let script = format!(
        "ip link del eth0 2>/dev/null; ip link set {ul} down; ip link set {ul} name eth0; true",
        ul = tunnel::UNDERLAY_INTERFACE
    );
    LifecycleHandler {
        exec: Some(ExecAction { command: Some(vec!["sh".into(), "-c".into(), script]) }),
        ..LifecycleHandler::default()
    }
}

fn fabric_pod(plan: &Plan, settings: &Settings, ns: &str) -> Pod {
    let image = fabric_image(settings);
    let sysctls: Vec<(String, String)> = ["all", "default"]
        .iter()
        .map(|which| (format!("net.ipv6.conf.{which}.disable_ipv6"), "1".to_string()))
        .collect();
    let container = Container {
        name: FABRIC_CONTAINER.into(),
        image: Some(image.clone()),
        image_pull_policy: Some("IfNotPresent".into()),
        security_context: Some(confined(&strings(FABRIC_CAPABILITIES), true)),
        resources: Some(resources(FABRIC_LIMITS)),
        volume_mounts: Some(writable_mounts(confine::FABRIC_WRITABLE_DIRS)),
        ..Container::default()
    };
    Pod {
        metadata: meta(plan, ns, FABRIC_POD, "fabric", None),
        spec: Some(PodSpec {
            hostname: Some("fabric".into()),
            init_containers: Some(vec![disk_init(&image, confine::FABRIC_WRITABLE_DIRS, false)]),
            containers: vec![container],
            volumes: Some(vec![
                disk_volume(FABRIC_LIMITS.disk_mib),
                memory_volume("run", confine::RUN_DIR.1),
                memory_volume("shm", confine::SHM_MIB),
            ]),
            security_context: Some(pod_security(settings, &sysctls)),
            ..pod_spec()
        }),
        ..Pod::default()
    }
}

/// What every pod of an instance shares: no service account token (a node must not
/// talk to the cluster's API), no service variables of the cluster in its environment,
/// and no name server of the cluster (the lab has its own, or none).
fn pod_spec() -> PodSpec {
    PodSpec {
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        dns_policy: Some("None".into()),
        // The kubelet insists on a name server with policy None; no node sees it, as
        // every node mounts its own resolv.conf from its disk.
        dns_config: Some(PodDNSConfig {
            nameservers: Some(vec!["127.0.0.1".into()]),
            ..PodDNSConfig::default()
        }),
        restart_policy: Some("Always".into()),
        termination_grace_period_seconds: Some(2),
        ..PodSpec::default()
    }
}

fn pod_security(settings: &Settings, sysctls: &[(String, String)]) -> PodSecurityContext {
    let seccomp = match &settings.seccomp {
        Seccomp::Localhost(path) => {
            SeccompProfile { type_: "Localhost".into(), localhost_profile: Some(path.clone()) }
        }
        Seccomp::RuntimeDefault => SeccompProfile { type_: "RuntimeDefault".into(), localhost_profile: None },
    };
    PodSecurityContext {
        seccomp_profile: Some(seccomp),
        sysctls: (!sysctls.is_empty()).then(|| {
            sysctls.iter().map(|(name, value)| Sysctl { name: name.clone(), value: value.clone() }).collect()
        }),
        ..PodSecurityContext::default()
    }
}

/// A container's own confinement: never privileged, exactly `capabilities`, a
/// read-only root.
fn confined(capabilities: &[String], no_new_privileges: bool) -> SecurityContext {
    SecurityContext {
        privileged: Some(false),
        allow_privilege_escalation: Some(!no_new_privileges),
        capabilities: Some(Capabilities { drop: Some(vec!["ALL".into()]), add: Some(capabilities.to_vec()) }),
        read_only_root_filesystem: Some(true),
        ..SecurityContext::default()
    }
}

/// The init step that fills a pod's disk from its image before the pod starts: every
/// writable folder the image has, owners and modes kept (as Docker's disk templates
/// do), then the node's prestart script (its FRR daemons, the teacher's files).
fn disk_init(image: &str, dirs: &[&str], prestart: bool) -> Container {
    let mut script = String::from("set -e\n");
    for dir in dirs {
        let on_disk = format!("{DISK_MOUNT}{dir}");
        script.push_str(&format!(
            "mkdir -p {d}\nif [ -d {src} ]; then cp -a {src}/. {d}/; chown \"$(stat -c %u:%g {src})\" {d}; \
             chmod \"$(stat -c %a {src})\" {d}; fi\n",
            d = quote(&on_disk),
            src = quote(dir),
        ));
    }
    let mut mounts = vec![mount("disk", DISK_MOUNT, None)];
    if prestart {
        script.push_str(&format!("sh -e {PRESTART_MOUNT}/{PRESTART_KEY}\n"));
        mounts.push(VolumeMount {
            name: "prestart".into(),
            mount_path: PRESTART_MOUNT.into(),
            read_only: Some(true),
            ..VolumeMount::default()
        });
    }
    Container {
        name: "disk".into(),
        image: Some(image.to_string()),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(vec!["sh".into(), "-c".into(), script]),
        security_context: Some(confined(&strings(DISK_INIT_CAPABILITIES), true)),
        resources: Some(resources(PROBE_LIMITS)),
        volume_mounts: Some(mounts),
        ..Container::default()
    }
}

/// What must be on a node's disk before it starts, as a script the init step runs:
/// the FRR daemons it needs enabled, its own hostname, hosts and resolv.conf (the
/// teacher's, where the lab gives them), and the teacher's other files.
fn prestart_script(node: &NodePlan) -> String {
    let mut script = String::new();
    let daemons = format!("{DISK_MOUNT}/etc/frr/daemons");
    for daemon in &node.frr_daemons {
        script.push_str(&format!(
            "[ ! -f {file} ] || sed -i 's/^{daemon}=no$/{daemon}=yes/' {file}\n",
            file = quote(&daemons),
        ));
    }
    let own: Vec<(String, String, u32, Option<&str>)> = confine::own_files(&node.name)
        .into_iter()
        .map(|(path, content)| {
            let at = format!("{DISK_MOUNT}/{}", own_file_on_disk(path));
            match node.node_files.iter().find(|f| f.path == path) {
                Some(f) => (at, f.content.clone(), f.mode, f.owner.as_deref()),
                None => (at, content, 0o644, None),
            }
        })
        .collect();
    let others: Vec<(String, String, u32, Option<&str>)> = node
        .node_files
        .iter()
        .filter(|f| !is_own_file(&f.path))
        .map(|f| (format!("{DISK_MOUNT}{}", f.path), f.content.clone(), f.mode, f.owner.as_deref()))
        .collect();
    let files: Vec<File<'_>> = own
        .iter()
        .chain(&others)
        .map(|(path, content, mode, owner)| File { path, content, mode: *mode, owner: *owner })
        .collect();
    script.push_str(&write_files(&files));
    script
}

/// Where on a pod's disk one of the node's own files lives (`own/hosts`).
fn own_file_on_disk(path: &str) -> String {
    format!("own/{}", path.rsplit('/').next().unwrap_or(path))
}

/// Whether a path is one of the files every node has of its own.
pub fn is_own_file(path: &str) -> bool {
    confine::own_files("").iter().any(|(p, _)| *p == path)
}

fn disk_volume(disk_mib: u64) -> Volume {
    Volume {
        name: "disk".into(),
        empty_dir: Some(EmptyDirVolumeSource {
            size_limit: Some(mib(disk_mib)),
            ..EmptyDirVolumeSource::default()
        }),
        ..Volume::default()
    }
}

/// A folder in memory, counted against the pod's memory: `/run` and `/dev/shm`.
fn memory_volume(name: &str, size_mib: u64) -> Volume {
    Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource {
            medium: Some("Memory".into()),
            size_limit: Some(mib(size_mib)),
        }),
        ..Volume::default()
    }
}

/// The writable folders, each a part of the pod's one disk, and `/run` and `/dev/shm`.
fn writable_mounts(dirs: &[&str]) -> Vec<VolumeMount> {
    let mut mounts: Vec<VolumeMount> =
        dirs.iter().map(|dir| mount("disk", dir, Some(dir.trim_start_matches('/')))).collect();
    mounts.push(mount("run", confine::RUN_DIR.0, None));
    mounts.push(mount("shm", "/dev/shm", None));
    mounts
}

fn mount(volume: &str, path: &str, sub_path: Option<&str>) -> VolumeMount {
    VolumeMount {
        name: volume.into(),
        mount_path: path.into(),
        sub_path: sub_path.map(str::to_string),
        ..VolumeMount::default()
    }
}

/// Memory is asked for as much as the limit (a lab that is scheduled has its memory),
/// CPU for a share of it.
fn resources(limits: Limits) -> ResourceRequirements {
    let cpu = |cores: f64| Quantity(format!("{}m", (cores * 1000.0).round() as u64));
    ResourceRequirements {
        limits: Some(BTreeMap::from([
            ("cpu".to_string(), cpu(limits.cpus)),
            ("memory".to_string(), mib(limits.memory_mib)),
        ])),
        requests: Some(BTreeMap::from([
            ("cpu".to_string(), cpu(limits.cpus * CPU_REQUEST_SHARE)),
            ("memory".to_string(), mib(limits.memory_mib)),
        ])),
        ..ResourceRequirements::default()
    }
}

fn mib(n: u64) -> Quantity {
    Quantity(format!("{n}Mi"))
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}
