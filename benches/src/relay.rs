//! A seeded network impairment between two media endpoints on loopback: each side sends
//! to its own relay port; every datagram (RTP and RTCP alike) is dropped with probability
//! `loss` or delayed by an independent uniform 0..`jitter_ms` (so packets reorder when
//! consecutive delays differ by more than a packet interval), then forwarded from the
//! other relay port to the other side, whose address is latched from what it sends.
//! Each direction's RTP and RTCP draw from generators of their own: the n-th RTP packet
//! of a direction meets the same fate in every call, whatever the timing of the other
//! direction and of RTCP (with one generator for all, a direction's losses ranged from
//! 24 to 40 of ~980 packets between calls at 3 %).

use std::collections::BinaryHeap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the network does to every datagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impairment {
    pub loss: f64,
    pub jitter_ms: u32,
    pub seed: u64,
}

impl Impairment {
    pub const CLEAN: Impairment = Impairment { loss: 0.0, jitter_ms: 0, seed: 1 };
}

/// A small seeded generator (xorshift64*): the same seed, the same losses and delays.
#[derive(Debug, Clone)]
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Seeded(seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(PartialEq, Eq)]
struct Pending {
    due: Instant,
    order: u64,
    to_b: bool,
    data: Vec<u8>,
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Earliest first out of a max-heap.
        other.due.cmp(&self.due).then(other.order.cmp(&self.order))
    }
}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A running relay; stops when dropped.
#[derive(Debug)]
pub struct Relay {
    /// Where side A sends (and hears from).
    pub a_port: SocketAddr,
    /// Where side B sends (and hears from).
    pub b_port: SocketAddr,
    pub forwarded: Arc<AtomicU64>,
    pub dropped: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    pub fn start(impairment: Impairment) -> std::io::Result<Relay> {
        let sa = UdpSocket::bind("127.0.0.1:0")?;
        let sb = UdpSocket::bind("127.0.0.1:0")?;
        let (a_port, b_port) = (sa.local_addr()?, sb.local_addr()?);
        let stop = Arc::new(AtomicBool::new(false));
        let forwarded = Arc::new(AtomicU64::new(0));
        let dropped = Arc::new(AtomicU64::new(0));
        let (s, f, d) = (Arc::clone(&stop), Arc::clone(&forwarded), Arc::clone(&dropped));
        let thread =
            std::thread::Builder::new().name("impairment-relay".into()).spawn(move || {
                // The relay stands for the network, which a busy PC does not slow down:
                // it runs real-time so that the `busy` condition loads the phones only.
                let _ = earshot_engine::media::priority::promote_current_thread();
                run(sa, sb, impairment, &s, &f, &d)
            })?;
        Ok(Relay { a_port, b_port, forwarded, dropped, stop, thread: Some(thread) })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(
    sa: UdpSocket,
    sb: UdpSocket,
    imp: Impairment,
    stop: &AtomicBool,
    forwarded: &AtomicU64,
    dropped: &AtomicU64,
) {
    let _ = sa.set_nonblocking(true);
    let _ = sb.set_nonblocking(true);
    // [A→B RTP, A→B RTCP, B→A RTP, B→A RTCP].
    let mut rngs: [Seeded; 4] =
        std::array::from_fn(|i| Seeded::new(imp.seed.wrapping_add(i as u64 * 0x1000_0001)));
    let mut queue: BinaryHeap<Pending> = BinaryHeap::new();
    let (mut peer_a, mut peer_b): (Option<SocketAddr>, Option<SocketAddr>) = (None, None);
    let mut order = 0u64;
    let mut buf = [0u8; 2048];
    while !stop.load(Ordering::Relaxed) {
        let mut idle = true;
        for (socket, from_a) in [(&sa, true), (&sb, false)] {
            while let Ok((n, from)) = socket.recv_from(&mut buf) {
                idle = false;
                if from_a {
                    peer_a = Some(from);
                } else {
                    peer_b = Some(from);
                }
                let datagram = buf.get(..n).unwrap_or(&[]);
                let rtcp = datagram.get(1).is_some_and(|pt| (200..=206).contains(pt));
                let Some(rng) = rngs.get_mut(usize::from(!from_a) * 2 + usize::from(rtcp)) else {
                    continue;
                };
                if rng.next_f64() < imp.loss {
                    dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let delay = rng.next_f64() * f64::from(imp.jitter_ms);
                order += 1;
                queue.push(Pending {
                    due: Instant::now() + Duration::from_secs_f64(delay / 1000.0),
                    order,
                    to_b: from_a,
                    data: datagram.to_vec(),
                });
            }
        }
        let now = Instant::now();
        while queue.peek().is_some_and(|p| p.due <= now) {
            let Some(p) = queue.pop() else { break };
            let (socket, to) = if p.to_b { (&sb, peer_b) } else { (&sa, peer_a) };
            if let Some(to) = to {
                let _ = socket.send_to(&p.data, to);
                forwarded.fetch_add(1, Ordering::Relaxed);
            }
        }
        if idle {
            // Fine enough for 20 ms packets: a quarter of a millisecond.
            std::thread::sleep(Duration::from_micros(250));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_and_delay_follow_the_seed() {
        let relay = Relay::start(Impairment { loss: 0.1, jitter_ms: 30, seed: 7 }).unwrap();
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        b.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        // B introduces itself so that the relay knows where to forward.
        b.send_to(b"hello", relay.b_port).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        // One datagram a millisecond: the 0-30 ms delays reorder many of them.
        let sender = std::thread::spawn(move || {
            for i in 0..500u16 {
                a.send_to(&i.to_be_bytes(), relay.a_port).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
            relay
        });
        let mut got = Vec::new();
        let mut buf = [0u8; 16];
        while let Ok((n, _)) = b.recv_from(&mut buf) {
            if n == 2 {
                got.push(u16::from_be_bytes([buf[0], buf[1]]));
            }
        }
        let relay = sender.join().unwrap();
        let lost = 500 - got.len();
        let reordered = got.windows(2).filter(|w| w[1] < w[0]).count();
        assert!((25..=75).contains(&lost), "about 50 of 500 lost: {lost}");
        assert_eq!(relay.dropped.load(Ordering::Relaxed) as usize, lost);
        assert!(reordered > 50, "delays of 0-30 ms reorder them: {reordered}");
    }

    /// A→B datagrams numbered `0..count` (RTP-like: payload type 0 in byte 1), 1 ms apart,
    /// through a relay at 10 % loss; with `noise`, B sends RTP and RTCP (payload type 200)
    /// back all the while. Returns the numbers that arrived.
    fn arrivals(seed: u64, count: u16, noise: bool) -> Vec<u16> {
        let relay = Relay::start(Impairment { loss: 0.1, jitter_ms: 0, seed }).unwrap();
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        b.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        b.send_to(&[0x80, 0, 0xff, 0xff], relay.b_port).unwrap();
        a.send_to(&[0x80, 200, 0xff, 0xff], relay.a_port).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let (a_port, b_port) = (relay.a_port, relay.b_port);
        let b_sender = b.try_clone().unwrap();
        let sender = std::thread::spawn(move || {
            for i in 0..count {
                let [hi, lo] = i.to_be_bytes();
                a.send_to(&[0x80, 0, hi, lo], a_port).unwrap();
                if noise {
                    let pt = if i % 5 == 0 { 200 } else { 0 };
                    b_sender.send_to(&[0x80, pt, hi, lo], b_port).unwrap();
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let mut got = Vec::new();
        let mut buf = [0u8; 16];
        while let Ok((n, _)) = b.recv_from(&mut buf) {
            if n == 4 && buf[1] == 0 && buf[2..4] != [0xff, 0xff] {
                got.push(u16::from_be_bytes([buf[2], buf[3]]));
            }
        }
        sender.join().unwrap();
        drop(relay);
        got
    }

    #[test]
    fn a_directions_losses_do_not_depend_on_the_other_traffic() {
        let alone = arrivals(11, 300, false);
        let with_traffic = arrivals(11, 300, true);
        assert!((10..=50).contains(&(300 - alone.len())), "about 30 of 300 lost: {}", alone.len());
        assert_eq!(alone, with_traffic, "the same packets lost with traffic the other way");
        assert_ne!(alone, arrivals(12, 300, false), "another seed, other losses");
    }
}
