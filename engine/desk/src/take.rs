//! Whether the agent takes an offered call, and how: refused at once when the agent cannot
//! take it (do-not-disturb, or already at the most calls at once: 486 Busy Here, RFC 3261
//! §21.4.24), answered by itself when auto-answer applies and the agent's current calls
//! allow it, otherwise offered (it rings).

use serde::{Deserialize, Serialize};

/// What auto-answer does when a call is already up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InCallAutoAnswer {
    /// Answer by itself only when no other call is up; otherwise the call rings as usual
    /// (an agent's default: a routed call never puts a customer on hold by itself).
    #[default]
    WhenIdle,
    /// Answer at once, holding the call that was up.
    HoldCurrent,
}

/// The agent's settings that decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakePolicy {
    /// Refuse every call.
    pub do_not_disturb: bool,
    /// The most calls at once, ringing, held and monitoring legs included; a call beyond it
    /// is refused with 486.
    pub max_calls: usize,
    pub in_call_auto_answer: InCallAutoAnswer,
}

impl Default for TakePolicy {
    fn default() -> Self {
        TakePolicy {
            do_not_disturb: false,
            max_calls: DEFAULT_MAX_CALLS,
            in_call_auto_answer: InCallAutoAnswer::WhenIdle,
        }
    }
}

/// An agent handles one customer, may consult a second party and take a third into a
/// conference, and may have one more ringing: four.
pub const DEFAULT_MAX_CALLS: usize = 4;

/// The offered call, as the phone judged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offered {
    /// Auto-answer applies to it (the setting, the caller, or a trusted request).
    pub auto_answer: bool,
    /// It replaces one of our calls (RFC 3891): we are being transferred, and it is
    /// answered at once whatever the load, in place of the call it replaces.
    pub replaces_ours: bool,
}

/// The agent's calls when the offer arrives (the offer itself not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    /// Every call the phone holds: ringing, dialling, up, held.
    pub calls: usize,
    /// Those answered and not held by us.
    pub talking: usize,
}

/// What the phone does with the offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Answer it with this final status, never ringing the agent.
    Refuse { status: u16, why: &'static str },
    /// Ring the agent; if `auto_answer`, answer by itself after the auto-answer delay once
    /// [`TakePolicy::may_auto_answer_now`].
    Offer { auto_answer: bool },
    /// Answer at once in place of the call it replaces.
    AnswerReplacing,
}

impl TakePolicy {
    /// The decision for one offer.
    pub fn decide(&self, offered: Offered, load: Load) -> Decision {
        if offered.replaces_ours {
            return Decision::AnswerReplacing;
        }
        if self.do_not_disturb {
            return Decision::Refuse { status: 486, why: "do not disturb" };
        }
        if load.calls >= self.max_calls {
            return Decision::Refuse { status: 486, why: "too many calls at once" };
        }
        Decision::Offer { auto_answer: offered.auto_answer }
    }

    /// Whether a call offered with auto-answer may be answered now (its delay over): at
    /// once with `HoldCurrent`; with `WhenIdle` only once the agent talks on no other call,
    /// so a call that arrives while the agent is busy rings and is answered by itself when
    /// the agent is free (or answered by hand before).
    pub fn may_auto_answer_now(&self, load: Load) -> bool {
        load.talking == 0 || self.in_call_auto_answer == InCallAutoAnswer::HoldCurrent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTO: Offered = Offered { auto_answer: true, replaces_ours: false };
    const PLAIN: Offered = Offered { auto_answer: false, replaces_ours: false };

    #[test]
    fn do_not_disturb_refuses_with_486() {
        let p = TakePolicy { do_not_disturb: true, ..TakePolicy::default() };
        assert!(matches!(p.decide(AUTO, Load::default()), Decision::Refuse { status: 486, .. }));
    }

    #[test]
    fn calls_beyond_the_most_are_refused() {
        let p = TakePolicy { max_calls: 2, ..TakePolicy::default() };
        assert_eq!(
            p.decide(PLAIN, Load { calls: 1, talking: 1 }),
            Decision::Offer { auto_answer: false }
        );
        assert!(matches!(
            p.decide(PLAIN, Load { calls: 2, talking: 0 }),
            Decision::Refuse { status: 486, .. }
        ));
    }

    #[test]
    fn auto_answer_waits_for_an_idle_agent_by_default() {
        let p = TakePolicy::default();
        assert_eq!(p.decide(AUTO, Load::default()), Decision::Offer { auto_answer: true });
        // Talking: it rings, and is answered by itself once the agent is free.
        assert!(!p.may_auto_answer_now(Load { calls: 2, talking: 1 }));
        assert!(p.may_auto_answer_now(Load { calls: 1, talking: 0 }));
    }

    #[test]
    fn auto_answer_may_hold_the_current_call() {
        let p =
            TakePolicy { in_call_auto_answer: InCallAutoAnswer::HoldCurrent, ..Default::default() };
        assert!(p.may_auto_answer_now(Load { calls: 2, talking: 1 }));
    }

    #[test]
    fn a_replacing_call_is_answered_whatever_the_load() {
        let p = TakePolicy { do_not_disturb: true, max_calls: 1, ..Default::default() };
        let offered = Offered { auto_answer: false, replaces_ours: true };
        assert_eq!(p.decide(offered, Load { calls: 1, talking: 1 }), Decision::AnswerReplacing);
    }
}
