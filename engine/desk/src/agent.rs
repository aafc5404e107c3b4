//! The agent's state: logged out, Ready, Not Ready with a reason, After-Call Work; busy is
//! not a state of its own but Ready at capacity (derived per channel).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The reason the desk gives when an offer times out.
pub const MISSED_OFFER: &str = "missed offer";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "reason")]
pub enum AgentState {
    LoggedOut,
    Ready,
    NotReady(String),
    AfterCallWork,
}

impl AgentState {
    /// The name in the API (`agent-state` events, `state` commands).
    pub fn name(&self) -> &'static str {
        match self {
            AgentState::LoggedOut => "logged-out",
            AgentState::Ready => "ready",
            AgentState::NotReady(_) => "not-ready",
            AgentState::AfterCallWork => "after-call-work",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            AgentState::NotReady(r) => Some(r),
            _ => None,
        }
    }
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentState::NotReady(r) => write!(f, "not-ready ({r})"),
            s => f.write_str(s.name()),
        }
    }
}

/// What the agent asks for (`state ready`, `state not-ready REASON`, `state logout`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateWish {
    Ready,
    NotReady(String),
    LogOut,
}

impl StateWish {
    /// Parses the words after `state`: `ready`, `not-ready [REASON…]`, `logout`.
    pub fn parse(words: &str) -> Option<StateWish> {
        let words = words.trim();
        let (first, rest) = words.split_once(char::is_whitespace).unwrap_or((words, ""));
        match first.to_ascii_lowercase().as_str() {
            "ready" if rest.trim().is_empty() => Some(StateWish::Ready),
            "not-ready" | "notready" => Some(StateWish::NotReady(rest.trim().to_string())),
            "logout" | "log-out" | "logged-out" if rest.trim().is_empty() => {
                Some(StateWish::LogOut)
            }
            _ => None,
        }
    }
}

/// Seen from outside: the state with what it implies for offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentStatus {
    pub state: AgentState,
    /// Unix ms when the state began.
    pub since_ms: u64,
    /// The state asked for once wrap-up ends (`Not Ready after this call`).
    pub next: Option<AgentState>,
    /// Ready, but no capacity left on any channel (shown as busy; no offers).
    pub busy: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wishes_parse() {
        assert_eq!(StateWish::parse("ready"), Some(StateWish::Ready));
        assert_eq!(
            StateWish::parse(" not-ready  Lunch break "),
            Some(StateWish::NotReady("Lunch break".into()))
        );
        assert_eq!(StateWish::parse("not-ready"), Some(StateWish::NotReady(String::new())));
        assert_eq!(StateWish::parse("logout"), Some(StateWish::LogOut));
        assert_eq!(StateWish::parse("ready now"), None);
        assert_eq!(StateWish::parse("dancing"), None);
    }
}
