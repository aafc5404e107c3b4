//! Sample contacts for benchmarks and demonstrations: names of many languages (accents,
//! apostrophes, letters beyond Latin-1), organisations, UK numbers and email addresses,
//! from a fixed seed so that every run has the same ones.

use crate::{Contact, IdentityKind};

pub const FIRST: &[&str] = &[
    "Jürgen",
    "Anna",
    "Samuel",
    "Marie",
    "José",
    "Zoé",
    "Chloé",
    "Liam",
    "Noah",
    "Olivia",
    "Émile",
    "Søren",
    "Łukasz",
    "Aoife",
    "Nuño",
    "Françoise",
    "Mateo",
    "Yuki",
    "Priya",
    "Omar",
];
pub const LAST: &[&str] = &[
    "Müller",
    "Tremblay",
    "Gagnon",
    "Roy",
    "Côté",
    "Bouchard",
    "Smith",
    "Jones",
    "Okafor",
    "Nguyen",
    "García",
    "Øster",
    "Kowalski",
    "O'Brien",
    "Dubois",
    "Lefèvre",
    "Schröder",
    "Rossi",
    "Bernard",
    "Moreau",
    "Petit",
    "Fournier",
    "Lambert",
    "Mercier",
    "Girard",
    "Bonnet",
];
pub const ORGS: &[&str] = &["", "Müller GmbH", "Tremblay & fils", "Acme Ltd", "Café du Coin", ""];

/// A small deterministic generator (xorshift), so every run indexes the same contacts.
pub fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Contact `i` of a sample drawn from `seed` (advanced): a first and last name, an
/// organisation one time in three, a number `+44 20 79.. ....` and an email address.
pub fn sample_contact(seed: &mut u64, i: usize) -> Contact {
    let r = next(seed);
    let pick = |list: &[&'static str], bits: u64| -> &'static str {
        list.get((bits % list.len() as u64) as usize).copied().unwrap_or_default()
    };
    let (first, last, org) = (pick(FIRST, r), pick(LAST, r >> 8), pick(ORGS, r >> 16));
    let number = format!("+44 20 79{:02} {:04}", (r >> 24) % 100, (r >> 32) % 10_000);
    let mut c = Contact::new(format!("{first} {last}"))
        .with(IdentityKind::Phone, number)
        .with(IdentityKind::Email, format!("{}.{}{i}@example.com", first.to_lowercase(), i % 97));
    c.organisation = org.into();
    c
}

/// `n` sample contacts from the usual seed.
pub fn sample_contacts(n: usize) -> Vec<Contact> {
    let mut seed = SEED;
    (0..n).map(|i| sample_contact(&mut seed, i)).collect()
}

/// The seed every benchmark starts from.
pub const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
