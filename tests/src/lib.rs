//! Helpers for the interop tests: Earshot agents on loopback, peer processes that are
//! always killed, bounded waits, and plain SDP for signalling-only calls.
// Test support: a setup failure should stop the test loudly.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used, clippy::indexing_slicing)]

pub mod baresip;
pub mod desk_calls;
pub mod dns;
pub mod headless;
pub mod kamailio;
pub mod linphone;
pub mod mail_site;
pub mod media_call;
pub mod netns;
pub mod phrase_align;
pub mod postgres;
pub mod speech;
pub mod voices;
pub mod web_page;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use earshot_sip::message::{NameAddr, Uri};
use earshot_sip::sdp::{
    self, AudioCapabilities, Direction, Origin, PayloadFormat, SessionDescription,
};
use earshot_sip::transport::{SipHandle, spawn};
use earshot_sip::ua::{UaConfig, UaEvent, UserAgent};
use tokio::process::{Child, Command};
use tokio::sync::mpsc::UnboundedReceiver;

/// A running Earshot user agent and its events.
#[derive(Debug)]
pub struct Agent {
    pub handle: SipHandle,
    pub events: UnboundedReceiver<UaEvent>,
}

impl Agent {
    /// Starts an agent for `user` on `ip` with a free port.
    pub async fn start(user: &str, ip: &str, tweak: impl FnOnce(&mut UaConfig)) -> Agent {
        let local: SocketAddr = SocketAddr::new(ip.parse().expect("ip"), 0);
        let host = if local.is_ipv6() { format!("[{ip}]") } else { ip.to_owned() };
        let Ok(Uri::Sip(aor)) = Uri::parse(&format!("sip:{user}@{host}")) else {
            panic!("bad aor")
        };
        let mut cfg = UaConfig::new(aor, local);
        tweak(&mut cfg);
        // Distinct per agent: two agents with the same tags and Call-IDs would look like
        // one request arriving twice (RFC 3261 §8.2.2.2, 482 Loop Detected).
        static STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = user.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let seed = (u64::from(std::process::id()) ^ name << 16 ^ n << 48).wrapping_add(n);
        let (tx, events) = tokio::sync::mpsc::unbounded_channel();
        let handle = spawn(UserAgent::new(cfg, seed), tx).await.expect("bind");
        Agent { handle, events }
    }

    /// Waits up to `secs` for an event matching `pick`, discarding others.
    pub async fn wait_for<T>(
        &mut self,
        secs: u64,
        mut pick: impl FnMut(&UaEvent) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(e)) => {
                    if let Some(t) = pick(&e) {
                        return Some(t);
                    }
                }
                _ => return None,
            }
        }
    }

    pub fn uri(&self, user: &str) -> NameAddr {
        let a = self.handle.local;
        let host = if a.is_ipv6() { format!("[{}]", a.ip()) } else { a.ip().to_string() };
        NameAddr::parse(&format!("<sip:{user}@{host}:{}>", a.port())).expect("uri")
    }
}

/// A peer process in a process group of its own; the whole group is killed when dropped
/// (Kamailio forks its workers: killing the main process alone leaves them running).
#[derive(Debug)]
pub struct Peer {
    pub child: Child,
    pub name: String,
    group: Option<u32>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(group) = self.group {
            kill_group(group);
        }
    }
}

/// Kills process group `group` (a peer and whatever it started).
pub fn kill_group(group: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Peer {
    pub fn spawn(name: &str, program: &str, args: &[&str]) -> Peer {
        Peer::spawn_in(name, program, args, None)
    }

    /// As [`Peer::spawn`], in the working directory `dir` when given.
    pub fn spawn_in(name: &str, program: &str, args: &[&str], dir: Option<&Path>) -> Peer {
        let mut command = Command::new(program);
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        let child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {program}: {e} (run ./scripts/test to install it)")
            });
        let group = child.id();
        Peer { child, name: name.to_owned(), group }
    }

    /// Waits up to `secs` for the process to exit; kills it on timeout. Returns the exit
    /// status code and its output.
    pub async fn finish(mut self, secs: u64) -> (Option<i32>, String) {
        let waited = tokio::time::timeout(Duration::from_secs(secs), self.child.wait()).await;
        if waited.is_err() {
            let _ = self.child.kill().await;
        }
        let mut out = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            use tokio::io::AsyncReadExt;
            let _ = tokio::time::timeout(Duration::from_secs(2), o.read_to_string(&mut out)).await;
        }
        if let Some(mut e) = self.child.stderr.take() {
            use tokio::io::AsyncReadExt;
            let mut err = String::new();
            let _ = tokio::time::timeout(Duration::from_secs(2), e.read_to_string(&mut err)).await;
            out.push_str(&err);
        }
        (waited.ok().and_then(|r| r.ok()).and_then(|s| s.code()), out)
    }
}

/// A free UDP+TCP port on `ip`.
pub fn free_port(ip: &str) -> u16 {
    for _ in 0..50 {
        let Ok(u) = std::net::UdpSocket::bind((ip, 0)) else {
            continue;
        };
        let Ok(a) = u.local_addr() else { continue };
        if std::net::TcpListener::bind((ip, a.port())).is_ok() {
            return a.port();
        }
    }
    panic!("no free port");
}

/// Whether this test runs as root (servers that refuse root are then run as their own
/// unprivileged user).
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Files of this crate (SIPp scenarios, configs).
pub fn asset(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// SIPp placing one call of `tests/sipp/SCENARIO` to `service@target` (the request URI's
/// user: a queue, say) from 127.0.0.1, given up after 40 s; `finish` it for its verdict.
pub fn sipp_call(scenario: &str, service: &str, target: &str) -> Peer {
    sipp_call_timed(scenario, service, target, None)
}

/// As [`sipp_call`]; with `rtt_dir`, SIPp writes the scenario's response times (its
/// `start_rtd`/`rtd` marks, 1 ms resolution) there: read them with [`sipp_response_times`].
pub fn sipp_call_timed(
    scenario: &str,
    service: &str,
    target: &str,
    rtt_dir: Option<&Path>,
) -> Peer {
    let trace: &[&str] = if rtt_dir.is_some() { &["-trace_rtt", "-rtt_freq", "1"] } else { &[] };
    sipp_call_with(scenario, service, target, trace, rtt_dir)
}

/// As [`sipp_call`], the scenario's `[caller]` set to `caller` (an address).
pub fn sipp_call_from(scenario: &str, service: &str, target: &str, caller: &str) -> Peer {
    sipp_call_with(scenario, service, target, &["-key", "caller", caller], None)
}

/// One SIPp call with `more` arguments, run in `dir`.
fn sipp_call_with(
    scenario: &str,
    service: &str,
    target: &str,
    more: &[&str],
    dir: Option<&Path>,
) -> Peer {
    let scenario = asset(&format!("sipp/{scenario}"));
    let scenario = scenario.to_str().expect("utf8 path");
    let mut args = vec![
        "-nostdin",
        "-timeout",
        "40s",
        "-timeout_error",
        "-sf",
        scenario,
        "-i",
        "127.0.0.1",
        "-p",
        "0",
        "-m",
        "1",
        "-s",
        service,
        target,
    ];
    args.extend_from_slice(more);
    Peer::spawn_in("sipp", "sipp", &args, dir)
}

/// The response times (ms) SIPp calls in `rtt_dir` wrote (`*_rtt.csv`: date; time; rtd).
pub fn sipp_response_times(rtt_dir: &Path) -> Vec<u64> {
    let mut times = Vec::new();
    for entry in std::fs::read_dir(rtt_dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().ends_with("_rtt.csv") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        times.extend(
            text.lines().skip(1).filter_map(|l| l.split(';').nth(1)?.trim().parse::<u64>().ok()),
        );
    }
    times
}

/// PCMU-only capabilities at `ip:port` (signalling tests do not send media).
pub fn pcmu_caps(ip: &str, port: u16) -> AudioCapabilities {
    AudioCapabilities {
        formats: vec![PayloadFormat::new("PCMU", 8000, 1, Some(0), None)],
        telephone_event: true,
        ptime: Some(20),
        rtcp_mux: false,
        address: ip.parse().expect("ip"),
        port,
        direction: Direction::SendRecv,
        crypto: Vec::new(),
    }
}

/// The `o=` line of an Earshot agent on `ip`.
pub fn origin(ip: &str) -> Origin {
    Origin {
        username: "earshot".into(),
        session_id: "1".into(),
        session_version: 1,
        address_type: if ip.contains(':') { "IP6" } else { "IP4" }.into(),
        address: ip.into(),
    }
}

pub fn offer(ip: &str, port: u16) -> Vec<u8> {
    sdp::offer(&pcmu_caps(ip, port), &origin(ip)).to_bytes()
}

/// An SDP answer to `offer`, or `None` if nothing in it is acceptable.
pub fn answer(offer_bytes: &[u8], ip: &str, port: u16) -> Option<Vec<u8>> {
    let off = SessionDescription::parse(offer_bytes).ok()?;
    sdp::answer(&off, &pcmu_caps(ip, port), &origin(ip)).ok().map(|(a, _)| a.to_bytes())
}
