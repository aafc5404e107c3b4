//! Earshot's directory (DESIGN.md §7 "Directory"), sans-IO: contacts and the normal form
//! of their identities ([`Numbering`]), the Team Communicator search over agents, queues
//! and contacts ([`Directory`]), and contacts read from and written to files (CSV,
//! vCard). The stores keep contacts; this crate decides what matches.

pub mod contact;
pub mod fold;
pub mod identity;
pub mod import;
pub mod sample;
pub mod search;
pub mod site;

pub use contact::{Contact, ContactId, PastField, PastInteraction};
pub use identity::{Identity, IdentityKind, Numbering, email_key};
pub use import::{Imported, Rejected, read_contacts, write_csv};
pub use search::{Directory, Hit, Target, TargetKind};
pub use site::{KeptList, KeptTarget, RECENT_KEPT, SiteAgent, SiteQueue};

/// What the directory refuses.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("{0:?} is not a country code (ISO 3166: GB, CA, FR…)")]
    Country(String),
}
