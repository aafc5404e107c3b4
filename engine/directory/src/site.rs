//! The site's people and queues as the team store knows them (every agent's phone enrols
//! itself: its address, its name, its queues), and the targets an agent keeps at hand in
//! Team Communicator: favourites, and those reached lately.

use serde::{Deserialize, Serialize};

use crate::search::{Hit, Target, TargetKind};

/// An agent of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteAgent {
    /// Its address of record (`sip:alice@site.example`).
    pub address: String,
    /// As its phone is configured (`display_name`), else the user part of its address.
    pub name: String,
    /// The queues it takes interactions from.
    pub queues: Vec<String>,
}

/// A queue of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteQueue {
    /// Its address or user part, as the desk's configuration names it (what is dialled).
    pub name: String,
    pub label: String,
}

impl SiteAgent {
    pub fn target(&self) -> Target {
        Target {
            kind: TargetKind::Agent,
            id: self.address.clone(),
            name: self.name.clone(),
            addresses: vec![self.address.clone()],
            detail: self.queues.join(" "),
        }
    }
}

impl SiteQueue {
    pub fn target(&self) -> Target {
        Target {
            kind: TargetKind::Queue,
            id: self.name.clone(),
            name: self.label.clone(),
            addresses: Vec::new(),
            detail: self.name.clone(),
        }
    }
}

/// Which of an agent's lists a kept target is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeptList {
    Favourite,
    Recent,
}

impl KeptList {
    pub fn as_str(self) -> &'static str {
        match self {
            KeptList::Favourite => "favourite",
            KeptList::Recent => "recent",
        }
    }
}

/// A target an agent keeps at hand: what to reach it at (its key in the list), and what
/// the directory called it then (an address dialled that the directory does not know has
/// no kind).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptTarget {
    /// What is dialled: an agent's address, a queue's name, a contact's number or address.
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TargetKind>,
    /// The directory's id for it (a contact's number, an agent's address), if known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// When it was made a favourite, or last reached (Unix ms).
    pub at_ms: u64,
}

impl KeptTarget {
    /// What the list shows for it: the directory's entry as it is now (its name and live
    /// state), else what was kept.
    pub fn hit(&self, current: Option<Hit>) -> Hit {
        current.unwrap_or_else(|| Hit {
            kind: self.kind.unwrap_or(TargetKind::Contact),
            id: self.id.clone(),
            name: if self.name.is_empty() { self.address.clone() } else { self.name.clone() },
            addresses: vec![self.address.clone()],
            detail: String::new(),
            state: None,
            score: 0,
        })
    }
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Agent => "agent",
            TargetKind::Queue => "queue",
            TargetKind::Contact => "contact",
        }
    }

    /// The kind a store wrote with [`TargetKind::as_str`].
    pub fn parse(text: &str) -> Option<TargetKind> {
        match text {
            "agent" => Some(TargetKind::Agent),
            "queue" => Some(TargetKind::Queue),
            "contact" => Some(TargetKind::Contact),
            _ => None,
        }
    }
}

/// How many targets reached lately an agent's list keeps.
pub const RECENT_KEPT: usize = 20;
