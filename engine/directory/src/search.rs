//! Team Communicator's search: one box over the site's agents, its queues and the
//! contacts, in memory. Text is folded (`muller` finds Müller), every word typed must start
//! a word of the name or appear in it or in an address; digits find numbers written in any
//! format (`020 7946 0000`, `+44 20 7946 0000`, `79460000`). Results come grouped (agents,
//! queues, contacts), best match first in each group.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::fold::{digits, fold};
use crate::identity::Numbering;

/// What a search result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Agent,
    Queue,
    Contact,
}

/// Someone or something the agent can reach, as the directory is fed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub kind: TargetKind,
    /// An agent's address of record, a queue's name, a contact's number.
    pub id: String,
    pub name: String,
    /// How to reach it, as shown (SIP addresses, numbers, email addresses).
    pub addresses: Vec<String>,
    /// Searched as the name is (a contact's organisation, a queue's label).
    pub detail: String,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub kind: TargetKind,
    pub id: String,
    pub name: String,
    pub addresses: Vec<String>,
    pub detail: String,
    /// An agent's live state (`ready`, `not-ready`, `busy`, `logged-out`…), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// How well it matched: higher first.
    pub score: u32,
}

#[derive(Debug)]
struct Entry {
    target: Target,
    /// Folded name and detail, space separated.
    text: String,
    /// Folded addresses, newline separated.
    address_text: String,
    /// The digits of every address that is a number (as written, and in E.164).
    numbers: Vec<String>,
    state: Option<String>,
}

/// The search index.
#[derive(Debug, Default)]
pub struct Directory {
    numbering: Numbering,
    entries: Vec<Option<Entry>>,
    by_id: HashMap<(TargetKind, String), usize>,
    free: Vec<usize>,
}

/// At most this many results per group unless asked otherwise.
pub const PER_GROUP: usize = 10;

impl Directory {
    pub fn new(numbering: Numbering) -> Directory {
        Directory { numbering, ..Directory::default() }
    }

    /// How many targets it holds.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The numbering its numbers are read with.
    pub fn numbering(&self) -> &Numbering {
        &self.numbering
    }

    pub fn contains(&self, kind: TargetKind, id: &str) -> bool {
        self.by_id.contains_key(&(kind, id.to_owned()))
    }

    /// Adds `target`, or replaces the one with its kind and id (its state is kept).
    pub fn put(&mut self, target: Target) {
        let key = (target.kind, target.id.clone());
        let state = self.by_id.get(&key).and_then(|&i| self.entry(i)).and_then(|e| e.state.clone());
        let entry = self.entry_for(target, state);
        match self.by_id.get(&key) {
            Some(&i) => {
                if let Some(slot) = self.entries.get_mut(i) {
                    *slot = Some(entry);
                }
            }
            None => {
                let i = match self.free.pop() {
                    Some(i) => {
                        if let Some(slot) = self.entries.get_mut(i) {
                            *slot = Some(entry);
                        }
                        i
                    }
                    None => {
                        self.entries.push(Some(entry));
                        self.entries.len() - 1
                    }
                };
                self.by_id.insert(key, i);
            }
        }
    }

    pub fn remove(&mut self, kind: TargetKind, id: &str) {
        if let Some(i) = self.by_id.remove(&(kind, id.to_owned())) {
            if let Some(slot) = self.entries.get_mut(i) {
                *slot = None;
            }
            self.free.push(i);
        }
    }

    /// An agent's (or queue's) live state, shown with its results.
    pub fn set_state(&mut self, kind: TargetKind, id: &str, state: Option<String>) {
        if let Some(&i) = self.by_id.get(&(kind, id.to_owned()))
            && let Some(Some(e)) = self.entries.get_mut(i)
        {
            e.state = state;
        }
    }

    fn entry(&self, i: usize) -> Option<&Entry> {
        self.entries.get(i).and_then(Option::as_ref)
    }

    fn entry_for(&self, target: Target, state: Option<String>) -> Entry {
        let text = fold(&format!("{} {}", target.name, target.detail));
        let address_text = fold(&target.addresses.join("\n"));
        let mut numbers = Vec::new();
        for a in &target.addresses {
            let user = a.split_once(':').map_or(a.as_str(), |(scheme, rest)| {
                if ["sip", "sips", "tel"].contains(&scheme.to_ascii_lowercase().as_str()) {
                    rest.split(['@', ';']).next().unwrap_or(rest)
                } else {
                    a.as_str()
                }
            });
            let d = digits(user);
            if d.len() >= 3 && !user.chars().any(|c| c.is_alphabetic()) {
                if let Some(e) = self.numbering.e164(user) {
                    numbers.push(digits(&e));
                }
                numbers.push(d);
            }
        }
        numbers.sort();
        numbers.dedup();
        Entry { target, text, address_text, numbers, state }
    }

    /// The best `per_group` matches of `query` in each group, agents first, then queues,
    /// then contacts.
    pub fn search(&self, query: &str, per_group: usize) -> Vec<Hit> {
        let folded = fold(query);
        let words: Vec<&str> = folded.split_whitespace().collect();
        if words.is_empty() || per_group == 0 {
            return Vec::new();
        }
        let numeric = query.chars().all(|c| c.is_ascii_digit() || " +-.()/".contains(c));
        let query_digits = digits(query);
        let mut wanted: Vec<String> = Vec::new();
        if numeric && query_digits.len() >= 2 {
            if let Some(e) = self.numbering.e164(query) {
                wanted.push(digits(&e));
            }
            wanted.push(query_digits);
        }
        let mut best: [Vec<(u32, usize)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for (i, e) in self.entries.iter().enumerate() {
            let Some(e) = e else { continue };
            let score = if wanted.is_empty() {
                text_score(e, &words)
            } else {
                number_score(e, &wanted).max(text_score(e, &words))
            };
            if score > 0 {
                let group = match e.target.kind {
                    TargetKind::Agent => 0,
                    TargetKind::Queue => 1,
                    TargetKind::Contact => 2,
                };
                if let Some(g) = best.get_mut(group) {
                    g.push((score, i));
                    if g.len() >= per_group * 2 + 16 {
                        g.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| self.name_order(a.1, b.1)));
                        g.truncate(per_group);
                    }
                }
            }
        }
        let mut hits = Vec::new();
        for mut group in best {
            group.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| self.name_order(a.1, b.1)));
            group.truncate(per_group);
            for (score, i) in group {
                if let Some(e) = self.entry(i) {
                    hits.push(Hit {
                        kind: e.target.kind,
                        id: e.target.id.clone(),
                        name: e.target.name.clone(),
                        addresses: e.target.addresses.clone(),
                        detail: e.target.detail.clone(),
                        state: e.state.clone(),
                        score,
                    });
                }
            }
        }
        hits
    }

    fn name_order(&self, a: usize, b: usize) -> std::cmp::Ordering {
        match (self.entry(a), self.entry(b)) {
            (Some(x), Some(y)) => x.text.cmp(&y.text),
            _ => std::cmp::Ordering::Equal,
        }
    }
}

/// Every word must be found: starting the name (best), starting a word of it, inside it,
/// or inside an address.
fn text_score(e: &Entry, words: &[&str]) -> u32 {
    let mut total = 0;
    for w in words {
        let s = word_score(&e.text, w).max(if e.address_text.contains(w) { 10 } else { 0 });
        if s == 0 {
            return 0;
        }
        total += s;
    }
    if e.text.split_whitespace().eq(words.iter().copied()) {
        total += 50;
    }
    total
}

fn word_score(text: &str, word: &str) -> u32 {
    let mut best = 0;
    for (at, _) in text.match_indices(word) {
        let s = if at == 0 {
            40
        } else if text.as_bytes().get(at - 1).is_some_and(|b| !b.is_ascii_alphanumeric()) {
            30
        } else {
            10
        };
        best = best.max(s);
        if best == 40 {
            break;
        }
    }
    best
}

/// A number typed in any format: the whole number (best), its end (a local number), or a
/// part of it.
fn number_score(e: &Entry, wanted: &[String]) -> u32 {
    let mut best = 0;
    for n in &e.numbers {
        for w in wanted {
            let s = if n == w {
                100
            } else if n.ends_with(w.as_str()) {
                70
            } else if n.contains(w.as_str()) {
                40
            } else {
                0
            };
            best = best.max(s);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: u64, name: &str, detail: &str, addresses: &[&str]) -> Target {
        Target {
            kind: TargetKind::Contact,
            id: id.to_string(),
            name: name.into(),
            addresses: addresses.iter().map(|a| (*a).to_owned()).collect(),
            detail: detail.into(),
        }
    }

    fn directory() -> Directory {
        let mut d = Directory::new(Numbering::new("GB").expect("GB"));
        d.put(contact(1, "Jürgen Müller", "Müller GmbH", &["+44 20 7946 0000", "jm@example.de"]));
        d.put(contact(2, "Anna Mullins", "", &["sip:anna@example.com"]));
        d.put(contact(3, "Samuel Lee", "", &["020 7946 0999"]));
        d.put(Target {
            kind: TargetKind::Agent,
            id: "sip:mull@site".into(),
            name: "Ada Mull".into(),
            addresses: vec!["sip:mull@site".into()],
            detail: String::new(),
        });
        d.put(Target {
            kind: TargetKind::Queue,
            id: "billing".into(),
            name: "Billing".into(),
            addresses: vec!["sip:billing@site".into()],
            detail: "Facturation".into(),
        });
        d.set_state(TargetKind::Agent, "sip:mull@site", Some("ready".into()));
        d
    }

    fn names(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|h| h.name.as_str()).collect()
    }

    #[test]
    fn folded_prefixes_find_mueller() {
        let d = directory();
        assert_eq!(names(&d.search("muller", 10)), ["Jürgen Müller"]);
        // Agents first; then equal matches by name.
        assert_eq!(names(&d.search("mull", 10)), ["Ada Mull", "Anna Mullins", "Jürgen Müller"]);
        assert_eq!(names(&d.search("MÜLL jur", 10)), ["Jürgen Müller"]);
        assert_eq!(names(&d.search("gmbh", 10)), ["Jürgen Müller"]);
        assert_eq!(names(&d.search("factu", 10)), ["Billing"]);
        assert!(d.search("zzz", 10).is_empty());
        assert!(d.search("  ", 10).is_empty());
        let agent = &d.search("ada", 10)[0];
        assert_eq!((agent.kind, agent.state.as_deref()), (TargetKind::Agent, Some("ready")));
    }

    #[test]
    fn a_number_in_any_format() {
        let d = directory();
        for q in ["+44 20 7946 0000", "020 7946 0000", "(020) 7946-0000", "442079460000"] {
            assert_eq!(names(&d.search(q, 10))[..1], ["Jürgen Müller"], "{q}");
        }
        // Part of a number finds both, the whole one first.
        assert_eq!(names(&d.search("7946", 10)), ["Jürgen Müller", "Samuel Lee"]);
        assert_eq!(names(&d.search("0999", 10)), ["Samuel Lee"]);
    }

    #[test]
    fn replacing_and_removing() {
        let mut d = directory();
        d.put(contact(2, "Anna Smith", "", &[]));
        assert_eq!(names(&d.search("mullins", 10)), Vec::<&str>::new());
        assert_eq!(names(&d.search("smith", 10)), ["Anna Smith"]);
        d.remove(TargetKind::Contact, "2");
        assert!(d.search("anna", 10).is_empty());
        assert_eq!(d.len(), 4);
        d.put(contact(9, "Zoé Durand", "", &[]));
        assert_eq!(names(&d.search("zoe", 10)), ["Zoé Durand"]);
    }

    #[test]
    fn groups_are_capped() {
        let mut d = Directory::new(Numbering::default());
        for i in 0..100 {
            d.put(contact(i, &format!("Martin {i:03}"), "", &[]));
        }
        let hits = d.search("martin", 5);
        assert_eq!(hits.len(), 5);
        assert_eq!(
            names(&hits),
            ["Martin 000", "Martin 001", "Martin 002", "Martin 003", "Martin 004"]
        );
    }
}
