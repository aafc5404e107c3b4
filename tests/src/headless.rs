//! A running `earshot --headless` for the real-process tests: started with its own
//! configuration (on loopback, or inside a test's network namespace), driven on stdin,
//! read by its JSON events with bounded waits, killed when dropped; and a fresh directory
//! per test.
// Test support: a setup failure should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The `earshot` binary beside the running test (`target/<profile>/earshot`; cargo builds
/// it for the `earshot-ui` tests), or `EARSHOT_BIN`.
pub fn earshot_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("EARSHOT_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let bin = exe.parent().and_then(Path::parent).map(|d| d.join("earshot"));
    match bin {
        Some(b) if b.exists() => b,
        _ => panic!("no earshot binary beside {} (cargo build -p earshot-ui)", exe.display()),
    }
}

/// A running `earshot --headless`, killed when dropped.
#[derive(Debug)]
pub struct Headless {
    child: Child,
    stdin: ChildStdin,
    pub events: Receiver<(Instant, Value)>,
    /// Every event so far, with when it was read.
    pub seen: Vec<(Instant, Value)>,
    /// When the phone said it was ready (its loop, and so `--audio-out`, starts then).
    pub ready_at: Instant,
    pub uri: String,
    /// Where it listens for SIP (`IP:PORT`).
    pub listen: String,
}

impl Headless {
    pub fn start(dir: &Path, name: &str, codecs: &str, args: &[&str]) -> Headless {
        Headless::start_with(dir, name, codecs, "", args)
    }

    /// As [`Headless::start`], with more configuration (TOML appended after `[sip]`).
    pub fn start_with(dir: &Path, name: &str, codecs: &str, more: &str, args: &[&str]) -> Headless {
        let sip = format!("address = \"127.0.0.1\"\n{more}");
        Headless::start_in(None, dir, name, codecs, &sip, args)
    }

    /// A phone inside a test's network namespace (or not), with `sip` as everything after
    /// `[sip]` (no address given: it follows the default route).
    pub fn start_in(
        netns: Option<&crate::netns::Netns>,
        dir: &Path,
        name: &str,
        codecs: &str,
        sip: &str,
        args: &[&str],
    ) -> Headless {
        let config = dir.join(format!("{name}.toml"));
        // The history goes to the test's directory, not the user's.
        let data = dir.join(format!("{name}-data"));
        std::fs::write(
            &config,
            format!(
                "user = \"{name}\"\ncodecs = {codecs}\ndata_dir = {:?}\n[sip]\n{sip}\n",
                data.to_str().unwrap()
            ),
        )
        .unwrap();
        let earshot = earshot_binary();
        let mut command = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(ns.prefix()).arg(earshot);
                c
            }
            None => Command::new(earshot),
        };
        let mut child = command
            .arg("--headless")
            .arg("--config")
            .arg(&config)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("earshot runs");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
                assert!(v["event"].is_string(), "no event field: {line}");
                if tx.send((Instant::now(), v)).is_err() {
                    return;
                }
            }
        });
        let mut h = Headless {
            child,
            stdin,
            events,
            seen: Vec::new(),
            ready_at: Instant::now(),
            uri: String::new(),
            listen: String::new(),
        };
        let ready = h.wait_for("ready", |e| e["event"] == "ready");
        h.ready_at = ready.0;
        h.uri = ready.1["uri"].as_str().unwrap().to_owned();
        h.listen = ready.1["listen"].as_str().unwrap().to_owned();
        h
    }

    /// The process id (for its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits up to 10 s for an event matching `pick`.
    pub fn wait_for(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> (Instant, Value) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok((at, e)) => {
                    self.seen.push((at, e.clone()));
                    if pick(&e) {
                        return (at, e);
                    }
                }
                Err(_) => panic!(
                    "no {what} event within 10 s; saw {:?}",
                    self.seen.iter().map(|s| &s.1).collect::<Vec<_>>()
                ),
            }
        }
    }

    /// Whether such an event has come so far (reads what is waiting; does not wait).
    pub fn saw(&mut self, pick: impl Fn(&Value) -> bool) -> bool {
        while let Ok(e) = self.events.try_recv() {
            self.seen.push(e);
        }
        self.seen.iter().any(|(_, e)| pick(e))
    }

    /// As [`Headless::wait_for`], but an event already read (while waiting for another)
    /// counts: for events whose order between themselves is not fixed.
    pub fn saw_or_wait(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> (Instant, Value) {
        if let Some(found) = self.seen.iter().find(|(_, e)| pick(e)) {
            return found.clone();
        }
        self.wait_for(what, pick)
    }

    pub fn wait_state(&mut self, id: u64, state: &str) -> Instant {
        self.wait_for(&format!("call {id} {state}"), |e| {
            e["event"] == "call-state" && e["id"] == id && e["state"] == state
        })
        .0
    }

    /// Sends `quit` and waits (bounded) for the process to end.
    pub fn quit(mut self) {
        self.send("quit");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "earshot exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("earshot did not stop within 10 s of quit");
    }
}

impl Drop for Headless {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("earshot-headless-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
