//! A contact: a person outside the company, with a name, an organisation, the identities
//! they are reached by and free fields; and what the team store knows of a contact's
//! earlier interactions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::identity::{Identity, IdentityKind, Numbering};

/// A contact's number in the store.
pub type ContactId = u64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub identities: Vec<Identity>,
    /// Free fields by name (`Account`, `Segment`, `Language`…).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

impl Contact {
    /// A contact not yet stored (id 0).
    pub fn new(name: impl Into<String>) -> Contact {
        Contact { name: name.into(), ..Contact::default() }
    }

    pub fn with(mut self, kind: IdentityKind, value: impl Into<String>) -> Contact {
        self.identities.push(Identity::new(kind, value));
        self
    }

    /// The keys of its identities (those that can be read), without repeats.
    pub fn keys(&self, numbering: &Numbering) -> Vec<String> {
        let mut keys: Vec<String> =
            self.identities.iter().filter_map(|i| numbering.key(i)).collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// The first identity of `kind`, as written.
    pub fn first(&self, kind: IdentityKind) -> Option<&str> {
        self.identities.iter().find(|i| i.kind == kind).map(|i| i.value.as_str())
    }

    /// `other` taken into this contact: its identities and fields added (this contact's
    /// own fields win), its organisation if this one has none.
    pub fn absorb(&mut self, other: &Contact) {
        for i in &other.identities {
            if !self.identities.contains(i) {
                self.identities.push(i.clone());
            }
        }
        for (k, v) in &other.fields {
            self.fields.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if self.organisation.trim().is_empty() {
            self.organisation = other.organisation.clone();
        }
        if self.name.trim().is_empty() {
            self.name = other.name.clone();
        }
    }
}

/// One earlier interaction with a contact, as the contact's history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastInteraction {
    /// The team store's own number for it.
    pub id: u64,
    /// The agent who handled it (their address of record).
    pub agent: String,
    /// The agent's own number for it.
    pub agent_interaction: u64,
    pub channel: String,
    pub direction: String,
    pub state: String,
    pub queue: Option<String>,
    pub started_ms: u64,
    /// From answer to end, when it was answered and ended.
    pub duration_ms: Option<u64>,
    pub disposition: Option<String>,
    pub note: String,
    /// For calls: the call's quality as its history recorded it (MOS estimate), if known.
    pub quality: Option<f32>,
    /// Its case data as the agent last saw it, in order (hidden fields left out).
    #[serde(default)]
    pub case: Vec<PastField>,
}

/// One case field of an earlier interaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastField {
    pub label: String,
    pub value: String,
}
