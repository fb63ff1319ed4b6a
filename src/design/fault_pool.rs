//! Which faults of a lab's pool each student gets.
//!
//! A troubleshooting lab with a pool hands every student `draw` of its faults, chosen
//! by a hash of (lab, student): neighbours mostly get different faults, so one fix
//! cannot be copied, while the same student always gets the same ones and a grader
//! recomputes them from the student's id alone (`asbuilt render --student`).

use sha2::{Digest, Sha256};

use super::model::{Design, Fault, FaultPool};

/// The faults of `pool` that `student` gets, in pool order. The teacher's plan (no
/// student) gets the first `draw`, so a teacher who deploys the lab sees it broken.
pub fn drawn(pool: &FaultPool, lab: &str, student: Option<&str>) -> Vec<Fault> {
    let draw = pool.draw.min(pool.faults.len());
    let Some(student) = student else {
        return pool.faults[..draw].to_vec();
    };
    // Every fault gets a rank from the hash; the `draw` lowest ranks are drawn. Ranks
    // are independent per fault, so each student gets each fault equally often.
    let mut ranked: Vec<([u8; 32], usize)> = (0..pool.faults.len())
        .map(|i| (Sha256::digest(format!("asbuilt-fault\0{lab}\0{student}\0{i}").as_bytes()).into(), i))
        .collect();
    ranked.sort();
    let mut chosen: Vec<usize> = ranked.into_iter().take(draw).map(|(_, i)| i).collect();
    chosen.sort_unstable();
    chosen.into_iter().map(|i| pool.faults[i].clone()).collect()
}

/// Adds the pool's faults for this design's student to its faults.
pub fn apply(design: &mut Design) {
    if let Some(pool) = &design.fault_pool {
        let student = design.variant.as_ref().map(|v| v.student.as_str());
        let faults = drawn(pool, &design.lab, student);
        design.faults.extend(faults);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{Endpoint, FaultKind};

    fn pool(n: usize, draw: usize) -> FaultPool {
        let faults = (0..n)
            .map(|i| Fault {
                kind: FaultKind::Shutdown {
                    at: Endpoint { node: format!("r{i}"), interface: "eth1".into() },
                },
                note: None,
            })
            .collect();
        FaultPool { draw, faults }
    }

    #[test]
    fn a_student_always_gets_the_same_faults() {
        let p = pool(5, 2);
        assert_eq!(drawn(&p, "lab", Some("s1")), drawn(&p, "lab", Some("s1")));
        assert_eq!(drawn(&p, "lab", Some("s1")).len(), 2);
    }

    #[test]
    fn the_teachers_plan_gets_the_first_faults() {
        let p = pool(4, 2);
        assert_eq!(drawn(&p, "lab", None), p.faults[..2].to_vec());
    }

    #[test]
    fn a_class_gets_every_fault_about_equally_often() {
        let p = pool(4, 1);
        let mut seen = [0usize; 4];
        for s in 0..400 {
            let got = drawn(&p, "lab", Some(&format!("s{s}")));
            let i = p.faults.iter().position(|f| *f == got[0]).unwrap();
            seen[i] += 1;
        }
        // 100 expected each; a fair draw stays well within 60..140.
        assert!(seen.iter().all(|n| (60..140).contains(n)), "{seen:?}");
    }

    #[test]
    fn a_fault_reads_as_the_teacher_wrote_it() {
        let p = pool(1, 1);
        assert_eq!(p.faults[0].kind.to_string(), "shutdown: r0:eth1");
    }

    #[test]
    fn two_labs_draw_independently() {
        let p = pool(6, 1);
        let differ = (0..50)
            .filter(|s| drawn(&p, "a", Some(&format!("s{s}"))) != drawn(&p, "b", Some(&format!("s{s}"))));
        assert!(differ.count() > 20);
    }
}
