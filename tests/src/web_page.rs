//! The customers' chat page (deploy/web/) in headless Chromium for the chat tests: the
//! driver `tests/web/drive.mjs` (puppeteer-core, from npm into tests/web/node_modules) run
//! with Node; commands as JSON lines on its stdin, what the page logged and what was read
//! off it as JSON lines back, read with bounded waits; killed with Chromium when dropped.
// Test support: a setup failure should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The page's folder and the driver's, in the repository.
fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// A headless Chromium showing the chat page.
pub struct WebPage {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<Value>,
    /// Everything the driver said so far.
    pub seen: Vec<Value>,
}

impl std::fmt::Debug for WebPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebPage").field("seen", &self.seen.len()).finish()
    }
}

impl WebPage {
    /// Opens the page with the site's WebSocket address, its domain and the queue.
    pub fn open(websocket: std::net::SocketAddr, domain: &str, queue: &str) -> WebPage {
        let page = repo("deploy/web/index.html");
        let built = repo("deploy/web/dist/jssip.js");
        assert!(
            built.exists(),
            "no {} (cd deploy/web && npm ci && npm run build)",
            built.display()
        );
        let driver = repo("tests/web/drive.mjs");
        assert!(
            repo("tests/web/node_modules/puppeteer-core").exists(),
            "no puppeteer-core (cd tests/web && npm ci)"
        );
        let mut child = Command::new("node")
            .arg(&driver)
            .current_dir(repo("tests/web"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node: {e} (apt-get install nodejs npm)"));
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && tx.send(v).is_err()
                {
                    break;
                }
            }
        });
        let mut p = WebPage { child, stdin, lines, seen: Vec::new() };
        let url = format!(
            "file://{}?ws=ws://{websocket}&domain={domain}&queue={queue}",
            page.canonicalize().expect("the page").display()
        );
        p.run(json!({ "open": url }), "open");
        p
    }

    /// Sends a command and waits (10 s at most) until the driver says it is done.
    pub fn run(&mut self, command: Value, name: &str) {
        let from = self.seen.len();
        writeln!(self.stdin, "{command}").expect("driver stdin");
        self.stdin.flush().expect("driver stdin");
        self.wait_after(from, &format!("{name} done"), |v| v["done"] == name);
    }

    /// Sends a command without waiting for it to end (read what it says with
    /// [`WebPage::wait_for`]).
    pub fn start(&mut self, command: Value) {
        writeln!(self.stdin, "{command}").expect("driver stdin");
        self.stdin.flush().expect("driver stdin");
    }

    /// Waits (10 s at most) for a line `pick` takes, among those seen or to come.
    pub fn wait_for(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        self.wait_after(0, what, pick)
    }

    /// As [`WebPage::wait_for`], among the lines from the `from`th on.
    fn wait_after(&mut self, from: usize, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        if let Some(v) = self.seen.iter().skip(from).find(|v| pick(v)) {
            return v.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    assert!(v.get("error").is_none(), "the page's driver: {v}");
                    self.seen.push(v.clone());
                    if pick(&v) {
                        return v;
                    }
                }
                Err(_) => panic!("page: no {what} within 10 s; saw {:?}", self.seen),
            }
        }
    }

    /// What the page logged as `event` (`connected`, `sent`, `received`, `typing`) for
    /// which `pick` holds, among what it logged or will.
    pub fn page_event(&mut self, event: &str, pick: impl Fn(&Value) -> bool) -> Value {
        self.wait_for(event, |v| v["page"]["event"] == event && pick(&v["page"]))["page"].clone()
    }

    /// The transcript, the typing line and the status as the page shows them now.
    pub fn read(&mut self) -> Value {
        let from = self.seen.len();
        writeln!(self.stdin, "{}", json!({ "read": true })).expect("driver stdin");
        let v = self.wait_after(from, "read", |v| v.get("read").is_some());
        self.wait_after(from, "read done", |v| v["done"] == "read");
        v["read"].clone()
    }
}

impl Drop for WebPage {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "{}", json!({ "quit": true }));
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        crate::kill_group(self.child.id());
        let _ = self.child.wait();
    }
}
