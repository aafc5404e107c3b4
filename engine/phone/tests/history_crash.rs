//! The call history survives a crash mid-write: a child process writes calls as fast as it
//! can and is killed (SIGKILL) in the middle; the database then opens, passes SQLite's
//! integrity check, and holds every call the child had committed, each row whole.
// disallowed_methods: a real child process killed mid-write.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use earshot_phone::history::{CallRecord, History, Outcome};

const WRITER: &str = "EARSHOT_HISTORY_WRITER";

fn row(n: i64) -> CallRecord {
    CallRecord {
        incoming: n % 2 == 0,
        local: "sip:agent@127.0.0.1:5060".into(),
        remote: format!("sip:caller{n}@127.0.0.1"),
        started_ms: n,
        answered_ms: Some(n + 1),
        ended_ms: n + 2,
        outcome: Outcome::Answered,
        reason: Some("remote".repeat(50)),
        codec: Some("opus".into()),
        mos: Some(4.1),
        loss_pct: Some(1.0),
        jitter_ms: Some(2.0),
        rtt_ms: Some(30.0),
    }
}

/// Not a test on its own: the body of the child process the crash test starts (it
/// returns at once unless started that way).
#[test]
fn history_writer_child() {
    let Some(path) = std::env::var_os(WRITER) else { return };
    let mut h = History::open(std::path::Path::new(&path)).unwrap();
    for n in 0.. {
        h.record(&row(n)).unwrap();
        println!("committed {n}");
    }
}

#[test]
fn a_crash_mid_write_leaves_the_history_whole() {
    let path =
        std::env::temp_dir().join(format!("earshot-history-crash-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    for round in 0..3 {
        let before = History::open(&path).unwrap().count().unwrap();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "history_writer_child", "--nocapture"])
            .env(WRITER, &path)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Let it commit a few hundred calls, then kill it wherever it is.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let n = History::open(&path).and_then(|h| h.count()).unwrap_or(0);
            if n >= before + 200 || Instant::now() > deadline {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(7 * (round + 1)));
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let committed = stdout.lines().filter(|l| l.starts_with("committed ")).count() as i64;
        let h = History::open(&path).unwrap();
        assert_eq!(h.integrity().unwrap(), "ok", "round {round}");
        let count = h.count().unwrap();
        eprintln!(
            "round {round}: {committed} commits reported by the killed writer, {} rows kept",
            count - before
        );
        assert!(committed >= 100, "the writer was killed mid-run ({committed} commits)");
        // Every commit it reported is there (it may have committed one more it could not
        // report).
        assert!(
            count - before >= committed,
            "round {round}: {} rows for {committed} commits",
            count - before
        );
        assert!(count - before <= committed + 1);
        for r in h.recent(5).unwrap() {
            assert_eq!(r.reason.as_deref().map(str::len), Some(300), "rows are whole");
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
