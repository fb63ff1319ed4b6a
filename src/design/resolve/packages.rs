//! Software on a node: the packages that must be installed and those that must not,
//! all from the package repository in the host and server images (a lab has no
//! network, so nothing else could be installed).

use super::Resolver;
use super::two_lists::Duplicate;
use crate::design::model::Packages;
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::images::recipe::package_catalog;
use crate::kind::NodeKind;
use crate::path;

impl Resolver<'_> {
    pub(super) fn packages(&mut self) {
        let file = self.file;
        let catalog = package_catalog();
        for (node, wire) in &file.design.packages {
            let at = path!["design", "packages", node];
            let Some(kind) = self.node_kind(node, Loc::key(at.clone())) else { continue };
            if !matches!(kind, NodeKind::Host | NodeKind::Server) {
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{node}` is a {kind}; software is installed on hosts and servers"),
                    )
                    .at(Loc::key(at))
                    .label(format!("a {kind}"))
                    .help("name a host or a server: their images have the lab's package repository"),
                );
                continue;
            }
            if !self.asbuilt_image(
                node,
                &at,
                "the lab's package repository is in asbuilt's host and server images",
                "leave out `image`, or check your image's software with a `command:` check",
            ) {
                continue;
            }
            if wire.installed.is_empty() && wire.absent.is_empty() {
                self.report(
                    Diagnostic::error("invalid-value", "`packages` names no package")
                        .at(Loc::key(at))
                        .help("list them: `{ installed: [tree, htop], absent: [telnet] }`"),
                );
                continue;
            }
            let duplicate = Duplicate {
                code: "duplicate-package",
                help: "a package is either installed or absent; name it once",
            };
            let lists = [("installed", &wire.installed), ("absent", &wire.absent)];
            let kept = self.two_lists(&at, lists, duplicate, |r, _, name, loc| {
                if catalog.contains(&name) {
                    return true;
                }
                let help = did_you_mean(name, catalog.iter().copied()).unwrap_or_else(|| {
                    format!("a lab has no network; the images hold {}", catalog.join(", "))
                });
                r.report(
                    Diagnostic::error(
                        "unknown-package",
                        format!("`{name}` is not in the lab's package repository"),
                    )
                    .at(loc)
                    .help(help),
                );
                false
            });
            if let Some([installed, absent]) = kept {
                self.nodes[node].packages = Some(Packages { installed, absent });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::design::Lab;
    use crate::design::resolve::codes;
    use crate::topology::Source;

    fn office(packages: &str) -> Result<Lab, Vec<crate::diagnostic::Diagnostic>> {
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K1-W3]
nodes:
  r1: {{ kind: router }}
  pc1: {{ kind: host }}
  box: {{ kind: host, image: "debian:bookworm" }}
links:
  - r1:eth1 -- pc1:eth1
  - r1:eth2 -- box:eth1
design:
  addresses:
    r1:eth1: 10.0.0.1/24
    pc1:eth1: 10.0.0.10/24
    r1:eth2: 10.0.1.1/24
    box:eth1: 10.0.1.10/24
  packages:
{packages}
"#
        );
        Lab::load(&Source::new("office.yml", yaml))
    }

    #[test]
    fn installed_and_absent_packages_are_kept_in_the_order_written() {
        let lab = office("    pc1: { installed: [tree, htop], absent: telnet }").unwrap();
        let packages = lab.design_for(None).nodes["pc1"].packages.clone().unwrap();
        let named: Vec<(&str, bool)> = packages.named().collect();
        assert_eq!(named, [("tree", true), ("htop", true), ("telnet", false)]);
    }

    #[test]
    fn only_the_repositorys_packages_once_each_on_a_host_or_server_of_asbuilts() {
        let first = |packages: &str| codes(&office(packages).unwrap_err()).first().map(|c| c.to_string());
        assert_eq!(first("    pc1: { installed: [libreoffice] }").as_deref(), Some("unknown-package"));
        assert_eq!(
            first("    pc1: { installed: [tree], absent: [tree] }").as_deref(),
            Some("duplicate-package")
        );
        assert_eq!(first("    pc1: {}").as_deref(), Some("invalid-value"));
        assert_eq!(first("    r1: { installed: [tree] }").as_deref(), Some("wrong-kind"));
        assert_eq!(first("    box: { installed: [tree] }").as_deref(), Some("needs-asbuilt-image"));
    }

    #[test]
    fn the_catalog_holds_what_the_lab_labs_name() {
        let catalog = crate::images::recipe::package_catalog();
        assert!(catalog.contains(&"tree") && catalog.contains(&"telnet"), "{catalog:?}");
        assert!(!catalog.iter().any(|p| p.contains('#') || p.is_empty()), "{catalog:?}");
    }
}
