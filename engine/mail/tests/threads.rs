//! The threading corpus (tests/threads/): real-world shaped mail — Gmail, Outlook with
//! Thread-Index and rewritten ids, Apple Mail, a mailing list, a forwarded chain, broken
//! References, a notice answered by two customers, no Message-ID — placed in order; every
//! message must land in the thread `expected.txt` names, and no two names may share one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::path::Path;

use earshot_mail::{JoinedBy, MailMessage, ThreadBook, ThreadingKeys};

fn corpus() -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/threads");
    let expected = std::fs::read_to_string(dir.join("expected.txt")).expect("expected.txt");
    expected
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut words = l.split_whitespace();
            let file = words.next().expect("file").to_owned();
            let thread = words.next().expect("thread").to_owned();
            let direction = words.next().expect("direction").to_owned();
            (file, thread, direction)
        })
        .collect()
}

#[test]
fn every_message_lands_in_its_expected_thread() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/threads");
    let mut book = ThreadBook::new();
    let mut thread_of_name: HashMap<String, u64> = HashMap::new();
    let mut name_of_thread: HashMap<u64, String> = HashMap::new();
    for (file, name, direction) in corpus() {
        let raw = std::fs::read(dir.join(&file)).expect("message");
        let message = MailMessage::parse(&raw);
        let placed = book.place(&ThreadingKeys::of(&message, direction.starts_with("out")));
        if direction == "out-new" {
            assert_eq!(placed.joined_by, JoinedBy::New, "{file}");
        }
        match thread_of_name.get(&name) {
            Some(thread) => assert_eq!(
                placed.thread, *thread,
                "{file} should be in {name}'s thread ({:?})",
                placed.joined_by
            ),
            None => {
                thread_of_name.insert(name.clone(), placed.thread);
            }
        }
        if let Some(other) = name_of_thread.get(&placed.thread) {
            assert_eq!(other, &name, "{file} joined {other}'s thread ({:?})", placed.joined_by);
        }
        name_of_thread.insert(placed.thread, name);
    }
    assert_eq!(book.thread_count(), 9, "anna bob notice carol dave erin list harry ivan");
}

#[test]
fn how_the_hard_cases_joined() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/threads");
    let mut book = ThreadBook::new();
    let mut how = HashMap::new();
    for (file, _, direction) in corpus() {
        let raw = std::fs::read(dir.join(&file)).expect("message");
        let message = MailMessage::parse(&raw);
        let placed = book.place(&ThreadingKeys::of(&message, direction.starts_with("out")));
        how.insert(file, placed.joined_by);
    }
    // The reply to a message the server never saw joins by its References.
    assert_eq!(how["04-broken-in-reply-to.eml"], JoinedBy::Reference);
    // Exchange rewrote the ids: Outlook's conversation joins it.
    assert_eq!(how["07-outlook-rewritten-ids.eml"], JoinedBy::Conversation);
    // Two customers answering one notice: a thread each; Carol's second answer finds hers.
    assert_eq!(how["09-carol-answers-notice.eml"], JoinedBy::OwnAnswerToSharedMail);
    assert_eq!(how["10-dave-answers-notice.eml"], JoinedBy::OwnAnswerToSharedMail);
    assert_eq!(how["11-carol-again.eml"], JoinedBy::OwnAnswerToSharedMail);
    // The same subject from a stranger, without references: a new thread.
    assert_eq!(how["12-apple-same-subject.eml"], JoinedBy::New);
    assert_eq!(how["18-no-message-id.eml"], JoinedBy::New);
}

#[test]
fn the_same_message_twice_is_placed_once() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/threads");
    let raw = std::fs::read(dir.join("01-gmail-first.eml")).expect("message");
    let message = MailMessage::parse(&raw);
    let mut book = ThreadBook::new();
    let first = book.place(&ThreadingKeys::of(&message, false));
    let again = book.place(&ThreadingKeys::of(&message, false));
    assert_eq!(again.thread, first.thread);
    assert_eq!(again.joined_by, JoinedBy::SameMessage);
    assert_eq!(book.messages(first.thread).len(), 1);
}
