//! Bodies of SIP event packages (RFC 6665) that Earshot serves and reads: the dialog
//! package (RFC 4235) for supervisors' team views.

pub mod dialog_info;
