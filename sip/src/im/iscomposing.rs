//! The is-composing indication (RFC 3994): a MESSAGE whose body says the sender is typing
//! (`active`) or stopped (`idle`). Sent only to a peer that announced it understands it
//! (an `isComposing` of its own, or `application/im-iscomposing+xml` in its Accept):
//! some servers and clients show the XML as a message otherwise.

use super::xml_leaves;
use crate::event_package::xml_text::escape;

/// The content type (RFC 3994 §6).
pub const CONTENT_TYPE: &str = "application/im-iscomposing+xml";
/// A composer that sends no more text for this long is idle (RFC 3994 §3.1, the default
/// idle timeout), in seconds.
pub const IDLE_AFTER_S: u64 = 15;
/// The refresh a composer asks for when it announces `active` (§3.1: at least 60 s).
pub const REFRESH_S: u64 = 60;
/// A receiver that hears nothing for this long after `active` without a refresh takes the
/// sender as idle (§3.2: 120 s when the indication gave none).
pub const ACTIVE_FOR_S: u64 = 120;

/// One indication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsComposing {
    /// Typing now.
    pub active: bool,
    /// When the sender last typed (RFC 3339), in an `idle` indication.
    pub last_active: Option<String>,
    /// What is being composed (`text/plain` unless said).
    pub content_type: Option<String>,
    /// For `active`: seconds until the sender refreshes it (or says idle).
    pub refresh_s: Option<u64>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IsComposingError {
    #[error("is-composing: not well-formed XML: {0}")]
    Xml(String),
    #[error("is-composing: the root is <{0}>, not <isComposing>")]
    Root(String),
    #[error("is-composing: the state is {0:?}, neither active nor idle")]
    State(String),
    #[error("is-composing: the refresh {0:?} is not a number of seconds")]
    Refresh(String),
}

impl IsComposing {
    /// An `active` indication asking to be refreshed every [`REFRESH_S`].
    pub fn active() -> IsComposing {
        IsComposing {
            active: true,
            last_active: None,
            content_type: Some("text/plain".into()),
            refresh_s: Some(REFRESH_S),
        }
    }

    /// An `idle` indication, the sender having last typed at `last_active` (RFC 3339).
    pub fn idle(last_active: Option<String>) -> IsComposing {
        IsComposing {
            active: false,
            last_active,
            content_type: Some("text/plain".into()),
            refresh_s: None,
        }
    }

    /// Reads an indication (RFC 3994 §4); unknown elements are ignored.
    pub fn parse(body: &[u8]) -> Result<IsComposing, IsComposingError> {
        let doc = xml_leaves::read(body).map_err(IsComposingError::Xml)?;
        if doc.root != "isComposing" {
            return Err(IsComposingError::Root(doc.root));
        }
        let state = doc.get("state").unwrap_or_default();
        let active = match state.to_ascii_lowercase().as_str() {
            "active" => true,
            "idle" => false,
            _ => return Err(IsComposingError::State(state.to_owned())),
        };
        let refresh_s = match doc.get("refresh") {
            None => None,
            Some(r) => Some(
                r.parse::<u64>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| IsComposingError::Refresh(r.to_owned()))?,
            ),
        };
        let text = |name: &str| doc.get(name).filter(|t| !t.is_empty()).map(str::to_owned);
        Ok(IsComposing {
            active,
            last_active: text("lastactive"),
            content_type: text("contenttype"),
            refresh_s,
        })
    }

    /// The document (RFC 3994 §4).
    pub fn to_xml(&self) -> String {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">\n",
        );
        x.push_str(if self.active {
            "  <state>active</state>\n"
        } else {
            "  <state>idle</state>\n"
        });
        if let Some(t) = &self.last_active {
            x.push_str(&format!("  <lastactive>{}</lastactive>\n", escape(t)));
        }
        if let Some(c) = &self.content_type {
            x.push_str(&format!("  <contenttype>{}</contenttype>\n", escape(c)));
        }
        if let Some(r) = self.refresh_s {
            x.push_str(&format!("  <refresh>{r}</refresh>\n"));
        }
        x.push_str("</isComposing>\n");
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_examples_read_and_write_back() {
        // RFC 3994 §5.1 (namespace as the schema has it).
        let active = br#"<?xml version="1.0" encoding="UTF-8"?>
            <isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"
              xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <state>active</state>
              <contenttype>text/plain</contenttype>
              <refresh>90</refresh>
            </isComposing>"#;
        let a = IsComposing::parse(active).unwrap();
        assert!(a.active);
        assert_eq!((a.refresh_s, a.content_type.as_deref()), (Some(90), Some("text/plain")));
        let idle = br#"<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">
              <state>idle</state><lastactive>2003-01-27T10:43:00Z</lastactive>
              <contenttype>audio</contenttype></isComposing>"#;
        let i = IsComposing::parse(idle).unwrap();
        assert!(!i.active);
        assert_eq!(i.last_active.as_deref(), Some("2003-01-27T10:43:00Z"));
        for doc in [IsComposing::active(), IsComposing::idle(Some("2026-12-06T08:00:00Z".into()))] {
            assert_eq!(IsComposing::parse(doc.to_xml().as_bytes()).unwrap(), doc);
        }
    }

    #[test]
    fn what_is_not_an_indication_is_refused() {
        let bad: [(&[u8], &str); 5] = [
            (b"<isComposing><state>typing</state></isComposing>", "typing"),
            (b"<isComposing><state>active</state><refresh>0</refresh></isComposing>", "refresh"),
            (b"<presence><state>active</state></presence>", "root"),
            (b"<isComposing><state>active</state>", "ends inside"),
            (b"\xff\xfe", "well-formed"),
        ];
        for (body, why) in bad {
            let e = IsComposing::parse(body).unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
        }
    }
}
