//! The answer key as a lab: every part built, nothing broken. A teacher deploys it to
//! try the finished lab and see it score full marks before handing the lab out; the
//! tests build it to hold the checks to the same promise.

use super::Design;

impl Design {
    /// The design with every part built by asbuilt: what the student would build is
    /// configured too. Faults stay, so a troubleshooting lab still starts broken.
    pub fn prebuilt(mut self) -> Design {
        for node in self.nodes.values_mut() {
            node.student_builds.clear();
        }
        self
    }

    /// The finished lab: every part built by asbuilt and no fault applied. Graded
    /// against itself, it passes every check.
    pub fn solution(self) -> Design {
        let mut design = self.prebuilt();
        design.faults.clear();
        design
    }
}

#[cfg(test)]
mod tests {
    use crate::design::{Design, Lab, Part};
    use crate::topology::Source;

    /// A troubleshooting lab whose student also builds the firewall.
    const LAB: &str = "lab: x
title: x
nodes:
  r1: { kind: router }
  fw: { kind: firewall, build: [firewall, nat] }
links:
  - r1:eth1 -- fw:eth1
design:
  addresses: { r1:eth1: 10.0.0.1/30, fw:eth1: 10.0.0.2/30 }
  firewall:
    fw: { zones: { wan: eth1 }, masquerade: eth1 }
faults:
  - shutdown: r1:eth1
";

    fn design() -> Design {
        Lab::load(&Source::new("x.yml", LAB)).expect("the lab loads").design_for(None)
    }

    #[test]
    fn prebuilt_builds_the_students_parts_and_keeps_the_faults() {
        let design = design();
        assert_eq!(design.nodes["fw"].student_builds, [Part::Firewall, Part::Nat].into());
        let prebuilt = design.prebuilt();
        assert!(prebuilt.nodes.values().all(|n| n.student_builds.is_empty()));
        assert_eq!(prebuilt.faults.len(), 1);
    }

    #[test]
    fn the_solution_builds_everything_and_breaks_nothing() {
        let design = design();
        let solution = design.clone().solution();
        assert!(solution.nodes.values().all(|n| n.student_builds.is_empty()));
        assert!(solution.faults.is_empty());
        assert_eq!(solution.nodes["fw"].firewall, design.nodes["fw"].firewall, "the design itself is kept");
    }
}
