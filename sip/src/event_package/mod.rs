//! Bodies of SIP event packages (RFC 6665) that Earshot serves and reads: the dialog
//! package (RFC 4235) for supervisors' team views, and presence documents (PIDF, RFC 3863)
//! for the agents' states.

pub mod dialog_info;
pub mod pidf;
pub(crate) mod xml_text;
