//! Contacts read from files and written to them: CSV with a header line (RFC 4180, the
//! `csv` crate), vCard 3.0 and 4.0 (RFC 6350, `calcard`), and CSV out. A line or card that
//! cannot be read is named with its line number; the rest are read.

use std::collections::BTreeMap;

use calcard::vcard::{VCardProperty, VCardValue};
use calcard::{Entry, Parser};
use serde::{Deserialize, Serialize};

use crate::contact::Contact;
use crate::identity::{IdentityKind, Numbering};

/// A line of a file that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// 1 for the file's first line.
    pub line: u64,
    pub why: String,
}

/// What a file held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    pub contacts: Vec<Contact>,
    pub rejected: Vec<Rejected>,
}

/// Which format `bytes` are in: vCard when they start with `BEGIN:VCARD`, else CSV.
pub fn read_contacts(bytes: &[u8], numbering: &Numbering) -> Imported {
    let text = String::from_utf8_lossy(bytes);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.len() >= 11 && start.get(..11).is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCARD")) {
        read_vcards(&text, numbering)
    } else {
        read_csv(bytes, numbering)
    }
}

/// The columns a CSV file's header may name (any case; other columns become fields).
const NAME: &[&str] = &["name", "full name", "display name", "nom"];
const ORGANISATION: &[&str] = &["organisation", "organization", "company", "org", "entreprise"];

fn column_kind(header: &str) -> Option<IdentityKind> {
    let h = header.trim().to_ascii_lowercase();
    let h = h.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    match h {
        "phone" | "telephone" | "tel" | "mobile" | "number" | "téléphone" => {
            Some(IdentityKind::Phone)
        }
        "sip" | "sip address" | "sip uri" => Some(IdentityKind::Sip),
        "email" | "e-mail" | "mail" | "courriel" => Some(IdentityKind::Email),
        "chat" => Some(IdentityKind::Chat),
        _ => None,
    }
}

/// CSV with a header: `name`, `organisation`, `phone`, `sip`, `email`, `chat` (repeated
/// or numbered for more than one), any other column a free field. Several values in one
/// cell are separated by `;`.
pub fn read_csv(bytes: &[u8], numbering: &Numbering) -> Imported {
    let mut out = Imported::default();
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            out.rejected.push(Rejected { line: 1, why: format!("unreadable header: {e}") });
            return out;
        }
    };
    let headers: Vec<String> =
        headers.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_owned()).collect();
    let is = |h: &str, names: &[&str]| names.contains(&h.to_ascii_lowercase().as_str());
    if !headers.iter().any(|h| is(h, NAME) || column_kind(h).is_some()) {
        out.rejected.push(Rejected {
            line: 1,
            why: "the header names no name, phone, sip, email or chat column".into(),
        });
        return out;
    }
    for record in reader.records() {
        let (line, record) = match record {
            Ok(r) => (r.position().map_or(0, csv::Position::line), r),
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                out.rejected.push(Rejected { line, why: e.to_string() });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > headers.len() {
            let why = format!("{} values for {} columns", record.len(), headers.len());
            out.rejected.push(Rejected { line, why });
            continue;
        }
        let mut contact = Contact::default();
        let mut problems = Vec::new();
        for (header, value) in headers.iter().zip(record.iter()) {
            if value.is_empty() {
                continue;
            }
            if header.eq_ignore_ascii_case("id") {
                // The number an export gave it; a new store numbers it anew.
            } else if is(header, NAME) {
                contact.name = value.to_owned();
            } else if is(header, ORGANISATION) {
                contact.organisation = value.to_owned();
            } else if let Some(kind) = column_kind(header) {
                for v in value.split(';').map(str::trim).filter(|v| !v.is_empty()) {
                    let identity = crate::identity::Identity::new(kind, v);
                    if numbering.key(&identity).is_none() {
                        problems.push(format!("{header} {v:?} is not a {}", kind.as_str()));
                    }
                    contact.identities.push(identity);
                }
            } else {
                contact.fields.insert(header.clone(), value.to_owned());
            }
        }
        if contact.name.is_empty() && contact.identities.is_empty() {
            problems.push("neither a name nor an address".into());
        }
        if problems.is_empty() {
            if contact.name.is_empty() {
                contact.name =
                    contact.identities.first().map(|i| i.value.clone()).unwrap_or_default();
            }
            out.contacts.push(contact);
        } else {
            out.rejected.push(Rejected { line, why: problems.join("; ") });
        }
    }
    out
}

/// vCard files (one or many cards): FN (or N), ORG, TEL, EMAIL, IMPP (sip: as SIP, others
/// as chat), NOTE and other text properties as fields.
pub fn read_vcards(text: &str, numbering: &Numbering) -> Imported {
    let mut out = Imported::default();
    let mut parser = Parser::new(text);
    // Where each card begins, to name the line of a card that cannot be read.
    let begins: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            l.trim_start_matches('\u{feff}').trim().eq_ignore_ascii_case("BEGIN:VCARD")
        })
        .map(|(i, _)| i as u64 + 1)
        .collect();
    let mut card = 0usize;
    loop {
        let line = begins.get(card).copied().unwrap_or(0);
        match parser.entry() {
            Entry::VCard(v) => {
                card += 1;
                match contact_of_vcard(&v, numbering) {
                    Ok(c) => out.contacts.push(c),
                    Err(why) => out.rejected.push(Rejected { line, why }),
                }
            }
            Entry::Eof => break,
            Entry::InvalidLine(l) => {
                out.rejected.push(Rejected { line, why: format!("unreadable line {l:?}") })
            }
            Entry::TooManyComponents => {
                out.rejected.push(Rejected { line, why: "too many cards".into() });
                break;
            }
            Entry::ICalendar(_) => {
                out.rejected.push(Rejected { line, why: "a calendar, not a card".into() })
            }
            Entry::UnexpectedComponentEnd { .. } | Entry::UnterminatedComponent(_) => {
                card += 1;
                out.rejected.push(Rejected { line, why: "a card without its end".into() });
            }
            // Kinds of entry a later calcard may add: not a card.
            _ => out.rejected.push(Rejected { line, why: "not a card".into() }),
        }
    }
    out
}

fn text_of(values: &[VCardValue]) -> String {
    let mut parts = Vec::new();
    for v in values {
        match v {
            VCardValue::Text(t) => parts.push(t.clone()),
            VCardValue::Component(c) => parts
                .push(c.iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" ")),
            VCardValue::Integer(i) => parts.push(i.to_string()),
            _ => {}
        }
    }
    parts.join(" ").trim().to_owned()
}

fn contact_of_vcard(v: &calcard::vcard::VCard, numbering: &Numbering) -> Result<Contact, String> {
    let mut contact = Contact::default();
    let mut structured_name = String::new();
    let mut problems = Vec::new();
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for e in &v.entries {
        let value = text_of(&e.values);
        if value.is_empty() {
            continue;
        }
        let identity = |kind, value: &str| {
            let value = value.strip_prefix("mailto:").unwrap_or(value);
            crate::identity::Identity::new(kind, value)
        };
        let mut add = |kind: IdentityKind, value: &str| {
            let i = identity(kind, value);
            if numbering.key(&i).is_none() {
                problems.push(format!("{value:?} is not a {}", kind.as_str()));
            }
            contact.identities.push(i);
        };
        match &e.name {
            VCardProperty::Fn => contact.name = value,
            VCardProperty::N => {
                // Family; given; additional; prefix; suffix → "given family".
                // The parts come as one component value or as one text value each.
                let parts: Vec<String> = match e.values.as_slice() {
                    [VCardValue::Component(c)] => c.clone(),
                    values => values
                        .iter()
                        .map(|v| match v {
                            VCardValue::Text(t) => t.clone(),
                            VCardValue::Component(c) => c.join(" "),
                            _ => String::new(),
                        })
                        .collect(),
                };
                let family = parts.first().cloned().unwrap_or_default();
                let given = parts.get(1).cloned().unwrap_or_default();
                structured_name = format!("{given} {family}").trim().to_owned();
            }
            VCardProperty::Org => contact.organisation = value,
            VCardProperty::Tel => add(IdentityKind::Phone, &value),
            VCardProperty::Email => add(IdentityKind::Email, &value),
            VCardProperty::Impp => {
                let lower = value.to_ascii_lowercase();
                if lower.starts_with("sip:") || lower.starts_with("sips:") {
                    add(IdentityKind::Sip, &value)
                } else {
                    add(IdentityKind::Chat, &value)
                }
            }
            VCardProperty::Note => {
                fields.insert("Note".into(), value);
            }
            VCardProperty::Title => {
                fields.insert("Title".into(), value);
            }
            VCardProperty::Other(name) if name.to_ascii_uppercase().starts_with("X-") => {
                fields.insert(name.clone(), value);
            }
            _ => {}
        }
    }
    if contact.name.is_empty() {
        contact.name = structured_name;
    }
    contact.fields = fields;
    if contact.name.is_empty() && contact.identities.is_empty() {
        problems.push("a card with neither a name nor an address".into());
    }
    if problems.is_empty() { Ok(contact) } else { Err(problems.join("; ")) }
}

/// Contacts as CSV that `read_csv` reads back: `id,name,organisation,phone,sip,email,chat`
/// (several values joined by `;`), then one column per free field name found.
pub fn write_csv(contacts: &[Contact]) -> Result<Vec<u8>, csv::Error> {
    let mut field_names: Vec<&str> =
        contacts.iter().flat_map(|c| c.fields.keys().map(String::as_str)).collect();
    field_names.sort_unstable();
    field_names.dedup();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["id", "name", "organisation", "phone", "sip", "email", "chat"];
    header.extend(field_names.iter().copied());
    w.write_record(&header)?;
    for c in contacts {
        let joined = |kind| {
            c.identities
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| i.value.as_str())
                .collect::<Vec<_>>()
                .join(";")
        };
        let mut row = vec![
            c.id.to_string(),
            c.name.clone(),
            c.organisation.clone(),
            joined(IdentityKind::Phone),
            joined(IdentityKind::Sip),
            joined(IdentityKind::Email),
            joined(IdentityKind::Chat),
        ];
        row.extend(field_names.iter().map(|f| c.fields.get(*f).cloned().unwrap_or_default()));
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gb() -> Numbering {
        Numbering::new("GB").expect("GB")
    }

    #[test]
    fn csv_with_a_bad_line_names_it_and_reads_the_rest() {
        let file = "name,organisation,phone,email,Segment\n\
                    Jürgen Müller,Müller GmbH,+44 20 7946 0000,jm@example.de,gold\n\
                    Anna Mullins,,not-a-number,,\n\
                    \"Lee, Samuel\",,020 7946 0999;07700 900123,,silver\n\
                    one,two,three,four,five,six\n\
                    ,,,,\n\
                    Zoé Durand,,,zoe@example.fr,\n";
        let got = read_contacts(file.as_bytes(), &gb());
        let names: Vec<&str> = got.contacts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Jürgen Müller", "Lee, Samuel", "Zoé Durand"]);
        let lines: Vec<u64> = got.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 5], "{:?}", got.rejected);
        assert!(got.rejected[0].why.contains("not-a-number"));
        let lee = &got.contacts[1];
        assert_eq!(lee.identities.len(), 2);
        assert_eq!(lee.fields.get("Segment").map(String::as_str), Some("silver"));
        assert_eq!(got.contacts[0].organisation, "Müller GmbH");
    }

    #[test]
    fn a_header_without_known_columns_is_refused() {
        let got = read_contacts(b"foo,bar\n1,2\n", &gb());
        assert!(got.contacts.is_empty());
        assert_eq!(got.rejected[0].line, 1);
    }

    #[test]
    fn vcards_three_and_four() {
        let file = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Tremblay;Marie;;;\r\nFN:Marie Tremblay\r\n\
                    ORG:Tremblay & fils\r\nTEL;TYPE=work:+1 514 555 0199\r\n\
                    EMAIL:marie@example.ca\r\nIMPP:sip:marie@example.ca\r\nNOTE:Prefers French\r\n\
                    END:VCARD\r\n\
                    BEGIN:VCARD\r\nVERSION:4.0\r\nN:Okafor;James;;;\r\nTEL;VALUE=uri:tel:+44-20-7946-0123\r\n\
                    X-ACCOUNT:A-981\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Nobody\r\nTEL:call me maybe\r\nEND:VCARD\r\n";
        let got = read_contacts(file.as_bytes(), &gb());
        assert_eq!(got.contacts.len(), 2, "{:?}", got.rejected);
        let marie = &got.contacts[0];
        assert_eq!(marie.name, "Marie Tremblay");
        assert_eq!(marie.organisation, "Tremblay & fils");
        assert_eq!(marie.first(IdentityKind::Sip), Some("sip:marie@example.ca"));
        assert_eq!(marie.fields.get("Note").map(String::as_str), Some("Prefers French"));
        let n = gb();
        assert_eq!(marie.keys(&n).first().map(String::as_str), Some("mailto:marie@example.ca"));
        assert!(marie.keys(&n).contains(&"tel:+15145550199".to_owned()));
        let james = &got.contacts[1];
        assert_eq!(james.name, "James Okafor", "from N when there is no FN");
        assert!(james.keys(&n).contains(&"tel:+442079460123".to_owned()));
        assert_eq!(james.fields.get("X-ACCOUNT").map(String::as_str), Some("A-981"));
        assert_eq!(got.rejected.len(), 1);
        assert_eq!(got.rejected[0].line, 17, "the third card begins on line 17");
    }

    #[test]
    fn csv_out_reads_back() {
        let file = "name,organisation,phone,sip,email,Segment\n\
                    Jürgen Müller,Müller GmbH,+44 20 7946 0000;020 7946 0001,sip:jm@example.de,jm@example.de,gold\n";
        let n = gb();
        let mut first = read_csv(file.as_bytes(), &n);
        first.contacts[0].id = 7;
        let out = write_csv(&first.contacts).expect("csv");
        let again = read_csv(&out, &n);
        assert!(again.rejected.is_empty(), "{:?}", again.rejected);
        let back = again.contacts[0].clone();
        let mut want = first.contacts[0].clone();
        want.id = 0;
        assert_eq!(back, want);
    }
}
