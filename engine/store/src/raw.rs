//! An interaction as its row holds it, whatever the backend: the columns in order, with
//! enums as the API spells them and case data as JSON. Each backend maps its rows to and
//! from this; the reading rules are here once.

use earshot_desk::{CaseData, Interaction, InteractionId, Link};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// The columns of an interaction's row, in `COLUMNS` order.
pub const COLUMNS: &str = "id, channel, direction, contact, contact_name, queue, call, state, \
     held, disposition, note, link_kind, link_parent, wrap_up, case_data, offered_ms, \
     accepted_ms, ended_ms, done_ms";

/// Every column but `id` (and the agent) set from the new row: an update keeps the
/// columns the desk does not know (the contact it was with, written by
/// `link_interaction`).
pub const UPDATES: &str = "channel = excluded.channel, direction = excluded.direction, \
     contact = excluded.contact, contact_name = excluded.contact_name, queue = excluded.queue, \
     call = excluded.call, state = excluded.state, held = excluded.held, \
     disposition = excluded.disposition, note = excluded.note, link_kind = excluded.link_kind, \
     link_parent = excluded.link_parent, wrap_up = excluded.wrap_up, \
     case_data = excluded.case_data, offered_ms = excluded.offered_ms, \
     accepted_ms = excluded.accepted_ms, ended_ms = excluded.ended_ms, done_ms = excluded.done_ms";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawInteraction {
    pub id: i64,
    pub channel: String,
    pub direction: String,
    pub contact: String,
    pub contact_name: Option<String>,
    pub queue: Option<String>,
    pub call: Option<i64>,
    pub state: String,
    pub held: bool,
    pub disposition: Option<String>,
    pub note: String,
    pub link_kind: Option<String>,
    pub link_parent: Option<i64>,
    pub wrap_up: String,
    pub case_data: String,
    pub offered_ms: i64,
    pub accepted_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub done_ms: Option<i64>,
}

/// An enum's name as the API spells it (its serde form).
pub fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn parse<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| StoreError::Corrupt(format!("{column} {text:?}: {e}")))
}

fn ms(v: Option<u64>) -> Option<i64> {
    v.map(|v| v.min(i64::MAX as u64) as i64)
}

impl RawInteraction {
    pub fn of(i: &Interaction) -> Result<RawInteraction, StoreError> {
        Ok(RawInteraction {
            id: i.id.0 as i64,
            channel: name(&i.channel),
            direction: name(&i.direction),
            contact: i.contact.clone(),
            contact_name: i.contact_name.clone(),
            queue: i.queue.clone(),
            call: i.call.map(|c| c as i64),
            state: name(&i.state),
            held: i.held,
            disposition: i.disposition.clone(),
            note: i.note.clone(),
            link_kind: i.link.map(|l| name(&l.kind)),
            link_parent: i.link.map(|l| l.parent.0 as i64),
            wrap_up: name(&i.wrap_up),
            case_data: serde_json::to_string(&i.case)
                .map_err(|e| StoreError::Corrupt(format!("case_data: {e}")))?,
            offered_ms: i.offered_ms.min(i64::MAX as u64) as i64,
            accepted_ms: ms(i.accepted_ms),
            ended_ms: ms(i.ended_ms),
            done_ms: ms(i.done_ms),
        })
    }

    pub fn interaction(self) -> Result<Interaction, StoreError> {
        let link = match (self.link_kind, self.link_parent) {
            (Some(kind), Some(parent)) => Some(Link {
                kind: parse("link_kind", &kind)?,
                parent: InteractionId(parent as u64),
            }),
            _ => None,
        };
        let case: CaseData = serde_json::from_str(&self.case_data)
            .map_err(|e| StoreError::Corrupt(format!("case_data: {e}")))?;
        Ok(Interaction {
            id: InteractionId(self.id as u64),
            channel: parse("channel", &self.channel)?,
            direction: parse("direction", &self.direction)?,
            contact: self.contact,
            contact_name: self.contact_name,
            queue: self.queue,
            call: self.call.map(|c| c as u64),
            state: parse("state", &self.state)?,
            held: self.held,
            disposition: self.disposition,
            note: self.note,
            link,
            wrap_up: parse("wrap_up", &self.wrap_up)?,
            case,
            offered_ms: self.offered_ms as u64,
            accepted_ms: self.accepted_ms.map(|v| v as u64),
            ended_ms: self.ended_ms.map(|v| v as u64),
            done_ms: self.done_ms.map(|v| v as u64),
        })
    }
}

/// A contact as its row holds it: identities and fields as JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct RawContact {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub identities: String,
    pub fields: String,
}

/// The columns of a contact's row, in `RawContact` order.
pub const CONTACT_COLUMNS: &str = "id, name, organisation, identities, fields";

impl RawContact {
    pub fn of(c: &earshot_directory::Contact) -> Result<RawContact, StoreError> {
        Ok(RawContact {
            id: c.id.min(i64::MAX as u64) as i64,
            name: c.name.clone(),
            organisation: c.organisation.clone(),
            identities: json("identities", &c.identities)?,
            fields: json("fields", &c.fields)?,
        })
    }

    pub fn contact(self) -> Result<earshot_directory::Contact, StoreError> {
        Ok(earshot_directory::Contact {
            id: self.id as u64,
            name: self.name,
            organisation: self.organisation,
            identities: serde_json::from_str(&self.identities)
                .map_err(|e| StoreError::Corrupt(format!("contact identities: {e}")))?,
            fields: serde_json::from_str(&self.fields)
                .map_err(|e| StoreError::Corrupt(format!("contact fields: {e}")))?,
        })
    }
}

/// `value` as JSON text for a column.
fn json<T: Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("contact {what}: {e}")))
}

/// The shown fields of an interaction's case data (its `case_data` column), as a contact's
/// history gives them; unreadable case data gives none rather than no history.
pub fn past_fields(case_data: &str) -> Vec<earshot_directory::PastField> {
    serde_json::from_str::<CaseData>(case_data)
        .map(|c| {
            c.fields
                .into_iter()
                .filter(|f| !f.hidden)
                .map(|f| earshot_directory::PastField { label: f.label, value: f.value })
                .collect()
        })
        .unwrap_or_default()
}
