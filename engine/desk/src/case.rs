//! Case data (context information): the ordered fields an interaction carries, filled from
//! what arrives (see [`crate::sip_case`] for SIP) and shaped by the configuration's rules
//! (rename, label, order, hide, editable). Carried to the next agent on a consultation,
//! transfer or conference under their source names, so the same rules apply there.

use serde::{Deserialize, Serialize};

use crate::errors::DeskError;

/// Where a field's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A header of the request that offered it (`X-…`, `Call-Info`).
    Header,
    /// RFC 7433 User-to-User information.
    UserToUser,
    /// The queue address dialled.
    Queue,
    /// The caller's identity.
    Caller,
    /// Entered by an agent.
    Agent,
}

/// One value as it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub origin: Origin,
    /// The source name (a header without `X-`, `User-to-User`, `queue`, `caller`).
    pub name: String,
    pub value: String,
}

impl Source {
    pub fn new(origin: Origin, name: impl Into<String>, value: impl Into<String>) -> Source {
        Source { origin, name: name.into(), value: value.into() }
    }
}

/// A configuration rule for the field whose source name is `source` (compared without
/// case).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseRule {
    pub source: String,
    /// The field's name on this desk (in templates and commands).
    pub rename: Option<String>,
    /// What the agent reads.
    pub label: Option<String>,
    /// Fields with an order come first, lowest first; the others follow as they arrived.
    pub order: Option<i32>,
    pub hide: bool,
    pub editable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseField {
    /// The field's name (after renaming).
    pub name: String,
    /// The name it arrived under (carried on transfers).
    pub source: String,
    pub label: String,
    pub value: String,
    pub origin: Origin,
    pub editable: bool,
    pub hidden: bool,
}

/// The ordered fields of one interaction.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseData {
    pub fields: Vec<CaseField>,
}

impl CaseData {
    /// Fields from `sources` shaped by `rules`; a source name arriving twice keeps its
    /// first value (the first header of a name wins, as a proxy may append).
    pub fn build(sources: &[Source], rules: &[CaseRule]) -> CaseData {
        let mut fields: Vec<(Option<i32>, usize, CaseField)> = Vec::new();
        for (arrived, s) in sources.iter().enumerate() {
            if s.name.is_empty()
                || fields.iter().any(|(_, _, f)| f.source.eq_ignore_ascii_case(&s.name))
            {
                continue;
            }
            let rule = rules.iter().find(|r| r.source.eq_ignore_ascii_case(&s.name));
            let name = rule.and_then(|r| r.rename.clone()).unwrap_or_else(|| s.name.clone());
            let field = CaseField {
                label: rule.and_then(|r| r.label.clone()).unwrap_or_else(|| name.clone()),
                name,
                source: s.name.clone(),
                value: clean(&s.value),
                origin: s.origin,
                editable: rule.is_some_and(|r| r.editable),
                hidden: rule.is_some_and(|r| r.hide),
            };
            fields.push((rule.and_then(|r| r.order), arrived, field));
        }
        // An editable field the configuration names is there for the agent to fill in
        // even when nothing arrived for it (a ticket number, say); it then travels on.
        for rule in rules.iter().filter(|r| r.editable && !r.source.is_empty()) {
            if fields.iter().any(|(_, _, f)| f.source.eq_ignore_ascii_case(&rule.source)) {
                continue;
            }
            let name = rule.rename.clone().unwrap_or_else(|| rule.source.clone());
            let field = CaseField {
                label: rule.label.clone().unwrap_or_else(|| name.clone()),
                name,
                source: rule.source.clone(),
                value: String::new(),
                origin: Origin::Agent,
                editable: true,
                hidden: rule.hide,
            };
            fields.push((rule.order, sources.len(), field));
        }
        fields.sort_by_key(|(order, arrived, _)| (order.is_none(), *order, *arrived));
        CaseData { fields: fields.into_iter().map(|(_, _, f)| f).collect() }
    }

    /// A field by its name on this desk (or its source name), without case.
    pub fn get(&self, name: &str) -> Option<&CaseField> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .or_else(|| self.fields.iter().find(|f| f.source.eq_ignore_ascii_case(name)))
    }

    /// A field's value; an empty one counts as missing.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(|f| f.value.as_str()).filter(|v| !v.is_empty())
    }

    /// The agent changes an editable field.
    pub fn edit(&mut self, name: &str, value: &str) -> Result<(), DeskError> {
        let index = self
            .fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(name))
            .or_else(|| self.fields.iter().position(|f| f.source.eq_ignore_ascii_case(name)))
            .ok_or_else(|| DeskError::UnknownField(name.to_string()))?;
        let field =
            self.fields.get_mut(index).ok_or_else(|| DeskError::UnknownField(name.to_string()))?;
        if !field.editable {
            return Err(DeskError::FieldNotEditable(field.name.clone()));
        }
        field.value = clean(value);
        Ok(())
    }

    /// The fields as they travel to the next agent: source name and current value (edits
    /// included), the queue and caller left out (the next desk has its own), and fields
    /// nobody filled in.
    pub fn carried(&self) -> Vec<Source> {
        self.fields
            .iter()
            .filter(|f| !matches!(f.origin, Origin::Queue | Origin::Caller))
            .filter(|f| !f.value.is_empty())
            .map(|f| Source::new(f.origin, f.source.clone(), f.value.clone()))
            .collect()
    }

    /// The visible fields, in order.
    pub fn visible(&self) -> impl Iterator<Item = &CaseField> {
        self.fields.iter().filter(|f| !f.hidden)
    }
}

/// Control characters (a CR or LF above all, which would split a header carried on) become
/// spaces; length is bounded so that one field cannot grow a request past a datagram.
fn clean(value: &str) -> String {
    const MAX: usize = 1024;
    let mut out: String = value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if out.len() > MAX {
        let mut cut = MAX;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Vec<Source> {
        vec![
            Source::new(Origin::Caller, "caller", "sip:+15145550123@example.com"),
            Source::new(Origin::Queue, "queue", "support"),
            Source::new(Origin::Header, "Account-Id", "A-77"),
            Source::new(Origin::Header, "Segment", "gold"),
            Source::new(Origin::Header, "account-id", "second value ignored"),
            Source::new(Origin::UserToUser, "User-to-User", "order 42"),
        ]
    }

    #[test]
    fn fields_follow_their_rules() {
        let rules = vec![
            CaseRule {
                source: "account-id".into(),
                rename: Some("account".into()),
                label: Some("Account".into()),
                order: Some(1),
                editable: true,
                ..Default::default()
            },
            CaseRule { source: "Segment".into(), hide: true, ..Default::default() },
            CaseRule { source: "queue".into(), order: Some(2), ..Default::default() },
        ];
        let case = CaseData::build(&sources(), &rules);
        let names: Vec<&str> = case.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["account", "queue", "caller", "Segment", "User-to-User"]);
        let account = case.get("account").unwrap();
        assert_eq!(
            (account.label.as_str(), account.value.as_str(), account.editable),
            ("Account", "A-77", true)
        );
        assert_eq!(case.value("Account-Id"), Some("A-77"), "found by its source name too");
        let visible: Vec<&str> = case.visible().map(|f| f.name.as_str()).collect();
        assert!(!visible.contains(&"Segment"));
    }

    #[test]
    fn only_editable_fields_change() {
        let rules =
            vec![CaseRule { source: "Account-Id".into(), editable: true, ..Default::default() }];
        let mut case = CaseData::build(&sources(), &rules);
        case.edit("account-id", "B-1\r\nVia: evil").unwrap();
        assert_eq!(case.value("Account-Id"), Some("B-1  Via: evil"), "no line break survives");
        assert_eq!(case.edit("Segment", "x"), Err(DeskError::FieldNotEditable("Segment".into())));
        assert_eq!(case.edit("nope", "x"), Err(DeskError::UnknownField("nope".into())));
    }

    #[test]
    fn carried_fields_keep_their_source_names_and_edits() {
        let rules = vec![CaseRule {
            source: "Account-Id".into(),
            rename: Some("account".into()),
            editable: true,
            ..Default::default()
        }];
        let mut case = CaseData::build(&sources(), &rules);
        case.edit("account", "A-78").unwrap();
        assert_eq!(
            case.carried(),
            [
                Source::new(Origin::Header, "Account-Id", "A-78"),
                Source::new(Origin::Header, "Segment", "gold"),
                Source::new(Origin::UserToUser, "User-to-User", "order 42"),
            ]
        );
    }

    /// A configured editable field that did not arrive is there, empty, to fill in: it
    /// counts as missing (screen pops stay disabled) and travels only once filled.
    #[test]
    fn a_configured_editable_field_waits_to_be_filled_in() {
        let rules = vec![
            CaseRule {
                source: "Ticket".into(),
                label: Some("Ticket number".into()),
                order: Some(1),
                editable: true,
                ..Default::default()
            },
            CaseRule { source: "Segment".into(), ..Default::default() },
        ];
        let mut case = CaseData::build(&sources(), &rules);
        let ticket = case.fields.first().unwrap();
        assert_eq!(
            (ticket.name.as_str(), ticket.label.as_str(), ticket.value.as_str(), ticket.origin),
            ("Ticket", "Ticket number", "", Origin::Agent)
        );
        assert_eq!(case.value("Ticket"), None);
        assert!(case.carried().iter().all(|s| s.name != "Ticket"));
        case.edit("ticket", "T-1234").unwrap();
        assert_eq!(case.value("Ticket"), Some("T-1234"));
        assert!(case.carried().contains(&Source::new(Origin::Agent, "Ticket", "T-1234")));
        // Built again from what travels (as the next desk does), it keeps its value, once.
        let next = CaseData::build(&case.carried(), &rules);
        assert_eq!(next.value("Ticket"), Some("T-1234"));
        assert_eq!(next.fields.iter().filter(|f| f.source == "Ticket").count(), 1);
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let case = CaseData::build(&[Source::new(Origin::Header, "Note", "é".repeat(600))], &[]);
        let v = case.value("Note").unwrap();
        assert!(v.len() <= 1024 && v.chars().all(|c| c == 'é'));
    }
}
