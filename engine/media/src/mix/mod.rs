//! The mixer (DESIGN.md, "The mix plan"): one mechanism for calls, monitoring and
//! conferences. Sources and sinks are numbered nodes; a plan is the set of one-way links
//! with gains; mixing saturates and never wraps.

mod mixer;
mod plan;

pub use mixer::Mixer;
pub use plan::{AgentNodes, Link, MixPlan, MonitorMode};
