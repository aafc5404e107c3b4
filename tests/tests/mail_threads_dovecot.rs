//! A second opinion on the threading corpus (engine/mail/tests/threads/): Dovecot's own
//! THREAD REFERENCES (RFC 5256) over the same messages. Ours must be a refinement of
//! Dovecot's — every pair we put in one thread, Dovecot puts in one thread too —, and
//! where Dovecot joins more, it is exactly where we choose not to: by subject alone (RFC
//! 5256 gathers threads with the same base subject; strangers writing "Order 42 missing"
//! stay apart here) and answers of two customers to one notice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use earshot_engine::mail::{MailMessage, ThreadBook, ThreadingKeys};
use earshot_tests::mail_site::{MailSite, QUEUE, QUEUE_PASSWORD};

/// Dovecot's threads, as sets of UIDs, from `UID THREAD REFERENCES UTF-8 ALL`.
fn dovecot_threads(site: &MailSite) -> Vec<BTreeSet<u32>> {
    let stream = TcpStream::connect(("127.0.0.1", site.imap_port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut line = String::new();
    reader.read_line(&mut line).unwrap(); // greeting
    let mut thread_line = String::new();
    for (tag, command) in [
        ("a1", format!("LOGIN {QUEUE} {QUEUE_PASSWORD}")),
        ("a2", "SELECT INBOX".to_owned()),
        ("a3", "UID THREAD REFERENCES UTF-8 ALL".to_owned()),
    ] {
        writer.write_all(format!("{tag} {command}\r\n").as_bytes()).unwrap();
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            assert!(!line.is_empty(), "connection closed");
            if line.starts_with("* THREAD") {
                thread_line = line.clone();
            }
            if line.starts_with(tag) {
                assert!(line.starts_with(&format!("{tag} OK")), "{command}: {line}");
                break;
            }
        }
    }
    // "* THREAD (1)(2 3 (4)(5))": each top-level group is one thread.
    let mut threads = Vec::new();
    let mut depth = 0;
    let mut current = BTreeSet::new();
    let mut number = String::new();
    for c in thread_line.trim_start_matches("* THREAD").chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if !number.is_empty() {
            current.insert(number.parse().unwrap());
            number.clear();
        }
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    threads.push(std::mem::take(&mut current));
                }
            }
            _ => {}
        }
    }
    threads
}

#[test]
fn our_threads_refine_dovecots_thread_references() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/mail/tests/threads");
    let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    let mut files = Vec::new();
    for line in expected.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let words: Vec<&str> = line.split_whitespace().collect();
        files.push((words[0].to_owned(), words[2].starts_with("out")));
    }
    let site = MailSite::start("threads");
    let raws: Vec<Vec<u8>> =
        files.iter().map(|(f, _)| std::fs::read(dir.join(f)).unwrap()).collect();
    site.fill_maildir(QUEUE, None, &raws);

    // Ours, by Message-ID.
    let mut book = ThreadBook::new();
    let mut ours: BTreeMap<String, u64> = BTreeMap::new();
    for (raw, (_, outbound)) in raws.iter().zip(&files) {
        let m = MailMessage::parse(raw);
        let placed = book.place(&ThreadingKeys::of(&m, *outbound));
        ours.insert(m.message_id, placed.thread);
    }
    // Dovecot's, by Message-ID (a message without one is left out: its id is ours).
    let uid_ids: BTreeMap<u32, String> = site
        .doveadm(&[
            "-f",
            "flow",
            "fetch",
            "-u",
            QUEUE,
            "uid hdr.message-id",
            "mailbox",
            "INBOX",
            "ALL",
        ])
        .lines()
        .filter_map(|l| {
            let uid = l.split("uid=").nth(1)?.split_whitespace().next()?.parse().ok()?;
            let id = l.split("hdr.message-id=").nth(1)?.trim().trim_matches(['<', '>']).to_owned();
            (!id.is_empty()).then_some((uid, id))
        })
        .collect();
    let dovecot: Vec<BTreeSet<String>> = dovecot_threads(&site)
        .into_iter()
        .map(|t| t.into_iter().filter_map(|u| uid_ids.get(&u).cloned()).collect())
        .collect();
    let dovecot_of = |id: &str| dovecot.iter().position(|t| t.contains(id));

    // Every pair we join, Dovecot joins.
    for (a, ta) in &ours {
        for (b, tb) in &ours {
            if ta == tb && a < b && dovecot_of(a).is_some() && dovecot_of(b).is_some() {
                assert_eq!(dovecot_of(a), dovecot_of(b), "we join {a} and {b}; Dovecot does not");
            }
        }
    }
    // Where Dovecot joins what we keep apart: only the documented cases.
    let mut apart: BTreeSet<(String, String)> = BTreeSet::new();
    for t in &dovecot {
        let threads: BTreeSet<u64> = t.iter().filter_map(|id| ours.get(id).copied()).collect();
        if threads.len() > 1 {
            let mut names: Vec<String> = t.iter().cloned().collect();
            names.sort();
            for a in &names {
                for b in &names {
                    if a < b && ours.get(a) != ours.get(b) {
                        apart.insert((a.clone(), b.clone()));
                    }
                }
            }
        }
    }
    let subject_or_notice = |a: &str, b: &str| {
        let notice = [
            "notice-2026-12@shop.test",
            "carol-1@example.org",
            "carol-2@example.org",
            "dave-1@example.net",
        ];
        let order42 = [
            "CAKx=anna-1@mail.gmail.com",
            "earshot.r1@shop.test",
            "CAKx=anna-2@mail.gmail.com",
            "4f1e.anna@phone.example",
            "D0C5E1A2-5F3B-4B8C-9D2E-1A2B3C4D5E6F@icloud.com",
        ];
        (notice.contains(&a) && notice.contains(&b))
            || (order42.contains(&a) && order42.contains(&b))
    };
    for (a, b) in &apart {
        assert!(
            subject_or_notice(a, b),
            "Dovecot joins {a} and {b}, we do not — and that is not a documented case"
        );
    }
    println!(
        "Dovecot's THREAD REFERENCES: {} threads; ours: {}; joined by Dovecot only: {apart:?}",
        dovecot.len(),
        book.thread_count()
    );
}
