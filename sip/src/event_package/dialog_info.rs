//! The dialog event package's body, `application/dialog-info+xml` (RFC 4235 §4): what an
//! agent publishes about its calls to watchers (a supervisor's team view), and what a
//! watcher reads back. Written by hand (a handful of elements, escaped); read with
//! `quick-xml`, tolerant of unknown elements and namespaces prefixes, strict about what it
//! needs (§4.1: `version`, `state`, `entity`; §4.1.1: each dialog's `id` and `<state>`).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// The content type of the body (RFC 4235 §4).
pub const CONTENT_TYPE: &str = "application/dialog-info+xml";

/// At most this many dialogs are read from one document (a watcher's memory is bounded
/// whatever a notifier sends).
const MAX_DIALOGS: usize = 64;

/// One `<dialog-info>` document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogInfo {
    /// Increases by one with every document sent on a subscription (§4.1).
    pub version: u32,
    /// `full` state, or `partial` (only the dialogs that changed).
    pub full: bool,
    /// The address of record whose dialogs these are.
    pub entity: String,
    pub dialogs: Vec<DialogEntry>,
}

/// One `<dialog>` (§4.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogEntry {
    /// Unique per dialog within the subscription.
    pub id: String,
    pub call_id: Option<String>,
    pub local_tag: Option<String>,
    pub remote_tag: Option<String>,
    /// `initiator` (we called) or `recipient`; absent if unknown.
    pub initiator: Option<bool>,
    pub state: DialogState,
    pub local_identity: Option<String>,
    pub remote_identity: Option<String>,
}

/// The dialog's state (§3.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    Trying,
    Proceeding,
    Early,
    Confirmed,
    Terminated,
}

impl DialogState {
    pub fn as_str(self) -> &'static str {
        match self {
            DialogState::Trying => "trying",
            DialogState::Proceeding => "proceeding",
            DialogState::Early => "early",
            DialogState::Confirmed => "confirmed",
            DialogState::Terminated => "terminated",
        }
    }

    fn parse(s: &str) -> Option<DialogState> {
        Some(match s.trim() {
            "trying" => DialogState::Trying,
            "proceeding" => DialogState::Proceeding,
            "early" => DialogState::Early,
            "confirmed" => DialogState::Confirmed,
            "terminated" => DialogState::Terminated,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogInfoError {
    #[error("dialog-info: not well-formed XML: {0}")]
    Xml(String),
    #[error("dialog-info: no <dialog-info> element")]
    NoRoot,
    #[error("dialog-info: {0} missing or invalid")]
    Missing(&'static str),
    #[error("dialog-info: more than {MAX_DIALOGS} dialogs")]
    TooMany,
}

impl DialogInfo {
    /// The document as sent (UTF-8 XML).
    pub fn to_xml(&self) -> String {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x += &format!(
            "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"{}\" state=\"{}\" entity=\"{}\">\n",
            self.version,
            if self.full { "full" } else { "partial" },
            escape(&self.entity)
        );
        for d in &self.dialogs {
            x += &format!("  <dialog id=\"{}\"", escape(&d.id));
            for (name, value) in [
                ("call-id", &d.call_id),
                ("local-tag", &d.local_tag),
                ("remote-tag", &d.remote_tag),
            ] {
                if let Some(v) = value {
                    x += &format!(" {name}=\"{}\"", escape(v));
                }
            }
            if let Some(i) = d.initiator {
                x += if i { " direction=\"initiator\"" } else { " direction=\"recipient\"" };
            }
            x += &format!(">\n    <state>{}</state>\n", d.state.as_str());
            for (side, identity) in [("local", &d.local_identity), ("remote", &d.remote_identity)] {
                if let Some(id) = identity {
                    x += &format!("    <{side}><identity>{}</identity></{side}>\n", escape(id));
                }
            }
            x += "  </dialog>\n";
        }
        x += "</dialog-info>\n";
        x
    }

    /// Reads a document; unknown elements and attributes are skipped.
    pub fn parse(body: &[u8]) -> Result<DialogInfo, DialogInfoError> {
        let text = std::str::from_utf8(body).map_err(|e| DialogInfoError::Xml(e.to_string()))?;
        // Text is kept whole (spaces next to an entity reference matter) and trimmed
        // where it is used.
        let mut reader = Reader::from_str(text);
        let mut info: Option<DialogInfo> = None;
        // Where we are: the open elements' local names.
        let mut path: Vec<String> = Vec::new();
        let mut dialog: Option<PartialDialog> = None;
        loop {
            let event = reader.read_event().map_err(|e| DialogInfoError::Xml(e.to_string()))?;
            match event {
                Event::Start(e) => {
                    let name = local_name(&e);
                    open(&name, &e, &path, &mut info, &mut dialog)?;
                    path.push(name);
                }
                Event::Empty(e) => {
                    let name = local_name(&e);
                    open(&name, &e, &path, &mut info, &mut dialog)?;
                    close(&name, &mut info, &mut dialog)?;
                }
                Event::End(_) => {
                    let name = path.pop().unwrap_or_default();
                    close(&name, &mut info, &mut dialog)?;
                }
                Event::Text(t) => {
                    let value = t.decode().map_err(|e| DialogInfoError::Xml(e.to_string()))?;
                    text_in(&path, &value, &mut dialog);
                }
                // `&amp;` and the like come on their own between pieces of text.
                Event::GeneralRef(r) => {
                    let c = super::xml_text::resolve(&r).map_err(DialogInfoError::Xml)?;
                    text_in(&path, c.encode_utf8(&mut [0; 4]), &mut dialog);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        info.ok_or(DialogInfoError::NoRoot)
    }
}

/// A `<dialog>` being read.
#[derive(Debug, Default)]
struct PartialDialog {
    entry: Option<DialogEntry>,
    state_text: String,
    local_identity: String,
    remote_identity: String,
}

fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn attribute(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, DialogInfoError> {
    for a in e.attributes() {
        let a = a.map_err(|e| DialogInfoError::Xml(e.to_string()))?;
        if a.key.local_name().as_ref() == name.as_bytes() {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| DialogInfoError::Xml(e.to_string()))?;
            return Ok(Some(clean(&v)));
        }
    }
    Ok(None)
}

fn open(
    name: &str,
    e: &BytesStart<'_>,
    path: &[String],
    info: &mut Option<DialogInfo>,
    dialog: &mut Option<PartialDialog>,
) -> Result<(), DialogInfoError> {
    match (name, path.len()) {
        ("dialog-info", 0) => {
            let version = attribute(e, "version")?
                .and_then(|v| v.trim().parse().ok())
                .ok_or(DialogInfoError::Missing("version"))?;
            let full = match attribute(e, "state")?.as_deref() {
                Some("full") => true,
                Some("partial") => false,
                _ => return Err(DialogInfoError::Missing("state")),
            };
            let entity = attribute(e, "entity")?.ok_or(DialogInfoError::Missing("entity"))?;
            *info = Some(DialogInfo { version, full, entity, dialogs: Vec::new() });
        }
        ("dialog", 1) if info.is_some() => {
            let id = attribute(e, "id")?.ok_or(DialogInfoError::Missing("dialog id"))?;
            let initiator = match attribute(e, "direction")?.as_deref() {
                Some("initiator") => Some(true),
                Some("recipient") => Some(false),
                _ => None,
            };
            *dialog = Some(PartialDialog {
                entry: Some(DialogEntry {
                    id,
                    call_id: attribute(e, "call-id")?,
                    local_tag: attribute(e, "local-tag")?,
                    remote_tag: attribute(e, "remote-tag")?,
                    initiator,
                    state: DialogState::Trying,
                    local_identity: None,
                    remote_identity: None,
                }),
                ..PartialDialog::default()
            });
        }
        _ => {}
    }
    Ok(())
}

fn text_in(path: &[String], value: &str, dialog: &mut Option<PartialDialog>) {
    let Some(d) = dialog.as_mut() else { return };
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    let value = &clean(value);
    match names.as_slice() {
        [_, "dialog", "state"] => d.state_text.push_str(value),
        [_, "dialog", "local", "identity"] => d.local_identity.push_str(value),
        [_, "dialog", "remote", "identity"] => d.remote_identity.push_str(value),
        _ => {}
    }
}

fn close(
    name: &str,
    info: &mut Option<DialogInfo>,
    dialog: &mut Option<PartialDialog>,
) -> Result<(), DialogInfoError> {
    if name != "dialog" {
        return Ok(());
    }
    let (Some(info), Some(d)) = (info.as_mut(), dialog.take()) else { return Ok(()) };
    let Some(mut entry) = d.entry else { return Ok(()) };
    entry.state =
        DialogState::parse(&d.state_text).ok_or(DialogInfoError::Missing("dialog state"))?;
    let some = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    entry.local_identity = some(d.local_identity);
    entry.remote_identity = some(d.remote_identity);
    if info.dialogs.len() >= MAX_DIALOGS {
        return Err(DialogInfoError::TooMany);
    }
    info.dialogs.push(entry);
    Ok(())
}

/// What was read, with characters XML 1.0 cannot carry (§2.2: controls other than tab,
/// line feed and carriage return; U+FFFE, U+FFFF) replaced by U+FFFD, so that what is read
/// can always be written back.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // As character references, so that attribute-value normalisation (XML 1.0
            // §3.3.3) and line-end handling keep them.
            '\t' | '\n' | '\r' => out.push_str(&format!("&#{};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4235 §6.1's first example, as a notifier sends it.
    const RFC_EXAMPLE: &str = r#"<?xml version="1.0"?>
      <dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info"
                   version="0" state="full"
                   entity="sip:alice@example.com">
        <dialog id="as7d900as8" call-id="a84b4c76e66710"
                local-tag="1928301774" direction="initiator">
          <state event="rejected" code="486">terminated</state>
        </dialog>
      </dialog-info>"#;

    #[test]
    fn the_rfc_example_reads() {
        let d = DialogInfo::parse(RFC_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(d.version, 0);
        assert!(d.full);
        assert_eq!(d.entity, "sip:alice@example.com");
        assert_eq!(d.dialogs.len(), 1);
        let e = &d.dialogs[0];
        assert_eq!(e.id, "as7d900as8");
        assert_eq!(e.call_id.as_deref(), Some("a84b4c76e66710"));
        assert_eq!(e.local_tag.as_deref(), Some("1928301774"));
        assert_eq!(e.remote_tag, None);
        assert_eq!(e.initiator, Some(true));
        assert_eq!(e.state, DialogState::Terminated);
    }

    #[test]
    fn what_is_written_reads_back_with_awkward_characters() {
        let info = DialogInfo {
            version: 7,
            full: false,
            entity: "sip:1001@earshot.test".into(),
            dialogs: vec![
                DialogEntry {
                    id: "call-1".into(),
                    call_id: Some("a&b<c>\"d'@host".into()),
                    local_tag: Some("lt".into()),
                    remote_tag: Some("rt".into()),
                    initiator: Some(false),
                    state: DialogState::Confirmed,
                    local_identity: Some("sip:1001@earshot.test".into()),
                    remote_identity: Some("\"Ann & Co\" <sip:ann@example.com>".into()),
                },
                DialogEntry {
                    id: "call-2".into(),
                    call_id: None,
                    local_tag: None,
                    remote_tag: None,
                    initiator: None,
                    state: DialogState::Early,
                    local_identity: None,
                    remote_identity: None,
                },
            ],
        };
        let xml = info.to_xml();
        assert_eq!(DialogInfo::parse(xml.as_bytes()).unwrap(), info, "{xml}");
    }

    /// Found by fuzzing: a tab written literally in an attribute came back as a space
    /// (attribute-value normalisation); a control character cannot be written at all.
    #[test]
    fn tabs_and_control_characters_survive_a_round_trip() {
        let xml = "<dialog-info version=\"1\" state=\"full\" entity=\"sip:a&#9;b\u{13}@c\">\
                   <dialog id=\"1\"><state>early</state><remote><identity>x&#10;\u{1}y</identity>\
                   </remote></dialog></dialog-info>";
        let d = DialogInfo::parse(xml.as_bytes()).unwrap();
        assert_eq!(d.entity, "sip:a\tb\u{FFFD}@c");
        assert_eq!(d.dialogs[0].remote_identity.as_deref(), Some("x\n\u{FFFD}y"));
        assert_eq!(DialogInfo::parse(d.to_xml().as_bytes()).unwrap(), d);
    }

    #[test]
    fn prefixed_namespaces_and_unknown_elements_are_fine() {
        let xml = r#"<d:dialog-info xmlns:d="urn:ietf:params:xml:ns:dialog-info" version="3" state="partial" entity="sip:a@b">
            <d:dialog id="x"><d:state>confirmed</d:state><d:duration>12</d:duration>
            <d:remote><d:identity display="Bob">sip:bob@b</d:identity><d:target uri="sip:bob@1.2.3.4"/></d:remote>
            </d:dialog><extra><dialog id="ignored"/></extra></d:dialog-info>"#;
        let d = DialogInfo::parse(xml.as_bytes()).unwrap();
        assert_eq!(d.version, 3);
        assert!(!d.full);
        assert_eq!(d.dialogs.len(), 1);
        assert_eq!(d.dialogs[0].remote_identity.as_deref(), Some("sip:bob@b"));
        assert_eq!(d.dialogs[0].state, DialogState::Confirmed);
    }

    #[test]
    fn broken_documents_are_errors() {
        let cases: [&[u8]; 7] = [
            b"",
            b"<dialog-info version=\"1\" state=\"full\">",
            b"<dialog-info state=\"full\" entity=\"sip:a@b\"/>",
            b"<dialog-info version=\"x\" state=\"full\" entity=\"sip:a@b\"/>",
            b"<dialog-info version=\"1\" state=\"full\" entity=\"sip:a@b\"><dialog><state>early</state></dialog></dialog-info>",
            b"<dialog-info version=\"1\" state=\"full\" entity=\"sip:a@b\"><dialog id=\"1\"><state>ringing</state></dialog></dialog-info>",
            b"\xff\xfe<dialog-info/>",
        ];
        for c in cases {
            assert!(DialogInfo::parse(c).is_err(), "{:?}", String::from_utf8_lossy(c));
        }
        let many = format!(
            "<dialog-info version=\"1\" state=\"full\" entity=\"sip:a@b\">{}</dialog-info>",
            "<dialog id=\"d\"><state>early</state></dialog>".repeat(MAX_DIALOGS + 1)
        );
        assert_eq!(DialogInfo::parse(many.as_bytes()), Err(DialogInfoError::TooMany));
    }
}
