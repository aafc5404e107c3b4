//! Call recording: the media loop appends every tick as stereo frames (left the local
//! microphone, right what the agent hears) to a lock-free ring without allocating or
//! waiting; the owner drains the ring into a 16-bit WAV file off the real-time thread.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use super::device::WavError;

/// The loop's end of a recording.
pub struct RecordingRing(HeapProd<i16>);

impl std::fmt::Debug for RecordingRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordingRing({} free)", self.0.vacant_len())
    }
}

impl RecordingRing {
    /// Appends one mono frame; returns how many samples did not fit.
    pub fn push_mono(&mut self, frame: &[i16]) -> u64 {
        (frame.len() - self.0.push_slice(frame)) as u64
    }

    /// Appends one tick; returns how many samples did not fit (the owner is behind).
    pub fn push_stereo(&mut self, local: &[i16], remote: &[i16]) -> u64 {
        let mut dropped = 0;
        for (&l, &r) in local.iter().zip(remote) {
            if self.0.vacant_len() < 2 {
                dropped += 2;
                continue;
            }
            let _ = self.0.try_push(l);
            let _ = self.0.try_push(r);
        }
        dropped
    }
}

/// The owner's end: the ring's consumer and the WAV file it fills.
pub struct Recorder {
    ring: HeapCons<i16>,
    writer: hound::WavWriter<BufWriter<File>>,
    chunk: Vec<i16>,
    written: u64,
    /// Writing failed once: what the loop still records is discarded.
    failed: bool,
    channels: u16,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("written", &self.written).finish()
    }
}

impl Recorder {
    /// Creates `path` (stereo, 16-bit, `sample_rate`) and a ring holding `seconds` of
    /// audio for the loop to fill between drains.
    pub fn create(
        path: &Path,
        sample_rate: u32,
        seconds: u32,
    ) -> Result<(Recorder, RecordingRing), WavError> {
        Recorder::with_channels(path, sample_rate, 2, seconds)
    }

    /// As [`Recorder::create`], for `channels` interleaved channels (1 for an earpiece
    /// file, see [`crate::device::wav_file_sink`]).
    pub fn with_channels(
        path: &Path,
        sample_rate: u32,
        channels: u16,
        seconds: u32,
    ) -> Result<(Recorder, RecordingRing), WavError> {
        let channels = channels.max(1);
        let spec = hound::WavSpec {
            channels,
            sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(path, spec)?;
        let capacity =
            (sample_rate as usize * usize::from(channels) * seconds.max(1) as usize).max(2);
        let (producer, consumer) = HeapRb::<i16>::new(capacity).split();
        let recorder = Recorder {
            ring: consumer,
            writer,
            chunk: vec![0; 4096],
            written: 0,
            failed: false,
            channels,
        };
        Ok((recorder, RecordingRing(producer)))
    }

    /// Moves what the loop recorded so far into the file. After the first error (a full
    /// disk) it only empties the ring, so that the loop never backs up.
    pub fn drain(&mut self) -> Result<(), WavError> {
        loop {
            let n = self.ring.pop_slice(&mut self.chunk);
            if n == 0 {
                return Ok(());
            }
            if self.failed {
                continue;
            }
            for &s in self.chunk.get(..n).unwrap_or(&[]) {
                if let Err(e) = self.writer.write_sample(s) {
                    self.failed = true;
                    return Err(e.into());
                }
            }
            self.written += n as u64;
        }
    }

    /// Whether writing failed (and was reported by [`Recorder::drain`]).
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Drains the rest and completes the file's header; returns the frames written.
    pub fn finish(mut self) -> Result<u64, WavError> {
        self.drain()?;
        self.writer.finalize()?;
        Ok(self.written / u64::from(self.channels))
    }
}
