//! Which engine runs the labs, as the command line and the service's configuration say
//! it: Docker on this host, or a Kubernetes cluster with its settings. One type for both,
//! so the two front ends cannot drift apart in what they accept.

use std::sync::Arc;

use serde::Deserialize;

use super::kubernetes::KubernetesEngine;
use super::kubernetes::manifests::{DEFAULT_SECCOMP_PROFILE, Seccomp, Settings};
use super::{Engine, EngineError};
use crate::images::{BuildObserver, ImageSource, RegistryPrefix};
use crate::plan::InstanceId;

/// The engine and, for a cluster, how to reach and use it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct EngineConfig {
    pub kind: EngineKind,
    /// The kubeconfig context; without it, kube-rs's own search (`KUBECONFIG`,
    /// `~/.kube/config`, or the service account when asbuilt runs in the cluster).
    pub context: Option<String>,
    /// In front of every instance's namespace.
    pub namespace_prefix: String,
    /// The registry prefix the cluster pulls asbuilt's images from (where `asbuilt
    /// images push` put them); without it, the images' local names, for a cluster that
    /// has them loaded already (kind, k3s).
    pub pull_from: Option<RegistryPrefix>,
    /// `localhost`: asbuilt's own profile, installed on every machine of the cluster;
    /// `runtime-default`: the runtime's, where it cannot be.
    pub seccomp: SeccompKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum EngineKind {
    #[default]
    Docker,
    Kubernetes,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum SeccompKind {
    #[default]
    Localhost,
    RuntimeDefault,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            kind: EngineKind::Docker,
            context: None,
            namespace_prefix: Settings::default().namespace_prefix,
            pull_from: None,
            seccomp: SeccompKind::Localhost,
        }
    }
}

impl EngineConfig {
    /// Applies the `ASBUILT_ENGINE`, `ASBUILT_KUBE_CONTEXT`, `ASBUILT_NAMESPACE_PREFIX`,
    /// `ASBUILT_PULL_FROM` and `ASBUILT_SECCOMP` variables; the variable and why its value
    /// does not fit, when one does not.
    pub fn apply_env(
        &mut self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(), (&'static str, String, String)> {
        use clap::ValueEnum;
        if let Some(value) = env("ASBUILT_ENGINE") {
            self.kind = EngineKind::from_str(value.trim(), true)
                .map_err(|_| ("ASBUILT_ENGINE", value.clone(), "say `docker` or `kubernetes`".to_string()))?;
        }
        if let Some(value) = env("ASBUILT_KUBE_CONTEXT") {
            self.context = Some(value);
        }
        if let Some(value) = env("ASBUILT_NAMESPACE_PREFIX") {
            self.namespace_prefix = value;
        }
        if let Some(value) = env("ASBUILT_PULL_FROM") {
            self.pull_from = Some(value.parse().map_err(|why| ("ASBUILT_PULL_FROM", value.clone(), why))?);
        }
        if let Some(value) = env("ASBUILT_SECCOMP") {
            self.seccomp = SeccompKind::from_str(value.trim(), true).map_err(|_| {
                ("ASBUILT_SECCOMP", value.clone(), "say `localhost` or `runtime-default`".to_string())
            })?;
        }
        Ok(())
    }

    /// Whether the settings can work, whatever lab comes: the namespace prefix leaves
    /// room for the longest instance name.
    pub fn check(&self) -> Result<(), String> {
        let prefix = &self.namespace_prefix;
        let most = 63 - InstanceId::MAX_LEN;
        let ok = !prefix.is_empty()
            && prefix.len() <= most
            && prefix.starts_with(|c: char| c.is_ascii_lowercase())
            && prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(())
        } else {
            Err(format!(
                "the namespace prefix `{prefix}` must be 1 to {most} lowercase letters, digits and dashes, \
                 starting with a letter (a namespace holds at most 63, and an instance's name up to {})",
                InstanceId::MAX_LEN
            ))
        }
    }

    /// How the Kubernetes engine makes its manifests.
    pub fn kube_settings(&self) -> Settings {
        Settings {
            namespace_prefix: self.namespace_prefix.clone(),
            images: match &self.pull_from {
                Some(prefix) => ImageSource::Registry(prefix.clone()),
                None => ImageSource::Local,
            },
            seccomp: match self.seccomp {
                SeccompKind::Localhost => Seccomp::Localhost(DEFAULT_SECCOMP_PROFILE.into()),
                SeccompKind::RuntimeDefault => Seccomp::RuntimeDefault,
            },
        }
    }

    /// Connects to the engine. `observer` sees image builds (Docker builds missing
    /// images; a cluster pulls them).
    pub async fn connect(&self, observer: Box<dyn BuildObserver>) -> Result<Arc<dyn Engine>, EngineError> {
        Ok(match self.kind {
            EngineKind::Docker => Arc::new(super::docker::DockerEngine::connect(observer).await?),
            EngineKind::Kubernetes => {
                Arc::new(KubernetesEngine::connect(self.context.as_deref(), self.kube_settings()).await?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_chooses_the_cluster_and_its_settings() {
        let vars = [
            ("ASBUILT_ENGINE", "kubernetes"),
            ("ASBUILT_NAMESPACE_PREFIX", "school-"),
            ("ASBUILT_PULL_FROM", "registry.school.nl/labs"),
            ("ASBUILT_SECCOMP", "runtime-default"),
        ];
        let mut config = EngineConfig::default();
        config.apply_env(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())).unwrap();
        assert_eq!(config.kind, EngineKind::Kubernetes);
        let settings = config.kube_settings();
        assert_eq!(settings.namespace_prefix, "school-");
        assert_eq!(settings.seccomp, Seccomp::RuntimeDefault);
        assert!(
            settings
                .images
                .reference("router")
                .unwrap()
                .starts_with("registry.school.nl/labs/asbuilt/router:")
        );
    }

    #[test]
    fn a_namespace_prefix_must_leave_room_for_every_instance_name() {
        let with = |prefix: &str| EngineConfig { namespace_prefix: prefix.into(), ..EngineConfig::default() };
        assert!(EngineConfig::default().check().is_ok());
        assert!(with("school-7-").check().is_ok());
        for bad in ["", "School-", "7labs-", "a-prefix-too-long", "lab_"] {
            let err = with(bad).check().unwrap_err();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn a_wrong_value_names_its_variable() {
        let mut config = EngineConfig::default();
        let (name, _, why) =
            config.apply_env(|n| (n == "ASBUILT_ENGINE").then(|| "podman".into())).unwrap_err();
        assert_eq!(name, "ASBUILT_ENGINE");
        assert!(why.contains("kubernetes"));
        let (name, _, _) =
            config.apply_env(|n| (n == "ASBUILT_PULL_FROM").then(|| "https://x".into())).unwrap_err();
        assert_eq!(name, "ASBUILT_PULL_FROM");
    }
}
