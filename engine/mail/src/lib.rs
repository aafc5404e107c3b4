//! Earshot's email channel (DESIGN.md §7 "Email"), sans-IO: an email read into what the
//! agent sees ([`MailMessage`]: text, links, folded quotes, attachments, case headers),
//! its thread ([`ThreadBook`]: Message-ID, In-Reply-To, References, Outlook's Thread-Index;
//! one conversation per customer), and replies, forwards and new mail written with the
//! threading headers a customer's mail client needs ([`compose`]). The phone's driver
//! talks IMAP and SMTP.

pub mod compose;
pub mod html_text;
pub mod message;
pub mod quoting;
pub mod reply;
pub mod thread_index;
pub mod threading;

pub use compose::{ComposeError, Draft, DraftAttachment, Written};
pub use message::{AttachmentInfo, MailAddress, MailMessage, address_key, attachment_bytes};
pub use reply::{ForwardAs, Writer, forward, forward_subject, new_email, reply, reply_heads};
pub use threading::{JoinedBy, Placed, ThreadBook, ThreadId, ThreadingKeys};
