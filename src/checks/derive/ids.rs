//! Check ids. They name what is checked in the teacher's terms, so that one id means the
//! same check for every student of a lab, whatever their variant: a grader can put a
//! class side by side, and a teacher can reweight a check by its id.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::design::Design;

/// The teacher's subnet for a subnet of a student's variant (unchanged when it does not
/// vary, or when there is no variant).
pub fn teacher_net(design: &Design, net: IpNet) -> IpNet {
    let Some(variant) = &design.variant else { return net };
    let Some(swap) = variant
        .subnets
        .iter()
        .find(|s| s.student.contains(&net.addr()) && net.prefix_len() >= s.student.prefix_len())
    else {
        return net;
    };
    let moved = match (net.addr(), swap.student.network(), swap.teacher.network()) {
        (IpAddr::V4(a), IpAddr::V4(from), IpAddr::V4(to)) => {
            IpAddr::V4((u32::from(a) - u32::from(from) + u32::from(to)).into())
        }
        (IpAddr::V6(a), IpAddr::V6(from), IpAddr::V6(to)) => {
            IpAddr::V6((u128::from(a) - u128::from(from) + u128::from(to)).into())
        }
        _ => return net,
    };
    IpNet::new(moved, net.prefix_len()).unwrap_or(net)
}

/// A prefix as it appears in ids: `10.0.3.0/24`, the teacher's.
pub fn prefix(design: &Design, net: IpNet) -> String {
    teacher_net(design, net).trunc().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{SubnetSwap, Variant};

    #[test]
    fn a_students_subnet_maps_back_to_the_teachers() {
        let mut design: Design = serde_json::from_value(serde_json::json!({
            "lab": "x", "title": {}, "language": "nl", "trains": [], "task": {},
            "nodes": {}, "segments": [], "faults": [], "checks": []
        }))
        .unwrap();
        assert_eq!(prefix(&design, "192.168.77.0/24".parse().unwrap()), "192.168.77.0/24");
        design.variant = Some(Variant {
            student: "s1".into(),
            seed: "abc".into(),
            subnets: vec![SubnetSwap {
                teacher: "192.168.10.0/24".parse().unwrap(),
                student: "192.168.77.0/24".parse().unwrap(),
            }],
        });
        assert_eq!(prefix(&design, "192.168.77.0/24".parse().unwrap()), "192.168.10.0/24");
        assert_eq!(prefix(&design, "192.168.77.128/25".parse().unwrap()), "192.168.10.128/25");
        assert_eq!(prefix(&design, "10.0.0.0/8".parse().unwrap()), "10.0.0.0/8");
    }
}
