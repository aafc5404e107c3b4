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

impl Entry {
    fn hit(&self, score: u32) -> Hit {
        Hit {
            kind: self.target.kind,
            id: self.target.id.clone(),
            name: self.target.name.clone(),
            addresses: self.target.addresses.clone(),
            detail: self.target.detail.clone(),
            state: self.state.clone(),
            score,
        }
    }
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
    /// The entries in name order (ties among equal matches go to the first name), rebuilt
    /// at the first search after a change, with their text laid end to end for the scan.
    scan: Scan,
    ordered: bool,
}

/// Every entry's text end to end, in name order, so that one SIMD search (`memmem`) per
/// typed word finds every entry holding it: names, addresses and numbers, each entry's
/// part ended by a newline, with where each part starts.
#[derive(Debug, Default)]
struct Scan {
    order: Vec<usize>,
    /// By place in the scan: the group (0 agents, 1 queues, 2 contacts) and the length of
    /// the folded text, so that ranking a match touches no entry.
    groups: Vec<u8>,
    text_lens: Vec<u32>,
    names: String,
    name_starts: Vec<u32>,
    addresses: String,
    address_starts: Vec<u32>,
    /// Each entry's numbers (digits) separated by spaces.
    numbers: String,
    number_starts: Vec<u32>,
}

fn group_of(kind: TargetKind) -> u8 {
    match kind {
        TargetKind::Agent => 0,
        TargetKind::Queue => 1,
        TargetKind::Contact => 2,
    }
}

/// Calls `found(k, at, start)` for every occurrence of `needle` in `text` laid out by
/// `starts`: `k` the entry's place in the scan, `at` where it is, `start` where the
/// entry's part begins.
fn occurrences(
    text: &str,
    starts: &[u32],
    needle: &str,
    mut found: impl FnMut(usize, usize, usize),
) {
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut k = 0usize;
    for at in finder.find_iter(text.as_bytes()) {
        // The occurrences come in order: move on to the entry holding this one.
        while starts.get(k + 1).is_some_and(|&next| next as usize <= at) {
            k += 1;
        }
        found(k, at, starts.get(k).copied().unwrap_or(0) as usize);
    }
}

impl Scan {
    /// A typed word in the names: 40 where an entry's text starts with it, 30 at the start
    /// of another of its words, 10 inside one.
    fn names(&self, word: &str, anywhere: bool, scores: &mut [u32]) {
        let bytes = self.names.as_bytes();
        occurrences(&self.names, &self.name_starts, word, |k, at, start| {
            let s = if at == start {
                40
            } else if at
                .checked_sub(1)
                .and_then(|b| bytes.get(b))
                .is_some_and(|b| !b.is_ascii_alphanumeric())
            {
                30
            } else if anywhere {
                10
            } else {
                0
            };
            if let Some(slot) = scores.get_mut(k) {
                *slot = (*slot).max(s);
            }
        });
    }

    /// A typed word in the addresses: 10.
    fn addresses(&self, word: &str, scores: &mut [u32]) {
        occurrences(&self.addresses, &self.address_starts, word, |k, _, _| {
            if let Some(slot) = scores.get_mut(k) {
                *slot = (*slot).max(10);
            }
        });
    }

    /// Typed digits in the numbers: 100 for a whole number, 70 for its end (a local
    /// number), 40 for a part.
    fn numbers(&self, digits: &str, scores: &mut [u32]) {
        let bytes = self.numbers.as_bytes();
        occurrences(&self.numbers, &self.number_starts, digits, |k, at, _| {
            let before = at.checked_sub(1).and_then(|b| bytes.get(b)).copied();
            let after = bytes.get(at + digits.len()).copied();
            let starts = !before.is_some_and(|b| b.is_ascii_digit());
            let ends = !after.is_some_and(|b| b.is_ascii_digit());
            let s = match (starts, ends) {
                (true, true) => 100,
                (_, true) => 70,
                _ => 40,
            };
            if let Some(slot) = scores.get_mut(k) {
                *slot = (*slot).max(s);
            }
        });
    }
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

    /// The name of the target of `kind` with `id`, if it is known and named.
    pub fn name_of(&self, kind: TargetKind, id: &str) -> Option<&str> {
        let i = *self.by_id.get(&(kind, id.to_owned()))?;
        let name = self.entry(i)?.target.name.as_str();
        (!name.trim().is_empty()).then_some(name)
    }

    /// Adds `target`, or replaces the one with its kind and id (its state is kept).
    pub fn put(&mut self, target: Target) {
        self.ordered = false;
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
        self.ordered = false;
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

    /// The entry of that kind and id, as a result (its live state with it).
    pub fn hit(&self, kind: TargetKind, id: &str) -> Option<Hit> {
        let i = *self.by_id.get(&(kind, id.to_owned()))?;
        self.entry(i).map(|e| e.hit(0))
    }

    /// The entry reached at `address` (its id, or one of its addresses as written; a
    /// number in any format): what an address dialled is in the directory. A scan of
    /// every entry: for the rare lookup (a call placed), not for each keystroke.
    pub fn find_address(&self, address: &str) -> Option<Hit> {
        let address = address.trim();
        // A number is compared by its digits in E.164 (each entry keeps them).
        let number = self.numbering.e164(address).map(|e| digits(&e));
        self.entries.iter().flatten().find_map(|e| {
            let known = e.target.id.eq_ignore_ascii_case(address)
                || e.target.addresses.iter().any(|a| a.eq_ignore_ascii_case(address))
                || number.as_ref().is_some_and(|n| e.numbers.contains(n));
            known.then(|| e.hit(0))
        })
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
                // A number written with its country code (and no national prefix in
                // parentheses) is its E.164 digits already: the numbering plan is asked
                // only for the others (its parse is most of the cost of loading 100 000
                // contacts).
                let international = user.trim_start().starts_with('+') && !user.contains('(');
                if !international && let Some(e) = self.numbering.e164(user) {
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
    pub fn search(&mut self, query: &str, per_group: usize) -> Vec<Hit> {
        self.put_in_order();
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
        let typed_len = words.iter().map(|w| w.len()).sum::<usize>() + words.len() - 1;
        // Every word must be found (in a name or an address); their scores add up.
        let n = self.scan.order.len();
        let mut total = vec![0u32; n];
        let mut word = vec![0u32; n];
        for (w, text) in words.iter().enumerate() {
            word.fill(0);
            // One letter finds the words it starts; longer words are looked for anywhere.
            let anywhere = text.chars().nth(1).is_some();
            self.scan.names(text, anywhere, &mut word);
            // Typed digits are looked for in the numbers (below), not in the addresses'
            // text, where every number of every contact would match a part of them.
            if anywhere && wanted.is_empty() {
                self.scan.addresses(text, &mut word);
            }
            for (t, s) in total.iter_mut().zip(&word) {
                *t = if *s == 0 || (w > 0 && *t == 0) { 0 } else { *t + s };
            }
        }
        if !wanted.is_empty() {
            word.fill(0);
            for digits in &wanted {
                self.scan.numbers(digits, &mut word);
            }
            for (t, s) in total.iter_mut().zip(&word) {
                *t = (*t).max(*s);
            }
        }
        let mut best: [Vec<(u32, usize)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for (k, &score) in total.iter().enumerate() {
            if score == 0 {
                continue;
            }
            let Some(&i) = self.scan.order.get(k) else { continue };
            // The whole name typed: best of all (the entry is read only when its length
            // says it may be).
            let whole = self.scan.text_lens.get(k).is_some_and(|&l| l as usize == typed_len)
                && self
                    .entry(i)
                    .is_some_and(|e| e.text.split_whitespace().eq(words.iter().copied()));
            let score = if whole { score + 50 } else { score };
            let group = self.scan.groups.get(k).copied().unwrap_or(2);
            if let Some(g) = best.get_mut(usize::from(group)) {
                keep_best(g, (score, i), per_group);
            }
        }
        let mut hits = Vec::new();
        for group in best {
            for (score, i) in group {
                if let Some(e) = self.entry(i) {
                    hits.push(e.hit(score));
                }
            }
        }
        hits
    }

    /// Readies the index after changes (sorts the entries by name and lays their text
    /// out for the scan): done by the first search after a change, or ahead of it (after
    /// loading contacts) so that no keystroke waits for it.
    pub fn prepare(&mut self) {
        self.put_in_order();
    }

    fn put_in_order(&mut self) {
        if self.ordered {
            return;
        }
        let mut order: Vec<usize> =
            (0..self.entries.len()).filter(|&i| self.entry(i).is_some()).collect();
        order.sort_by(|&a, &b| match (self.entry(a), self.entry(b)) {
            (Some(x), Some(y)) => x.text.cmp(&y.text).then_with(|| x.target.id.cmp(&y.target.id)),
            _ => std::cmp::Ordering::Equal,
        });
        let mut scan = Scan::default();
        for &i in &order {
            let Some(e) = self.entry(i) else { continue };
            scan.groups.push(group_of(e.target.kind));
            scan.text_lens.push(e.text.len() as u32);
            scan.name_starts.push(scan.names.len() as u32);
            scan.names.push_str(&e.text.replace('\n', " "));
            scan.names.push('\n');
            scan.address_starts.push(scan.addresses.len() as u32);
            scan.addresses.push_str(&e.address_text.replace('\n', " "));
            scan.addresses.push('\n');
            scan.number_starts.push(scan.numbers.len() as u32);
            scan.numbers.push_str(&e.numbers.join(" "));
            scan.numbers.push('\n');
        }
        scan.order = order;
        self.scan = scan;
        self.ordered = true;
    }
}

/// Keeps the `n` best of a group, scores high to low; among equal scores the first seen
/// (the entries come in name order). No allocation beyond the group's `n` slots.
fn keep_best(group: &mut Vec<(u32, usize)>, hit: (u32, usize), n: usize) {
    if group.len() == n && group.last().is_some_and(|last| last.0 >= hit.0) {
        return;
    }
    let at = group.partition_point(|g| g.0 >= hit.0);
    group.insert(at, hit);
    group.truncate(n);
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
        let mut d = directory();
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
    fn an_address_dialled_is_found_by_id_address_or_number() {
        let d = directory();
        let found = |a: &str| d.find_address(a).map(|h| (h.kind, h.id));
        assert_eq!(found("020 7946 0000"), Some((TargetKind::Contact, "1".into())));
        assert_eq!(found("tel:+442079460000"), Some((TargetKind::Contact, "1".into())));
        assert_eq!(found("SIP:anna@example.com"), Some((TargetKind::Contact, "2".into())));
        assert_eq!(found("billing"), Some((TargetKind::Queue, "billing".into())));
        assert_eq!(found("sip:nobody@site"), None);
        assert_eq!(found("020 7946 0001"), None);
        let agent = d.hit(TargetKind::Agent, "sip:mull@site").expect("the agent");
        assert_eq!((agent.name.as_str(), agent.state.as_deref()), ("Ada Mull", Some("ready")));
        assert!(d.hit(TargetKind::Contact, "sip:mull@site").is_none());
    }

    #[test]
    fn a_number_in_any_format() {
        let mut d = directory();
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
