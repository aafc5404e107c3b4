//! An optional SIP trace: with `EARSHOT_SIP_TRACE=DIR` set, every message received is
//! written to `DIR/<pid>-<n>-<peer>.sip`, for debugging sessions with real peers and to
//! collect captures (the fuzzers' seeds include such captures).

use std::path::PathBuf;

use crate::target::Target;

#[derive(Debug)]
pub(crate) struct Trace {
    dir: Option<PathBuf>,
    count: u64,
}

impl Trace {
    pub(crate) fn from_env() -> Trace {
        let dir = std::env::var_os("EARSHOT_SIP_TRACE").map(PathBuf::from);
        if let Some(d) = &dir {
            let _ = std::fs::create_dir_all(d);
        }
        Trace { dir, count: 0 }
    }

    pub(crate) fn received(&mut self, from: Target, bytes: &[u8]) {
        let Some(dir) = &self.dir else { return };
        self.count += 1;
        let peer = from.to_string().replace([':', '[', ']', '/'], "_");
        let name = format!("{}-{:05}-{peer}.sip", std::process::id(), self.count);
        let _ = std::fs::write(dir.join(name), bytes);
    }
}
