//! What a process costs, read from /proc: CPU time (user + system) and peak resident
//! memory (VmHWM).

/// CPU seconds `pid` has used so far (user + system; clock ticks at 100 Hz on Linux).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: fields count from after its closing parenthesis.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) are the 12th and 13th after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn status_mb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Peak resident set size of `pid` (VmHWM), in MB.
pub fn peak_rss_mb(pid: u32) -> Option<f64> {
    status_mb(pid, "VmHWM:")
}

/// Shared memory resident in `pid` now (RssShmem), in MB: for a JACK client, mostly the
/// server's segment that every client maps (about 100 MB), not the client's own memory.
pub fn shared_rss_mb(pid: u32) -> Option<f64> {
    status_mb(pid, "RssShmem:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        let before = cpu_seconds(me).unwrap();
        // Spins until the kernel counts 0.2 s of this process's CPU (on a loaded machine
        // that takes longer than 0.2 s of wall time), within 20 s.
        let mut x = 0u64;
        let start = std::time::Instant::now();
        let mut used = 0.0;
        while used < 0.2 && start.elapsed().as_secs() < 20 {
            for _ in 0..100_000 {
                x = x.wrapping_mul(31).wrapping_add(7);
            }
            used = cpu_seconds(me).unwrap() - before;
        }
        assert!(x != 1);
        assert!(used >= 0.2, "{used} s of CPU counted after 20 s of spinning");
        assert!(peak_rss_mb(me).unwrap() > 1.0);
        assert!(shared_rss_mb(me).is_some());
    }
}
