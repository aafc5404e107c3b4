//! The mix plan for the phone's calls (DESIGN.md "The mix plan"): which leg hears the
//! microphone, which legs the earpiece hears, and, in a local conference, each party
//! hearing all the others (N−1). Built off the real-time thread on every change.

use earshot_media::media_loop::MAX_LEGS;
use earshot_media::mix::{MixPlan, MonitorMode};

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
    /// A supervisor's monitoring leg: whom it monitors and how (its own `sends`/`heard`
    /// are not used).
    pub supervises: Option<Supervision>,
}

/// What a supervisor's leg takes part in (DESIGN.md "The mix plan").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supervision {
    /// The loop slot of the monitored call's leg (before [`plan_for`]: its leg id).
    pub customer: usize,
    pub mode: MonitorMode,
}

/// The plan: source 0 the microphone and sink 0 the earpiece; leg slot `i` is source and
/// sink `1 + i` (as the media loop numbers them).
///
/// A supervisor's leg is fed the agent's microphone (unless muted) and the monitored
/// customer while the agent does not hold them — taken before the supervisor is added
/// anywhere, so a supervisor never hears themselves; in whisper and barge the earpiece
/// hears the supervisor, in barge the customer does too (while not held).
pub fn plan_for(legs: &[LegMix]) -> MixPlan {
    let mut plan = MixPlan::new(1 + MAX_LEGS, 1 + MAX_LEGS);
    for l in legs.iter().filter(|l| l.slot < MAX_LEGS) {
        let node = 1 + l.slot;
        if let Some(s) = l.supervises {
            plan = supervisor_links(plan, node, l.muted, s, legs);
            continue;
        }
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

fn supervisor_links(
    mut plan: MixPlan,
    node: usize,
    agent_muted: bool,
    s: Supervision,
    legs: &[LegMix],
) -> MixPlan {
    if !agent_muted {
        plan = plan.link(0, node);
    }
    let customer = legs.iter().find(|c| c.slot == s.customer && c.supervises.is_none());
    if let Some(c) = customer.filter(|c| c.heard) {
        plan = plan.link(1 + c.slot, node);
    }
    if matches!(s.mode, MonitorMode::Whisper | MonitorMode::Barge) {
        plan = plan.link(node, 0);
    }
    if s.mode == MonitorMode::Barge
        && let Some(c) = customer.filter(|c| c.sends)
    {
        plan = plan.link(node, 1 + c.slot);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(slot: usize) -> LegMix {
        LegMix { slot, sends: true, heard: true, muted: false, conference: false, supervises: None }
    }

    fn links(p: &MixPlan) -> Vec<(usize, usize)> {
        let mut l: Vec<(usize, usize)> = p.links.iter().map(|l| (l.source, l.sink)).collect();
        l.sort_unstable();
        l
    }

    /// The phone's plan for a customer in slot 0 and a supervisor in slot 1 is the
    /// DESIGN.md table (`MixPlan::agent`, whose nodes number the same way) for every mode,
    /// the customer held or not.
    #[test]
    fn a_supervisor_leg_follows_the_design_table() {
        for mode in [MonitorMode::Listen, MonitorMode::Whisper, MonitorMode::Barge] {
            for held in [false, true] {
                let customer = LegMix { sends: !held, heard: !held, ..leg(0) };
                let supervisor = LegMix {
                    sends: false,
                    heard: false,
                    supervises: Some(Supervision { customer: 0, mode }),
                    ..leg(1)
                };
                let got = plan_for(&[customer, supervisor]);
                let want = MixPlan::agent(mode, held);
                assert_eq!(links(&got), links(&want), "{mode:?}, held {held}");
                assert!(!got.hears(2, 2), "the supervisor never hears themselves");
            }
        }
    }

    /// Two calls, one monitored: the other call's customer never reaches the supervisor,
    /// and a barging supervisor is heard only by the monitored customer.
    #[test]
    fn a_supervisor_hears_only_the_call_monitored() {
        let supervisor = LegMix {
            sends: false,
            heard: false,
            supervises: Some(Supervision { customer: 2, mode: MonitorMode::Barge }),
            ..leg(4)
        };
        let other_held = LegMix { sends: false, heard: false, ..leg(0) };
        let p = plan_for(&[other_held, leg(2), supervisor]);
        assert!(p.hears(5, 3) && p.hears(5, 0), "the supervisor hears the call and the agent");
        assert!(!p.hears(5, 1), "not the other call");
        assert!(p.hears(3, 5) && p.hears(0, 5), "barge: customer and agent hear the supervisor");
        assert!(!p.hears(1, 5), "the other call does not");
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
