//! In-memory devices: a source that plays a preloaded buffer (then silence), a sink that
//! records into a buffer reserved in advance, and the null device.

use super::{Sink, Source};

/// Plays `samples` once, then silence.
#[derive(Debug, Clone)]
pub struct BufferSource {
    samples: Vec<i16>,
    pos: usize,
}

impl BufferSource {
    pub fn new(samples: Vec<i16>) -> Self {
        BufferSource { samples, pos: 0 }
    }
}

impl Source for BufferSource {
    fn read(&mut self, out: &mut [i16]) {
        let avail = self.samples.get(self.pos..).unwrap_or(&[]);
        let n = avail.len().min(out.len());
        out.get_mut(..n).unwrap_or(&mut []).copy_from_slice(avail.get(..n).unwrap_or(&[]));
        out.get_mut(n..).unwrap_or(&mut []).fill(0);
        self.pos += n;
    }

    fn restart(&mut self) {
        self.pos = 0;
    }
}

/// Records up to a capacity fixed at creation; beyond it frames are dropped (counted), so
/// that writing never allocates.
#[derive(Debug, Clone)]
pub struct CaptureSink {
    samples: Vec<i16>,
    pub overflowed: u64,
}

impl CaptureSink {
    pub fn with_capacity(samples: usize) -> Self {
        CaptureSink { samples: Vec::with_capacity(samples), overflowed: 0 }
    }

    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    pub fn into_samples(self) -> Vec<i16> {
        self.samples
    }
}

impl Sink for CaptureSink {
    fn write(&mut self, frame: &[i16]) {
        let room = self.samples.capacity() - self.samples.len();
        let n = room.min(frame.len());
        self.samples.extend_from_slice(frame.get(..n).unwrap_or(&[]));
        self.overflowed += (frame.len() - n) as u64;
    }
}

/// Silence in, nothing out.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullDevice;

impl Source for NullDevice {
    fn read(&mut self, out: &mut [i16]) {
        out.fill(0);
    }

    fn may_rest(&self) -> bool {
        true
    }
}

impl Sink for NullDevice {
    fn write(&mut self, _frame: &[i16]) {}

    fn may_rest(&self) -> bool {
        true
    }
}
