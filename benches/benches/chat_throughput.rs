//! How many chat messages an agent's phone takes per second before a queue builds: a real
//! phone (its driver, its user agent, its store thread, on loopback) with one accepted
//! chat, and a customer (a raw UDP socket) writing into it at rising rates for 2 s each.
//! For each rate: messages answered 200, messages per second answered, and the time from
//! a MESSAGE sent to its 200 (p50, p99, worst). A rate the phone keeps up with answers
//! every message with a flat p99; past it the answers lag and the p99 climbs.
//!   cargo bench -p earshot-benches --bench chat_throughput
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock

use std::collections::HashMap;
use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use earshot_engine::phone::api::{Command, Event};
use earshot_engine::phone::{AudioChoice, Config, PhoneHandle, StartOptions, start};

const RATES: &[u32] = &[100, 250, 500, 1000, 2000, 4000];
const SECONDS_EACH: u64 = 2;

fn message(n: u32, me: &str, agent: &str, text: &str) -> Vec<u8> {
    format!(
        "MESSAGE sip:support@{agent} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKb{n}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:bench@{me}>;tag=b{n}\r\nTo: <sip:support@{agent}>\r\n\
         Call-ID: bench-{n}\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain;charset=UTF-8\r\n\
         Content-Length: {}\r\n\r\n{text}",
        text.len()
    )
    .into_bytes()
}

/// The phone's next event that `pick` takes (within 10 s).
fn next_event(
    runtime: &tokio::runtime::Runtime,
    phone: &mut PhoneHandle,
    what: &str,
    pick: &dyn Fn(&Event) -> bool,
) -> Event {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let e = runtime
            .block_on(async { tokio::time::timeout(left, phone.events.recv()).await })
            .unwrap_or_else(|_| panic!("no {what}"))
            .expect("phone running");
        if pick(&e) {
            return e;
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = std::env::temp_dir().join(format!("earshot-chat-bench-{}", std::process::id()));
    let mut config =
        Config { user: "agent".into(), data_dir: Some(dir.join("data")), ..Config::default() };
    config.sip.address = Some("127.0.0.1".parse().unwrap());
    config.desk.queues.insert("support".into(), Default::default());
    config.chat.flood_limit = 0;
    let options = StartOptions {
        audio: AudioChoice { no_card: true, ..AudioChoice::default() },
        ..StartOptions::default()
    };
    let mut phone = runtime.block_on(start(config, options)).unwrap();
    let Event::Ready { listen, .. } =
        next_event(&runtime, &mut phone, "ready", &|e| matches!(e, Event::Ready { .. }))
    else {
        unreachable!()
    };
    phone.send(Command::State { state: "ready".into(), reason: None });
    next_event(
        &runtime,
        &mut phone,
        "Ready",
        &|e| matches!(e, Event::AgentState { state, .. } if state == "ready"),
    );

    let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
    socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let me = socket.local_addr().unwrap().to_string();
    let sent_at: Arc<Mutex<HashMap<u32, Instant>>> = Arc::default();
    let answered: Arc<Mutex<Vec<(u32, Duration)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (socket, sent_at, answered, stop) =
            (socket.clone(), sent_at.clone(), answered.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok(n) = socket.recv(&mut buf) else { continue };
                let at = Instant::now();
                let text = String::from_utf8_lossy(&buf[..n]);
                if !text.starts_with("SIP/2.0 200") {
                    continue;
                }
                let Some(id) = text
                    .lines()
                    .find_map(|l| l.strip_prefix("Call-ID: bench-"))
                    .and_then(|n| n.trim().parse::<u32>().ok())
                else {
                    continue;
                };
                if let Some(t) = sent_at.lock().unwrap().remove(&id) {
                    answered.lock().unwrap().push((id, at - t));
                }
            }
        })
    };
    // The chat: the first message offered, accepted (its 200 comes with the accept).
    socket.send_to(&message(0, &me, &listen, "hello, bench"), &listen).unwrap();
    sent_at.lock().unwrap().insert(0, Instant::now());
    let Event::Interaction(offer) = next_event(
        &runtime,
        &mut phone,
        "the offer",
        &|e| matches!(e, Event::Interaction(i) if i.state == "offered"),
    ) else {
        unreachable!()
    };
    phone.send(Command::Accept { id: offer.id });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(answered.lock().unwrap().len(), 1, "the chat accepted");

    println!("chat messages into one chat of a real phone on loopback, {SECONDS_EACH} s per rate:");
    println!("rate/s  sent  answered  answered/s  p50 ms  p99 ms  worst ms");
    let mut n = 1u32;
    for &rate in RATES {
        answered.lock().unwrap().clear();
        let start = Instant::now();
        let total = rate * SECONDS_EACH as u32;
        let first = n;
        for k in 0..total {
            let due = start + Duration::from_secs_f64(f64::from(k) / f64::from(rate));
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let bytes = message(n, &me, &listen, &format!("message {n} — ça va? 👋"));
            sent_at.lock().unwrap().insert(n, Instant::now());
            socket.send_to(&bytes, &listen).unwrap();
            n += 1;
        }
        // Answers still on their way: up to 3 s.
        let deadline = Instant::now() + Duration::from_secs(3);
        while answered.lock().unwrap().len() < total as usize && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let elapsed = start.elapsed();
        let mut times: Vec<Duration> = answered.lock().unwrap().iter().map(|a| a.1).collect();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{rate:>6}  {total:>4}  {:>8}  {:>10.0}  {:>6.2}  {:>6.2}  {:>8.2}",
            times.len(),
            times.len() as f64 / elapsed.as_secs_f64().max(f64::from(SECONDS_EACH as u32)),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(times.last().copied().unwrap_or_default())
        );
        sent_at.lock().unwrap().retain(|k, _| *k < first);
        // Let the phone drain before the next rate.
        std::thread::sleep(Duration::from_millis(500));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = reader.join();
    runtime.block_on(phone.quit());
    let _ = std::fs::remove_dir_all(&dir);
}
