//! Real-time scheduling for the media loop's thread: SCHED_RR at a moderate priority (the
//! level desktop audio servers give their clients), so that a CRM and a browser keeping
//! both cores busy do not starve the 20 ms tick. Allowed when the process may (root,
//! CAP_SYS_NICE, or an `rtprio` limit from the `audio` group); otherwise the loop runs
//! as an ordinary thread and the caller is told why.

use thread_priority::{
    RealtimeThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
    set_thread_priority_and_policy, thread_native_id,
};

/// The priority asked for (on the crate's 0–99 scale; SCHED_RR 1–99).
pub const REALTIME_PRIORITY: u8 = 20;

/// What the media thread got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheduling {
    /// SCHED_RR at [`REALTIME_PRIORITY`].
    Realtime,
    /// An ordinary thread: why real-time scheduling was refused.
    Ordinary(String),
}

/// Asks real-time scheduling for the calling thread.
pub fn promote_current_thread() -> Scheduling {
    if std::env::var_os("EARSHOT_NO_RT").is_some() {
        return Scheduling::Ordinary("test".into());
    }
    let value = match ThreadPriorityValue::try_from(REALTIME_PRIORITY) {
        Ok(v) => v,
        Err(e) => return Scheduling::Ordinary(format!("bad priority: {e}")),
    };
    let policy = ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::RoundRobin);
    match set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Crossplatform(value),
        policy,
    ) {
        Ok(()) => Scheduling::Realtime,
        Err(e) => Scheduling::Ordinary(format!(
            "real-time scheduling refused ({e:?}); allow it with an rtprio limit (e.g. the audio group) or CAP_SYS_NICE"
        )),
    }
}
