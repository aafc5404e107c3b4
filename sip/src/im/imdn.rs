//! Instant message disposition notifications (IMDN, RFC 5438): a sender asks, in the CPIM
//! headers of its message, for a notice when it is delivered and when it is displayed
//! (`imdn.Disposition-Notification: positive-delivery, display`, with `imdn.Message-ID`);
//! the recipient answers each with a `message/imdn+xml` document inside CPIM
//! (`Content-Disposition: notification`). Only between peers that both use it: otherwise a
//! MESSAGE's 200 OK means only that a server took it.

use super::xml_leaves;
use crate::event_package::xml_text::escape;

/// The content type of a notification (RFC 5438 §11.1).
pub const CONTENT_TYPE: &str = "message/imdn+xml";

/// Which notice a notification is (RFC 5438 §7.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Delivery,
    Display,
    Processing,
}

impl Kind {
    fn element(self) -> &'static str {
        match self {
            Kind::Delivery => "delivery-notification",
            Kind::Display => "display-notification",
            Kind::Processing => "processing-notification",
        }
    }
}

/// What became of the message: `delivered`, `displayed`, `processed`, `stored`, `failed`,
/// `forbidden` or `error` (RFC 5438 §7.2.1.1–3).
pub type Status = String;

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The `imdn.Message-ID` of the message it is about.
    pub message_id: String,
    /// When the message was sent (its CPIM DateTime, RFC 3339), as the recipient echoes it.
    pub date_time: String,
    pub recipient: Option<String>,
    pub kind: Kind,
    pub status: Status,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImdnError {
    #[error("IMDN: not well-formed XML: {0}")]
    Xml(String),
    #[error("IMDN: the root is <{0}>, not <imdn>")]
    Root(String),
    #[error("IMDN: no {0}")]
    Missing(&'static str),
    #[error("IMDN: no delivery, display or processing notification with a status")]
    NoStatus,
}

impl Notification {
    /// Reads a notification document (RFC 5438 §7.2).
    pub fn parse(body: &[u8]) -> Result<Notification, ImdnError> {
        let doc = xml_leaves::read(body).map_err(ImdnError::Xml)?;
        if doc.root != "imdn" {
            return Err(ImdnError::Root(doc.root));
        }
        let message_id = doc
            .get("message-id")
            .filter(|t| !t.is_empty())
            .ok_or(ImdnError::Missing("message-id"))?
            .to_owned();
        let date_time = doc.get("datetime").ok_or(ImdnError::Missing("datetime"))?.to_owned();
        let (kind, status) = [Kind::Delivery, Kind::Display, Kind::Processing]
            .into_iter()
            .find_map(|k| {
                let parent = format!("{}/status", k.element());
                let status = doc.children(&parent).next().map(str::to_owned)?;
                Some((k, status))
            })
            .ok_or(ImdnError::NoStatus)?;
        let recipient = doc.get("recipient-uri").filter(|t| !t.is_empty()).map(str::to_owned);
        Ok(Notification { message_id, date_time, recipient, kind, status })
    }

    /// The document (RFC 5438 §7.2).
    pub fn to_xml(&self) -> String {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n",
        );
        x.push_str(&format!("  <message-id>{}</message-id>\n", escape(&self.message_id)));
        x.push_str(&format!("  <datetime>{}</datetime>\n", escape(&self.date_time)));
        if let Some(r) = &self.recipient {
            x.push_str(&format!("  <recipient-uri>{}</recipient-uri>\n", escape(r)));
        }
        let status: String =
            self.status.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        x.push_str(&format!(
            "  <{e}>\n    <status><{status}/></status>\n  </{e}>\n</imdn>\n",
            e = self.kind.element()
        ));
        x
    }
}

/// What a message asks to be told (its `imdn.Disposition-Notification` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Wanted {
    pub delivery: bool,
    pub display: bool,
}

impl Wanted {
    /// Reads `positive-delivery, negative-delivery, display` (RFC 5438 §6.3).
    pub fn parse(value: &str) -> Wanted {
        let mut w = Wanted::default();
        for token in value.split(',').map(|t| t.trim().to_ascii_lowercase()) {
            match token.as_str() {
                "positive-delivery" => w.delivery = true,
                "display" => w.display = true,
                _ => {}
            }
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_example_reads_and_a_notice_writes_back() {
        // RFC 5438 §7.2.1.1's delivery notification.
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
            <imdn xmlns="urn:ietf:params:xml:ns:imdn">
              <message-id>34jk324j</message-id>
              <datetime>2008-04-04T12:16:49-05:00</datetime>
              <recipient-uri>im:bob@example.com</recipient-uri>
              <original-recipient-uri>im:bob@example.com</original-recipient-uri>
              <delivery-notification>
                <status><delivered/></status>
              </delivery-notification>
            </imdn>"#;
        let n = Notification::parse(body).unwrap();
        assert_eq!(
            (n.message_id.as_str(), n.kind, n.status.as_str()),
            ("34jk324j", Kind::Delivery, "delivered")
        );
        assert_eq!(n.recipient.as_deref(), Some("im:bob@example.com"));
        let shown = Notification { kind: Kind::Display, status: "displayed".into(), ..n };
        assert_eq!(Notification::parse(shown.to_xml().as_bytes()).unwrap(), shown);
    }

    #[test]
    fn characters_xml_forbids_are_not_kept() {
        // Found by the fuzz target: a NUL in a datetime read, then not written back.
        let body = b"<imdn><message-id>1</message-id><datetime>2008\x00-04</datetime>\
            <display-notification><status><displayed/></status></display-notification></imdn>";
        let n = Notification::parse(body).unwrap();
        assert_eq!(n.date_time, "2008-04");
        assert_eq!(Notification::parse(n.to_xml().as_bytes()).unwrap(), n);
    }

    #[test]
    fn what_a_message_asks_for() {
        assert_eq!(
            Wanted::parse("positive-delivery, display"),
            Wanted { delivery: true, display: true }
        );
        assert_eq!(Wanted::parse("negative-delivery"), Wanted::default());
    }

    #[test]
    fn broken_notifications_are_refused() {
        let no_id = b"<imdn><datetime>x</datetime><display-notification><status><displayed/></status></display-notification></imdn>";
        assert_eq!(Notification::parse(no_id), Err(ImdnError::Missing("message-id")));
        let no_status = b"<imdn><message-id>1</message-id><datetime>x</datetime></imdn>";
        assert_eq!(Notification::parse(no_status), Err(ImdnError::NoStatus));
        assert!(matches!(Notification::parse(b"<presence/>"), Err(ImdnError::Root(_))));
    }
}
