//! The media loop asks for real-time scheduling and says what it got: when this process
//! may (root or CAP_SYS_NICE, as on the CI machine) its thread runs SCHED_RR, as the
//! kernel reports it; when it may not, it says why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use earshot_media::device::NullDevice;
use earshot_media::media_loop;
use earshot_media::priority::Scheduling;

/// The scheduling policy the kernel reports for the thread named `name` (field 41 of
/// /proc/self/task/TID/stat: 0 other, 1 FIFO, 2 RR).
fn policy_of(name: &str) -> Option<u32> {
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
        // Fields after the command name (which may hold spaces) start at field 3.
        let after = stat.rsplit_once(')')?.1;
        return after.split_whitespace().nth(41 - 3).and_then(|p| p.parse().ok());
    }
    None
}

/// Whether this process may raise real-time priority: effective CAP_SYS_NICE (bit 23) or
/// an `rtprio` limit that reaches the priority asked for.
fn may_raise() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let caps = status.lines().find_map(|l| l.strip_prefix("CapEff:")).unwrap().trim();
    let capable = u64::from_str_radix(caps, 16).unwrap() & (1 << 23) != 0;
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let rtprio = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max realtime priority"))
        .and_then(|rest| rest.split_whitespace().next())
        .map_or(0, |soft| soft.parse::<u32>().unwrap_or(u32::MAX));
    capable || rtprio > 0
}

#[test]
fn the_media_thread_runs_real_time_when_allowed_and_says_why_not_otherwise() {
    let handle = media_loop::start(Box::new(NullDevice), Box::new(NullDevice), 960, 20).unwrap();
    // The thread says once it has started (bounded wait).
    let mut scheduling = None;
    for _ in 0..200 {
        scheduling = handle.scheduling();
        if scheduling.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let policy = policy_of("earshot-media").expect("the media thread is there");
    match scheduling.expect("the media thread says how it is scheduled") {
        Scheduling::Realtime => {
            assert!(may_raise(), "real-time without the right to it?");
            assert_eq!(policy, 2, "the kernel has it SCHED_RR");
        }
        Scheduling::Ordinary(why) => {
            assert!(!may_raise(), "allowed, yet refused: {why}");
            assert_eq!(policy, 0);
            assert!(why.contains("rtprio"), "{why}");
        }
    }
    handle.stop();
}
