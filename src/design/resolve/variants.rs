//! Variant rules: which subnets of the teacher's plan each student gets their own of.

use ipnet::IpNet;

use super::Resolver;
use crate::design::syntax;
use crate::design::variants::VariantRule;
use crate::diagnostic::{Diagnostic, Loc};
use crate::path;

impl Resolver<'_> {
    pub(super) fn variants(&mut self) {
        let file = self.file;
        for (subnet_text, pool_text) in &file.variants {
            let at = path!["variants", subnet_text];
            let subnet = match syntax::subnet(subnet_text) {
                Ok(s) => s,
                Err(invalid) => {
                    self.report(
                        Diagnostic::error("invalid-variant", invalid.message)
                            .at(Loc::key(at))
                            .label("not a subnet")
                            .help(format!(
                                "{} A variant names a subnet of the design, then its pool.",
                                invalid.help
                            )),
                    );
                    continue;
                }
            };
            let pool = match syntax::subnet(pool_text) {
                Ok(p) => p,
                Err(invalid) => {
                    self.report(
                        Diagnostic::error("invalid-variant", invalid.message)
                            .at(Loc::value(at))
                            .label("not a pool")
                            .help(format!(
                                "{} The pool is a larger subnet the students' subnets are drawn from.",
                                invalid.help
                            )),
                    );
                    continue;
                }
            };
            if subnet.addr().is_ipv4() != pool.addr().is_ipv4() {
                self.report(
                    Diagnostic::error(
                        "invalid-variant",
                        format!("{subnet} and its pool {pool} are of different address families"),
                    )
                    .at(Loc::value(at))
                    .help("give an IPv4 subnet an IPv4 pool, and an IPv6 subnet an IPv6 pool"),
                );
                continue;
            }
            if pool.prefix_len() >= subnet.prefix_len() {
                self.report(
                    Diagnostic::error("invalid-variant", format!("the pool {pool} holds no more than one /{} subnet, so every student would get the same", subnet.prefix_len()))
                        .at(Loc::value(at))
                        .help(format!("use a larger pool, e.g. a /{}", subnet.prefix_len().saturating_sub(8))),
                );
                continue;
            }
            if let Some(other) =
                self.variant_rules.iter().find(|r| r.subnet.contains(&subnet) || subnet.contains(&r.subnet))
            {
                let other = other.subnet;
                self.report(
                    Diagnostic::error(
                        "invalid-variant",
                        format!("{subnet} overlaps {other}, which varies already"),
                    )
                    .at(Loc::key(at))
                    .help("list each subnet once; a subnet inside another varies with it"),
                );
                continue;
            }
            let used = self.nodes.values().any(|n| n.addresses().any(|(_, a)| subnet.contains(&a.addr())));
            if !used {
                self.report(
                    Diagnostic::warning(
                        "unused-variant",
                        format!("no address of the design lies in {subnet}, so nothing varies"),
                    )
                    .at(Loc::key(at))
                    .help("name a subnet the design's interfaces use"),
                );
            }
            self.variant_rules.push(VariantRule {
                subnet,
                pool: IpNet::new(pool.network(), pool.prefix_len()).expect("valid"),
            });
        }
    }
}
