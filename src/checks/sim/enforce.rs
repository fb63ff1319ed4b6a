//! Where traffic that must be blocked has to be stopped, in the lab as designed: the
//! control point of every negative check (see [`Enforcement`]).

use std::net::IpAddr;

use super::World;
use super::policy::Flow;
use super::trip::Stop;
use crate::checks::model::Enforcement;

impl World {
    /// The node whose policy stops `flow` from `from` to `to` in this world, and the
    /// node the traffic is addressed to. Where nothing stops it here (a teacher's check
    /// that expects more than the design says), the last node before the target, or
    /// the target itself: the traffic must at least get that far.
    pub fn enforcement(&self, from: &str, to: IpAddr, flow: Flow) -> Enforcement {
        let target = self.owner(to).map(|n| n.name.clone());
        let trip = self.round_trip(from, to, flow);
        let at = match trip.stop() {
            Some(Stop::Dropped { node, .. })
            | Some(Stop::NoRoute { node })
            | Some(Stop::NoNeighbour { node, .. })
            | Some(Stop::NotForwarding { node })
            | Some(Stop::NoSourceAddress { node }) => node.clone(),
            Some(Stop::Loop) | None => trip
                .there
                .transit()
                .last()
                .cloned()
                .or_else(|| target.clone())
                .unwrap_or_else(|| from.to_string()),
        };
        Enforcement { at, target }
    }

    /// Whether traffic that must be blocked is, in this world, stopped where `e` says:
    /// it gets as far as `e.at` and no further (at a target that is `e.at` itself, it
    /// arrives and goes unanswered). What the runner will see, so that dependencies
    /// follow it: a lab in which the traffic never gets to `e.at` skips the check.
    pub fn stopped_at(&self, from: &str, to: IpAddr, flow: Flow, e: &Enforcement) -> bool {
        let trip = self.round_trip(from, to, flow);
        let got_there = trip.there.hops.contains(&e.at);
        if e.target.as_deref() == Some(e.at.as_str()) {
            return got_there && !trip.ok();
        }
        // The policy node must itself reach the target: else its routing, not its
        // policy, stops the traffic, and the runner skips the check.
        let deliverable = e.target.is_none() || self.round_trip(&e.at, to, Flow::Icmp).ok();
        got_there && deliverable && trip.there.receiver() != e.target.as_deref()
    }
}
