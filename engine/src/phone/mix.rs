//! The mix plan for the phone's calls (DESIGN.md "The mix plan"): which leg hears the
//! microphone, which legs the earpiece hears, and, in a local conference, each party
//! hearing all the others (N−1). Built off the real-time thread on every change.

use crate::media::media_loop::MAX_LEGS;
use crate::media::mix::MixPlan;

/// How one leg (a call's media, in loop slot `slot`) takes part in the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegMix {
    pub slot: usize,
    /// We send to it: answered and not held by either side.
    pub sends: bool,
    /// Its audio is heard: answered and not held by us (a peer that holds us may play
    /// music).
    pub heard: bool,
    /// Our microphone is cut from it.
    pub muted: bool,
    /// Part of the local conference.
    pub conference: bool,
}

/// The plan: source 0 the microphone and sink 0 the earpiece; leg slot `i` is source and
/// sink `1 + i` (as the media loop numbers them).
pub fn plan_for(legs: &[LegMix]) -> MixPlan {
    let mut plan = MixPlan::new(1 + MAX_LEGS, 1 + MAX_LEGS);
    for l in legs.iter().filter(|l| l.slot < MAX_LEGS) {
        let node = 1 + l.slot;
        if l.heard {
            plan = plan.link(node, 0);
        }
        if l.sends && !l.muted {
            plan = plan.link(0, node);
        }
        if l.sends && l.conference {
            for other in legs.iter().filter(|o| o.conference && o.heard && o.slot != l.slot) {
                plan = plan.link(1 + other.slot, node);
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(slot: usize) -> LegMix {
        LegMix { slot, sends: true, heard: true, muted: false, conference: false }
    }

    #[test]
    fn one_call_hears_and_is_heard() {
        let p = plan_for(&[leg(0)]);
        assert!(p.hears(1, 0) && p.hears(0, 1));
        assert_eq!(p.links.len(), 2);
    }

    #[test]
    fn a_held_call_neither_hears_nor_is_heard() {
        let held = LegMix { sends: false, heard: false, ..leg(0) };
        let p = plan_for(&[held, leg(1)]);
        assert!(!p.hears(1, 0) && !p.hears(0, 1));
        assert!(p.hears(2, 0) && p.hears(0, 2));
    }

    #[test]
    fn muted_cuts_the_microphone_only() {
        let p = plan_for(&[LegMix { muted: true, ..leg(0) }]);
        assert!(!p.hears(1, 0));
        assert!(p.hears(0, 1));
    }

    #[test]
    fn a_remote_hold_is_heard_but_not_sent_to() {
        let p = plan_for(&[LegMix { sends: false, ..leg(0) }]);
        assert!(!p.hears(1, 0) && p.hears(0, 1));
    }

    #[test]
    fn in_a_conference_each_party_hears_all_the_others_and_never_itself() {
        let c = |slot| LegMix { conference: true, ..leg(slot) };
        let p = plan_for(&[c(0), c(2), c(5)]);
        for a in [0, 2, 5] {
            assert!(p.hears(1 + a, 0), "party {a} hears the agent");
            assert!(p.hears(0, 1 + a), "the agent hears party {a}");
            for b in [0, 2, 5] {
                assert_eq!(p.hears(1 + a, 1 + b), a != b, "{b} → {a}");
            }
        }
    }
}
