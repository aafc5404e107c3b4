//! Mix plans: which source reaches which sink, with what gain; built off the real-time
//! thread and swapped in whole. Includes the agent's plans for the monitoring modes and
//! the N-way conference plan of DESIGN.md.

/// One link: `source` is heard in `sink` at `gain` (1.0 = unity).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    pub source: usize,
    pub sink: usize,
    pub gain: f32,
}

/// A set of links over `sources` sources and `sinks` sinks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MixPlan {
    pub sources: usize,
    pub sinks: usize,
    pub links: Vec<Link>,
}

/// Supervisor monitoring mode on an agent's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorMode {
    /// No supervisor.
    None,
    /// Silent monitoring: the supervisor hears both sides.
    Listen,
    /// Coaching: the agent also hears the supervisor; the customer does not.
    Whisper,
    /// Barge-in: everyone hears everyone.
    Barge,
}

/// The nodes of an agent's call. Sources: the agent's microphone (A), the customer (C),
/// the supervisor (S). Sinks: the agent's earpiece, what is sent to the customer, what is
/// sent to the supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentNodes;

impl AgentNodes {
    pub const MIC: usize = 0;
    pub const CUSTOMER: usize = 1;
    pub const SUPERVISOR: usize = 2;
    pub const EARPIECE: usize = 0;
    pub const TO_CUSTOMER: usize = 1;
    pub const TO_SUPERVISOR: usize = 2;
}

impl MixPlan {
    pub fn new(sources: usize, sinks: usize) -> Self {
        MixPlan { sources, sinks, links: Vec::new() }
    }

    /// Adds a unity-gain link.
    pub fn link(mut self, source: usize, sink: usize) -> Self {
        self.links.push(Link { source, sink, gain: 1.0 });
        self
    }

    /// Whether `source` is heard in `sink`.
    pub fn hears(&self, sink: usize, source: usize) -> bool {
        self.links.iter().any(|l| l.sink == sink && l.source == source && l.gain != 0.0)
    }

    /// The agent's plan for a monitoring mode (DESIGN.md table). The supervisor's feed is
    /// taken before S is added anywhere, so a supervisor never hears themselves; when the
    /// agent holds the customer, C leaves every sink and the customer is sent nothing.
    pub fn agent(mode: MonitorMode, customer_held: bool) -> MixPlan {
        use AgentNodes as N;
        let mut p = MixPlan::new(3, 3);
        if !customer_held {
            p = p.link(N::CUSTOMER, N::EARPIECE).link(N::MIC, N::TO_CUSTOMER);
        }
        if mode == MonitorMode::None {
            return p;
        }
        p = p.link(N::MIC, N::TO_SUPERVISOR);
        if !customer_held {
            p = p.link(N::CUSTOMER, N::TO_SUPERVISOR);
        }
        if matches!(mode, MonitorMode::Whisper | MonitorMode::Barge) {
            p = p.link(N::SUPERVISOR, N::EARPIECE);
        }
        if mode == MonitorMode::Barge && !customer_held {
            p = p.link(N::SUPERVISOR, N::TO_CUSTOMER);
        }
        p
    }

    /// An N-way conference: source 0 is the local microphone and sources 1..=n the remote
    /// parties; sink 0 is the earpiece and sinks 1..=n what each party is sent. Everyone
    /// hears everyone but themselves (N−1).
    pub fn conference(parties: usize) -> MixPlan {
        let mut p = MixPlan::new(parties + 1, parties + 1);
        for sink in 0..=parties {
            for source in 0..=parties {
                if source != sink {
                    p = p.link(source, sink);
                }
            }
        }
        p
    }
}
