//! Reading presence documents (PIDF, RFC 3863) as a watcher gets them from a presence
//! server or an agent: the entity, whether any tuple's basic status is `open` (§4.1.4),
//! the notes (§4.1.6, of the tuples and of RPID persons, RFC 4480 §3.1), the RPID
//! activities (§3.2), and the attributes of extension elements with no children (such as
//! Earshot's `<es:agent state=… reason=…/>`), by local name. A server that composes several
//! publications into one document (several tuples and persons) is read whole. Bounded:
//! at most [`MAX_ITEMS`] notes, activities and extensions each are kept.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// The content type of the body (RFC 3863 §7).
pub const CONTENT_TYPE: &str = "application/pidf+xml";

/// At most this many notes, activities and extension elements are kept from a document.
pub const MAX_ITEMS: usize = 32;

/// What a watcher reads of one presence document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pidf {
    /// The presentity (`pres:` or `sip:` URI).
    pub entity: String,
    /// Some tuple is `open`; `None` when no tuple has a basic status.
    pub open: Option<bool>,
    pub notes: Vec<String>,
    /// RPID activity names (`busy`, `meal`, `on-the-phone`, …).
    pub activities: Vec<String>,
    /// Elements the reader does not know that carry attributes, by local name.
    pub extensions: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PidfError {
    #[error("presence: not well-formed XML: {0}")]
    Xml(String),
    #[error("presence: no <presence> element")]
    NoRoot,
}

impl Pidf {
    /// Reads a PIDF document; unknown elements are skipped (RFC 3863 §4.1.4 extension rules).
    pub fn parse(body: &[u8]) -> Result<Pidf, PidfError> {
        let text = std::str::from_utf8(body).map_err(|e| PidfError::Xml(e.to_string()))?;
        let mut reader = Reader::from_str(text);
        let mut doc: Option<Pidf> = None;
        let mut path: Vec<String> = Vec::new();
        let mut text_now = String::new();
        loop {
            let event = reader.read_event().map_err(|e| PidfError::Xml(e.to_string()))?;
            match event {
                Event::Start(e) => {
                    let name = local_name(&e);
                    opened(&name, &e, &path, &mut doc, false)?;
                    path.push(name);
                    text_now.clear();
                }
                Event::Empty(e) => {
                    let name = local_name(&e);
                    opened(&name, &e, &path, &mut doc, true)?;
                }
                Event::Text(t) => {
                    text_now.push_str(&t.decode().map_err(|e| PidfError::Xml(e.to_string()))?);
                }
                Event::GeneralRef(r) => {
                    let c = super::xml_text::resolve(&r).map_err(PidfError::Xml)?;
                    text_now.push(c);
                }
                Event::End(_) => {
                    let name = path.pop().unwrap_or_default();
                    if let Some(d) = doc.as_mut() {
                        closed(&name, &path, clean(text_now.trim()), d);
                    }
                    text_now.clear();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        doc.ok_or(PidfError::NoRoot)
    }
}

fn opened(
    name: &str,
    e: &BytesStart<'_>,
    path: &[String],
    doc: &mut Option<Pidf>,
    empty: bool,
) -> Result<(), PidfError> {
    if path.is_empty() {
        if name == "presence" {
            let entity = attributes(e)?.remove("entity").unwrap_or_default();
            *doc = Some(Pidf { entity, ..Pidf::default() });
        }
        return Ok(());
    }
    let Some(d) = doc.as_mut() else { return Ok(()) };
    // An RPID activity is an element inside <activities> (RFC 4480 §3.2).
    if path.last().is_some_and(|p| p == "activities") {
        if d.activities.len() < MAX_ITEMS && name != "other" {
            d.activities.push(name.to_owned());
        }
        return Ok(());
    }
    let known = ["tuple", "status", "basic", "contact", "timestamp", "note", "person", "device"];
    if empty && !known.contains(&name) && d.extensions.len() < MAX_ITEMS {
        let attrs = attributes(e)?;
        // The first of a name wins: a server that composes several publications puts the
        // newest first (Kamailio's presence_xml appends the older ones after it).
        if !attrs.is_empty() {
            d.extensions.entry(name.to_owned()).or_insert(attrs);
        }
    }
    Ok(())
}

fn closed(name: &str, path: &[String], text: String, d: &mut Pidf) {
    match name {
        "basic" if path.last().is_some_and(|p| p == "status") => {
            let open = text.eq_ignore_ascii_case("open");
            d.open = Some(d.open.unwrap_or(false) || open);
        }
        "note" if !text.is_empty() && d.notes.len() < MAX_ITEMS => d.notes.push(text),
        "other"
            if path.last().is_some_and(|p| p == "activities") && d.activities.len() < MAX_ITEMS =>
        {
            d.activities.push(format!("other: {text}"));
        }
        _ => {}
    }
}

fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn attributes(e: &BytesStart<'_>) -> Result<BTreeMap<String, String>, PidfError> {
    let mut out = BTreeMap::new();
    for a in e.attributes() {
        let a = a.map_err(|e| PidfError::Xml(e.to_string()))?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        if key == "xmlns" || a.key.as_ref().starts_with(b"xmlns:") {
            continue;
        }
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| PidfError::Xml(e.to_string()))?;
        out.insert(key, clean(&v));
    }
    Ok(out)
}

/// Control characters a document should not carry become U+FFFD (shown, never acted on).
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_document_reads_back() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:es="urn:x-earshot:agent" entity="sip:1001@site">
<tuple id="desk"><status><basic>closed</basic></status><contact>sip:1001@site</contact></tuple>
<dm:person id="agent"><rpid:activities><rpid:meal/></rpid:activities><dm:note>Not ready: Lunch &amp; rest</dm:note></dm:person>
<es:agent state="not-ready" reason="Lunch &amp; rest" busy="false" since-ms="1764944000000"/>
</presence>"#;
        let p = Pidf::parse(body).unwrap();
        assert_eq!(p.entity, "sip:1001@site");
        assert_eq!(p.open, Some(false));
        assert_eq!(p.activities, vec!["meal"]);
        assert_eq!(p.notes, vec!["Not ready: Lunch & rest"]);
        let agent = &p.extensions["agent"];
        assert_eq!(agent["state"], "not-ready");
        assert_eq!(agent["reason"], "Lunch & rest");
        assert_eq!(agent["since-ms"], "1764944000000");
    }

    #[test]
    fn composed_documents_and_foreign_ones() {
        // Two publications composed by a server: open if any tuple is.
        let body = br#"<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@b">
<tuple id="1"><status><basic>closed</basic></status></tuple>
<tuple id="2"><status><basic>open</basic></status><note>on the desk phone</note></tuple>
</presence>"#;
        let p = Pidf::parse(body).unwrap();
        assert_eq!(p.open, Some(true));
        assert_eq!(p.notes, vec!["on the desk phone"]);
        assert!(p.extensions.is_empty());
        assert_eq!(Pidf::parse(b"<other/>"), Err(PidfError::NoRoot));
        // Cut short: whatever the reader makes of it, nothing panics.
        let _ = Pidf::parse(b"<presence entity='x'><tuple><status><basic>op");
        assert!(Pidf::parse(&[0xff, 0xfe]).is_err());
    }
}
