//! Outlook's conversation header, Thread-Index ([MS-OXOMSG] §2.2.1.3, [MS-OXCMAIL]
//! §2.2.3.2.6): base64 of a 22-byte header — 6 bytes of time, a 16-byte conversation GUID —
//! and a 5-byte block per reply. Outlook and Exchange keep the GUID across a conversation
//! even when they rewrite Message-IDs, so it joins replies whose references we never saw.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// The header's 22 bytes (time and GUID); each reply adds 5.
const HEADER_LEN: usize = 22;
const CHILD_LEN: usize = 5;

/// A Thread-Index read: its conversation (the GUID, in hex) and how deep the message is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThreadIndex {
    pub conversation: String,
    pub depth: usize,
    /// The header's value as written (a reply's Thread-Index extends it).
    pub value: String,
}

impl ThreadIndex {
    /// Reads the header's value; `None` unless it is base64 of 22 + 5·n bytes.
    pub fn parse(value: &str) -> Option<ThreadIndex> {
        let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = STANDARD.decode(compact.as_bytes()).ok()?;
        if bytes.len() < HEADER_LEN || !(bytes.len() - HEADER_LEN).is_multiple_of(CHILD_LEN) {
            return None;
        }
        let guid = bytes.get(6..HEADER_LEN)?;
        Some(ThreadIndex {
            conversation: guid.iter().map(|b| format!("{b:02x}")).collect(),
            depth: (bytes.len() - HEADER_LEN) / CHILD_LEN,
            value: compact,
        })
    }
}

/// A Thread-Index value that starts a conversation: the time (Unix ms) as FILETIME's top
/// six bytes, then `guid`.
pub fn start_conversation(now_ms: i64, guid: [u8; 16]) -> String {
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    bytes.extend_from_slice(filetime(now_ms).to_be_bytes().get(..6).unwrap_or_default());
    bytes.extend_from_slice(&guid);
    STANDARD.encode(bytes)
}

/// The Thread-Index of a reply to a message whose Thread-Index is `parent`: the parent's
/// bytes and one 5-byte block (the delay bits; Outlook groups by the header alone). A
/// parent value that does not read starts nothing: `None`.
pub fn reply_to(parent: &str, now_ms: i64) -> Option<String> {
    let compact: String = parent.chars().filter(|c| !c.is_whitespace()).collect();
    let mut bytes = STANDARD.decode(compact.as_bytes()).ok()?;
    if bytes.len() < HEADER_LEN {
        return None;
    }
    let delay = (filetime(now_ms) >> 18) as u32;
    bytes.extend_from_slice(&delay.to_be_bytes());
    bytes.push(0);
    Some(STANDARD.encode(bytes))
}

/// 100-ns intervals since 1601-01-01 (FILETIME).
fn filetime(unix_ms: i64) -> u64 {
    const EPOCH_DIFFERENCE_MS: i64 = 11_644_473_600_000;
    u64::try_from(unix_ms.saturating_add(EPOCH_DIFFERENCE_MS)).unwrap_or(0) * 10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outlook_index_reads_and_its_replies_keep_the_conversation() {
        // A Thread-Index as Outlook writes it (22 bytes), and a reply's (27).
        let root = "AdQfN6u4k5c0q3vPR6mZ1Yb4h0Qd8A==";
        let first = ThreadIndex::parse(root).expect("root");
        assert_eq!(first.depth, 0);
        let reply = reply_to(root, 1_764_000_000_000).expect("reply");
        let second = ThreadIndex::parse(&reply).expect("reply reads");
        assert_eq!(second.conversation, first.conversation);
        assert_eq!(second.depth, 1);
    }

    #[test]
    fn ours_start_a_conversation_with_the_guid_given() {
        let value = start_conversation(1_764_000_000_000, [7; 16]);
        let read = ThreadIndex::parse(&value).expect("reads");
        assert_eq!(read.conversation, "07".repeat(16));
        assert!(ThreadIndex::parse("not base64!").is_none());
        assert!(ThreadIndex::parse("AAAA").is_none());
    }
}
