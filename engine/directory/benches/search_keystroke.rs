//! Team Communicator's search per keystroke: queries typed one character at a time
//! ("m", "mu", "mul", … "müller"; a name and a first name; a number in three formats)
//! over 1 000, 10 000 and 100 000 contacts with 2 000 agents and 50 queues. Prints p50,
//! p99 and the worst keystroke for each size (budget: 10 ms at p99), and the time to load
//! the index.
//!   cargo bench -p earshot-directory --bench search_keystroke
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use earshot_directory::sample::{FIRST, LAST, SEED, sample_contact};
use earshot_directory::{Directory, Numbering, Target, TargetKind};

fn directory(contacts: usize) -> (Directory, Duration) {
    let mut d = Directory::new(Numbering::new("GB").unwrap());
    let mut seed = SEED;
    let started = Instant::now();
    for i in 0..2000 {
        d.put(Target {
            kind: TargetKind::Agent,
            id: format!("sip:agent{i}@site.example"),
            name: format!("{} {}", FIRST[i % FIRST.len()], LAST[(i / 7) % LAST.len()]),
            addresses: vec![format!("sip:agent{i}@site.example"), format!("{}", 2000 + i)],
            detail: String::new(),
        });
    }
    for i in 0..50 {
        d.put(Target {
            kind: TargetKind::Queue,
            id: format!("queue{i}"),
            name: format!("Queue {i}"),
            addresses: vec![format!("sip:queue{i}@site.example")],
            detail: "Support".into(),
        });
    }
    for i in 0..contacts {
        let c = sample_contact(&mut seed, i);
        d.put(Target {
            kind: TargetKind::Contact,
            id: i.to_string(),
            name: c.name,
            addresses: c.identities.into_iter().map(|i| i.value).collect(),
            detail: c.organisation,
        });
    }
    // The contact every query below looks for.
    d.put(Target {
        kind: TargetKind::Contact,
        id: "target".into(),
        name: "Jürgen Müllerson".into(),
        addresses: vec!["+44 20 7946 0000".into()],
        detail: "Müller GmbH".into(),
    });
    (d, started.elapsed())
}

fn typed(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    (1..=chars.len()).map(|n| chars[..n].iter().collect()).collect()
}

fn main() {
    let queries: Vec<String> = [
        "müller",
        "jurgen mull",
        "020 7946 0000",
        "+44 20 7946 0000",
        "442079460000",
        "tremblay marie",
    ]
    .iter()
    .flat_map(|q| typed(q))
    .collect();
    println!(
        "search per keystroke ({} keystrokes × 20 rounds per size), 2 000 agents, 50 queues",
        queries.len()
    );
    println!(
        "{:>9} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "contacts", "load", "prepare", "p50", "p99", "worst"
    );
    for size in [1_000usize, 10_000, 100_000] {
        let (mut d, load) = directory(size);
        let t = Instant::now();
        d.prepare();
        let prepared = t.elapsed();
        let mut times = Vec::new();
        let mut slowest: Vec<(Duration, &str)> = Vec::new();
        let mut found = 0usize;
        for _ in 0..20 {
            for q in &queries {
                let t = Instant::now();
                let hits = d.search(q, 10);
                let took = t.elapsed();
                times.push(took);
                slowest.push((took, q));
                found += hits.len();
            }
        }
        slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        slowest.dedup_by(|a, b| a.1 == b.1);
        let slow: Vec<String> = slowest
            .iter()
            .take(4)
            .map(|(t, q)| format!("{q:?} {:.1} ms", t.as_secs_f64() * 1000.0))
            .collect();
        assert!(found > 0);
        assert!(d.search("müllerson", 10).iter().any(|h| h.id == "target"));
        assert!(d.search("020 7946 0000", 10).first().is_some_and(|h| h.id == "target"));
        times.sort();
        let at = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
        let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
        println!(
            "{:>9} {:>10} {:>10} {:>10} {:>10} {:>10}",
            size,
            format!("{:.0} ms", load.as_secs_f64() * 1000.0),
            format!("{:.0} ms", prepared.as_secs_f64() * 1000.0),
            ms(at(0.5)),
            ms(at(0.99)),
            ms(*times.last().unwrap())
        );
        println!("{:>9} slowest: {}", "", slow.join(", "));
    }
}
