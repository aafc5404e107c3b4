//! An interaction: one call, chat or email with a contact or an internal target, through
//! its life (DESIGN.md §7): offered (preview) → active → wrap-up → done, or declined,
//! missed, abandoned, transferred away.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::case::CaseData;
use crate::wrap_up::WrapUpMode;

/// Unique on this desk for as long as its store lives (the store hands out the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InteractionId(pub u64);

impl fmt::Display for InteractionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Voice,
    Chat,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Voice, Channel::Chat, Channel::Email];

    pub fn name(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
            Channel::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Shown in the preview, waiting for Accept or Decline.
    Offered,
    /// Accepted and being worked (a call answered, held or not).
    Active,
    /// The contact is gone (or the agent closed it): disposition and note.
    WrapUp,
    Done,
    Declined,
    /// The offer timed out.
    Missed,
    /// The contact left before it was accepted.
    Abandoned,
    /// Handed to another agent or target.
    Transferred,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Offered => "offered",
            State::Active => "active",
            State::WrapUp => "wrap-up",
            State::Done => "done",
            State::Declined => "declined",
            State::Missed => "missed",
            State::Abandoned => "abandoned",
            State::Transferred => "transferred",
        }
    }

    /// No further change of state will come (a note and a disposition still may, on a
    /// transferred one).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Done | State::Declined | State::Missed | State::Abandoned | State::Transferred
        )
    }

    /// The agent works on it: it counts against the channel's capacity.
    pub fn occupies(self) -> bool {
        matches!(self, State::Offered | State::Active | State::WrapUp)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How two interactions are related; recorded on the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    /// The agent consulted someone during the parent.
    Consultation,
    /// The parent was transferred into this one (on the receiving agent's desk), or this
    /// one was made to carry the parent elsewhere.
    Transfer,
    /// Joined with the parent in a conference.
    Conference,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: LinkKind,
    pub parent: InteractionId,
}

/// What a channel reports when something is offered or placed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Arrival {
    /// Who the interaction is with (a SIP URI or number, an email address).
    pub contact: String,
    /// The contact's display name, if known.
    pub contact_name: Option<String>,
    /// The queue address it came by (`None`: dialled directly).
    pub queue: Option<String>,
    /// The channel's own handle (voice: the phone's call id).
    pub call: Option<u64>,
    /// Case data sources (see [`crate::case::Source`]).
    pub sources: Vec<crate::case::Source>,
    /// The site asked to answer by itself (e.g. a supervisor's request, Answer-Mode).
    pub auto_answer: bool,
    /// A link to another interaction of this desk (a consultation it placed).
    pub link: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interaction {
    pub id: InteractionId,
    pub channel: Channel,
    pub direction: Direction,
    pub contact: String,
    pub contact_name: Option<String>,
    pub queue: Option<String>,
    pub call: Option<u64>,
    pub case: CaseData,
    pub state: State,
    pub held: bool,
    pub disposition: Option<String>,
    pub note: String,
    pub link: Option<Link>,
    pub wrap_up: WrapUpMode,
    /// Unix ms of each step, for the history and the time-in-state shown.
    pub offered_ms: u64,
    pub accepted_ms: Option<u64>,
    pub ended_ms: Option<u64>,
    pub done_ms: Option<u64>,
}

impl Interaction {
    /// Whether Done is allowed now (a mandatory wrap-up needs a disposition).
    pub fn may_finish(&self) -> bool {
        self.wrap_up != WrapUpMode::Mandatory || self.disposition.is_some()
    }
}
