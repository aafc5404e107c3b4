//! The sound card's doorbell: the capture callback wakes the media loop once the capture
//! ring holds the samples of the loop's next frame, so that the loop sleeps in `poll(2)`
//! until then instead of napping and looking again (measured: 305 wake-ups a second
//! with 5 ms card periods, against 50 ticks and 50 packets). An `eventfd(2)` the loop polls
//! beside its sockets; ringing it is one non-blocking `write(2)` from the callback,
//! at most once per frame: no allocation, lock or wait (DESIGN.md, the real-time rule).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rustix::event::{EventfdFlags, eventfd};

/// Shared by the capture callback (which rings) and the loop (which arms and waits).
#[derive(Debug)]
pub struct Doorbell {
    fd: OwnedFd,
    /// Ring once the capture ring holds this many samples…
    wanted: AtomicUsize,
    /// …and only if the loop is waiting for them (armed by [`Doorbell::arm`]).
    armed: AtomicBool,
}

impl Doorbell {
    /// A doorbell, or `None` where the system has no `eventfd` (the loop then naps).
    pub fn new() -> Option<Doorbell> {
        let fd = eventfd(0, EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC).ok()?;
        Some(Doorbell { fd, wanted: AtomicUsize::new(usize::MAX), armed: AtomicBool::new(false) })
    }

    /// The loop waits for `samples` in the capture ring: ring when they are there.
    pub fn arm(&self, samples: usize) {
        self.wanted.store(samples, Ordering::SeqCst);
        self.armed.store(true, Ordering::SeqCst);
    }

    /// The capture callback after pushing: rings if the loop waits and `occupied`
    /// samples are enough. One `write(2)` of 8 bytes to a non-blocking eventfd.
    pub fn pushed(&self, occupied: usize) {
        if occupied >= self.wanted.load(Ordering::SeqCst)
            && self.armed.swap(false, Ordering::SeqCst)
        {
            let _ = rustix::io::write(&self.fd, &1u64.to_ne_bytes());
        }
    }

    /// The loop, woken by the bell: empties the eventfd so that `poll` blocks again.
    pub fn answer(&self) {
        let mut count = [0u8; 8];
        let _ = rustix::io::read(&self.fd, &mut count);
    }

    /// What the loop polls (readable once rung).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::event::{PollFd, PollFlags, Timespec, poll};

    fn rung(bell: &Doorbell) -> bool {
        let mut fds = [PollFd::new(&bell.fd, PollFlags::IN)];
        let zero = Timespec { tv_sec: 0, tv_nsec: 0 };
        poll(&mut fds, Some(&zero)).unwrap() == 1
    }

    #[test]
    fn rings_once_when_armed_and_enough_is_there() {
        let bell = Doorbell::new().unwrap();
        bell.pushed(10_000);
        assert!(!rung(&bell), "not armed: silent");
        bell.arm(960);
        bell.pushed(720);
        assert!(!rung(&bell), "not enough yet");
        bell.pushed(960);
        assert!(rung(&bell));
        bell.pushed(1200);
        bell.answer();
        assert!(!rung(&bell), "once per arming, and answering silences it");
    }
}
