//! Admission: whether a lab may start deploying now, must wait, or can never run on
//! this server. Pure: the manager passes in what runs.

use serde::{Deserialize, Serialize};

/// How much one server takes on. docs/capacity.md derives the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Deploys running at the same time: a deploy is CPU-bound, and more at once only
    /// makes each slower.
    pub deploys: usize,
    /// Nodes on the server: of every lab that runs, deploys or is being removed.
    pub nodes: usize,
    /// Live instances (waiting, running or being removed) per owner.
    pub per_owner: usize,
}

/// What runs on the server now, as admission counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    pub deploys: usize,
    pub nodes: usize,
}

/// Why a request can never be admitted: refused at once, never queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The lab alone has more nodes than the server runs.
    #[error("the lab has {nodes} nodes and this server runs at most {limit}")]
    TooBig { nodes: usize, limit: usize },
    /// The owner has as many live instances as they may.
    #[error("{owner} already has {live} lab(s) and may have at most {limit}")]
    OverQuota { owner: String, live: usize, limit: usize },
}

impl Limits {
    /// Whether a request could ever run here, before it is queued: a request that
    /// cannot is refused at once rather than failing halfway or waiting forever.
    pub fn admissible(&self, owner: &str, nodes: usize, owner_live: usize) -> Result<(), Refusal> {
        if nodes > self.nodes {
            return Err(Refusal::TooBig { nodes, limit: self.nodes });
        }
        if owner_live >= self.per_owner {
            return Err(Refusal::OverQuota {
                owner: owner.to_string(),
                live: owner_live,
                limit: self.per_owner,
            });
        }
        Ok(())
    }

    /// Whether a lab of `nodes` nodes may start deploying with `load` running.
    pub fn fits(&self, load: Load, nodes: usize) -> bool {
        load.deploys < self.deploys && load.nodes + nodes <= self.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { deploys: 2, nodes: 10, per_owner: 1 };

    #[test]
    fn a_lab_bigger_than_the_server_or_over_the_quota_is_refused() {
        assert_eq!(LIMITS.admissible("anna", 10, 0), Ok(()));
        assert_eq!(LIMITS.admissible("anna", 11, 0), Err(Refusal::TooBig { nodes: 11, limit: 10 }));
        let over = LIMITS.admissible("anna", 3, 1).unwrap_err();
        assert_eq!(over.to_string(), "anna already has 1 lab(s) and may have at most 1");
    }

    #[test]
    fn a_lab_waits_for_a_deploy_slot_and_for_room_for_its_nodes() {
        assert!(LIMITS.fits(Load { deploys: 1, nodes: 6 }, 4));
        assert!(!LIMITS.fits(Load { deploys: 1, nodes: 7 }, 4), "no room for its nodes");
        assert!(!LIMITS.fits(Load { deploys: 2, nodes: 0 }, 1), "every deploy slot taken");
    }
}
