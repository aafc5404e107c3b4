//! Email figures on a real mail site (Dovecot + SMTP servers on loopback, an Earshot agent
//! `earshot --headless` on the queue's mailbox over IMAP with STARTTLS):
//! 1. delivery → preview: 100 messages sent one at a time; from the SMTP server's
//!    acceptance to the agent's phone reporting the offer (IDLE, claim, read, offer);
//! 2. a thread of 100: 99 earlier messages of one thread in the Done folder, the 100th
//!    arrives; from its offer to the 99 earlier messages shown;
//! 3. a mailbox of 10 000 waiting messages: from the phone's start to its first offer (the
//!    mailbox's first look: search, headers of every message, the claim), and the phone's
//!    memory (VmRSS) after it.
//!
//! Run:
//!   cargo build --release -p earshot-ui --bin earshot &&
//!   cargo bench -p earshot-benches --bench email_latency
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use earshot_tests::headless::{Headless, temp_dir};
use earshot_tests::mail_site::{MailSite, QUEUE, smtp_send};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn offered(e: &serde_json::Value) -> bool {
    e["event"] == "interaction" && e["channel"] == "email" && e["state"] == "offered"
}

fn agent(dir: &std::path::Path, name: &str, site: &MailSite) -> Headless {
    let mut a =
        Headless::start_with(dir, name, r#"["PCMU"]"#, &site.agent_config(false, 1, ""), &[]);
    a.wait_for("mailbox online", |e| e["event"] == "mailbox" && e["online"] == true);
    a
}

/// Works offer `id` to its end: accept, close, done.
fn finish(a: &mut Headless, id: u64) {
    a.send(&format!("accept {id}"));
    a.send(&format!("email-close {id}"));
    a.wait_for("wrap-up", |e| {
        e["event"] == "interaction" && e["id"] == id && e["state"] == "wrap-up"
    });
    a.send(&format!("done {id}"));
    a.wait_for("done", |e| e["event"] == "interaction" && e["id"] == id && e["state"] == "done");
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmRSS:")
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let site = MailSite::start("bench");
    let dir = temp_dir("email-bench");
    let mut a = agent(&dir, "alice", &site);
    a.send("state ready");

    // 1. Delivery → preview.
    let mut latencies = Vec::new();
    for n in 0..100 {
        let raw = format!(
            "From: c{n}@customer.example\r\nTo: {QUEUE}\r\nSubject: latency {n}\r\nMessage-ID: <lat-{n}@customer.example>\r\n\r\nbody {n}\r\n"
        );
        smtp_send(site.inbound_port, "c@customer.example", &[QUEUE], raw.as_bytes()).unwrap();
        let accepted = Instant::now();
        let (at, e) = a.wait_for("offer", offered);
        latencies.push((at - accepted).as_secs_f64() * 1000.0);
        finish(&mut a, e["id"].as_u64().unwrap());
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "delivery -> preview, 100 messages: p50 {:.1} ms, p99 {:.1} ms, worst {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );

    // 2. A thread of 100 messages.
    let ids: Vec<String> = (1..=100).map(|n| format!("thread-{n}@customer.example")).collect();
    let earlier: Vec<Vec<u8>> = (0..99)
        .map(|n| {
            let refs: Vec<String> = ids[..n].iter().map(|i| format!("<{i}>")).collect();
            let refs = if refs.is_empty() { String::new() } else { format!("References: {}\r\n", refs.join("\r\n ")) };
            format!(
                "From: anna@customer.example\r\nTo: {QUEUE}\r\nSubject: Re: the long story\r\nMessage-ID: <{}>\r\n{refs}\
                 Date: Mon, 30 Nov 2026 09:{:02}:00 +0000\r\n\r\nPart {n} of the long story.\r\n",
                ids[n],
                n % 60
            )
            .into_bytes()
        })
        .collect();
    site.fill_maildir(QUEUE, Some("Done"), &earlier);
    let refs: Vec<String> = ids[..99].iter().map(|i| format!("<{i}>")).collect();
    let last = format!(
        "From: anna@customer.example\r\nTo: {QUEUE}\r\nSubject: Re: the long story\r\nMessage-ID: <{}>\r\n\
         In-Reply-To: {}\r\nReferences: {}\r\n\r\nThe end.\r\n",
        ids[99],
        refs[98],
        refs.join("\r\n ")
    );
    smtp_send(site.inbound_port, "anna@customer.example", &[QUEUE], last.as_bytes()).unwrap();
    let (offered_at, e) = a.wait_for("offer", offered);
    let id = e["id"].as_u64().unwrap();
    let mut shown = 0;
    let mut last_at = offered_at;
    while shown < 99 {
        let (at, _) = a.wait_for("earlier", |e| {
            e["event"] == "email" && e["interaction"] == id && e["earlier"] == true
        });
        shown += 1;
        last_at = at;
    }
    println!(
        "thread of 100: the 99 earlier messages shown {:.1} ms after the offer",
        (last_at - offered_at).as_secs_f64() * 1000.0
    );
    finish(&mut a, id);
    a.quit();

    // 3. 10 000 messages waiting: the first look of a phone that starts.
    let many: Vec<Vec<u8>> = (0..10_000)
        .map(|n| {
            format!(
                "From: c{n}@customer.example\r\nTo: {QUEUE}\r\nSubject: backlog {n}\r\nMessage-ID: <backlog-{n}@customer.example>\r\n\
                 Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n\r\nWaiting message {n}, with a few lines of text.\r\nSecond line.\r\n"
            )
            .into_bytes()
        })
        .collect();
    site.fill_maildir(QUEUE, None, &many);
    let started = Instant::now();
    let mut b = agent(&dir, "bob", &site);
    let online = Instant::now();
    b.send("state ready");
    let (at, _) = b.wait_for("first offer", offered);
    std::thread::sleep(Duration::from_millis(500));
    println!(
        "10 000 waiting: phone start -> mailbox online {:.0} ms; -> first offer {:.0} ms (online -> offer {:.0} ms); VmRSS {} KiB",
        (online - started).as_secs_f64() * 1000.0,
        (at - started).as_secs_f64() * 1000.0,
        (at - online).as_secs_f64() * 1000.0,
        rss_kib(b.pid())
    );
    b.quit();
}
