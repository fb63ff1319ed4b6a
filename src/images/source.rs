//! Where an engine's nodes get asbuilt's images from: built on this Docker host, or
//! pulled by a cluster from a registry asbuilt pushed them to.
//!
//! The reference is the same image either way, tag and all (the recipe hash), so a
//! cluster runs exactly what `asbuilt images build` made here; only the name in front
//! differs: `asbuilt/router:3f2a…` here, `registry.school.nl/labs/asbuilt/router:3f2a…`
//! for a cluster whose registry prefix is `registry.school.nl/labs`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{BUILTIN_IMAGES, recipe};

/// Where asbuilt's images come from for an engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageSource {
    /// Built on this Docker host from the recipes when missing (the Docker engine).
    Local,
    /// Pulled by the cluster from a registry, where `asbuilt images push` put them.
    Registry(RegistryPrefix),
}

impl ImageSource {
    /// The reference of a builtin image (`router`, ..., `fabric`) as the engine's nodes
    /// must ask for it; `None` for any other name (a teacher's own image is used by the
    /// name the topology gives).
    pub fn reference(&self, name: &str) -> Option<String> {
        if !BUILTIN_IMAGES.contains(&name) {
            return None;
        }
        let local = recipe::find(name)?.reference();
        Some(match self {
            ImageSource::Local => local,
            ImageSource::Registry(prefix) => prefix.qualify(&local),
        })
    }
}

/// A registry and an optional path in it: `host[:port][/path]`, as an image reference
/// starts. No scheme, tag or digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegistryPrefix(String);

impl RegistryPrefix {
    /// `reference` (a local one, `asbuilt/router:hash`) under this prefix.
    pub fn qualify(&self, reference: &str) -> String {
        format!("{}/{reference}", self.0)
    }

    /// The registry's host and port, for messages.
    pub fn registry(&self) -> &str {
        self.0.split('/').next().unwrap_or(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegistryPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<RegistryPrefix> for String {
    fn from(prefix: RegistryPrefix) -> String {
        prefix.0
    }
}

impl TryFrom<String> for RegistryPrefix {
    type Error = String;

    fn try_from(text: String) -> Result<RegistryPrefix, String> {
        text.parse()
    }
}

impl std::str::FromStr for RegistryPrefix {
    type Err = String;

    /// Accepts what Docker and a cluster's runtime accept in front of a repository:
    /// a registry host (a name with a dot or a port, or `localhost`) and path parts of
    /// lowercase letters, digits and `._-`.
    fn from_str(text: &str) -> Result<RegistryPrefix, String> {
        let text = text.trim_end_matches('/');
        if text.contains("://") {
            return Err(format!("`{text}`: a registry prefix has no scheme; write `host[:port][/path]`"));
        }
        if text.contains('@')
            || text.rsplit('/').next().is_some_and(|last| last.contains(':') && text.contains('/'))
        {
            return Err(format!("`{text}`: a registry prefix has no tag or digest; asbuilt adds its own"));
        }
        let mut parts = text.split('/');
        let host = parts.next().unwrap_or("");
        let (name, port) = match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        };
        let host_ok = !name.is_empty()
            && name.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && (name.contains('.') || port.is_some() || name == "localhost")
            && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
        if !host_ok {
            return Err(format!(
                "`{text}`: the prefix must start with a registry host, such as `registry.school.nl`, \
                 `localhost:5000` or `10.0.0.5:5000`"
            ));
        }
        for part in parts {
            let ok = !part.is_empty()
                && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric());
            if !ok {
                return Err(format!(
                    "`{text}`: `{part}` is not a repository path part (lowercase letters, digits and ._- only)"
                ));
            }
        }
        Ok(RegistryPrefix(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_prefix_puts_the_same_tag_under_the_registry() {
        let prefix: RegistryPrefix = "registry.school.nl/labs".parse().unwrap();
        let local = ImageSource::Local.reference("router").unwrap();
        let remote = ImageSource::Registry(prefix).reference("router").unwrap();
        assert_eq!(remote, format!("registry.school.nl/labs/{local}"));
        assert!(local.starts_with("asbuilt/router:"));
        assert_eq!(ImageSource::Local.reference("nginx:1.25"), None, "a teacher's image keeps its name");
    }

    #[test]
    fn registry_prefixes_are_what_a_runtime_accepts() {
        for good in
            ["localhost:5000", "127.0.0.1:5000/asbuilt", "registry.school.nl", "r.example.org:443/a/b-c"]
        {
            assert!(good.parse::<RegistryPrefix>().is_ok(), "{good}");
        }
        assert_eq!("localhost:5000/".parse::<RegistryPrefix>().unwrap().as_str(), "localhost:5000");
        for (bad, why) in [
            ("https://registry.school.nl", "no scheme"),
            ("registry.school.nl/labs:v1", "no tag"),
            ("registry.school.nl/labs@sha256:00", "no tag or digest"),
            ("labs", "registry host"),
            ("registry.school.nl/Labs", "not a repository path part"),
            ("registry.school.nl//x", "not a repository path part"),
            ("localhost:99999", "registry host"),
            ("", "registry host"),
        ] {
            let err = bad.parse::<RegistryPrefix>().unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
