//! The hand-over between a sound card's callback and the media loop: lock-free rings of
//! mono samples at the card's rate. The capture callback downmixes into one ring; the loop
//! reads a frame from it when a whole one is there (so the card's clock paces the loop),
//! converting to the loop's rate. The loop writes each earpiece frame, converted to the
//! card's rate, into another ring that the playback callback drains to every channel.
//! Both sides only move samples and bump atomic counters: no allocation, lock, log or
//! block (DESIGN.md, the real-time rule).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use super::doorbell::Doorbell;
use super::rate::{FrameConverter, to_f32, to_i16};
use super::{Sink, Source};
use crate::resample::ResampleError;

/// What both sides of a sound card's rings report, read by the owner off the loop.
#[derive(Debug, Default)]
pub struct DeviceHealth {
    /// The card's stream reported an error (unplugged, server gone).
    pub failed: AtomicBool,
    /// Playback found the ring empty (samples of silence played instead).
    pub underrun_samples: AtomicU64,
    /// Capture found the ring full, or the loop fell behind and skipped (samples lost).
    pub overrun_samples: AtomicU64,
    /// Over- and underruns the audio system itself reported.
    pub xruns: AtomicU64,
    /// Samples moved by the callbacks (to see that a card runs at all).
    pub captured_samples: AtomicU64,
    pub played_samples: AtomicU64,
}

impl DeviceHealth {
    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// The capture callback's end: interleaved samples in, their mono mix into the ring.
pub struct CaptureFeed {
    ring: HeapProd<f32>,
    channels: usize,
    health: Arc<DeviceHealth>,
    doorbell: Option<Arc<Doorbell>>,
}

impl CaptureFeed {
    /// Called from the card's input callback with interleaved samples in [-1, 1].
    pub fn push(&mut self, interleaved: impl Iterator<Item = f32>) {
        let channels = self.channels.max(1);
        let (mut sum, mut n, mut pushed, mut lost) = (0.0f32, 0usize, 0usize, 0usize);
        for v in interleaved {
            sum += v;
            n += 1;
            if n == channels {
                if self.ring.try_push(sum / channels as f32).is_ok() {
                    pushed += 1;
                } else {
                    lost += 1;
                }
                sum = 0.0;
                n = 0;
            }
        }
        DeviceHealth::add(&self.health.captured_samples, pushed);
        DeviceHealth::add(&self.health.overrun_samples, lost);
        if let Some(bell) = &self.doorbell {
            bell.pushed(self.ring.occupied_len());
        }
    }
}

/// The playback callback's end: the ring's mono samples out to every channel.
pub struct PlaybackFeed {
    ring: HeapCons<f32>,
    channels: usize,
    health: Arc<DeviceHealth>,
}

impl PlaybackFeed {
    /// Called from the card's output callback: fills `frames` interleaved frames through
    /// `write(index, sample)`; silence where the ring runs dry.
    pub fn pull(&mut self, frames: usize, mut write: impl FnMut(usize, f32)) {
        let channels = self.channels.max(1);
        let mut missing = 0usize;
        for f in 0..frames {
            let v = self.ring.try_pop().unwrap_or_else(|| {
                missing += 1;
                0.0
            });
            for c in 0..channels {
                write(f * channels + c, v);
            }
        }
        DeviceHealth::add(&self.health.played_samples, frames - missing);
        DeviceHealth::add(&self.health.underrun_samples, missing);
    }
}

/// The loop's microphone: frames from the capture ring at the loop's rate.
pub struct RingSource {
    ring: HeapCons<f32>,
    converter: FrameConverter,
    device_rate: u32,
    /// Card samples still to skip to move the frame boundary.
    skip_pending: usize,
    health: Arc<DeviceHealth>,
    doorbell: Option<Arc<Doorbell>>,
}

impl Source for RingSource {
    fn read(&mut self, out: &mut [i16]) {
        if self.skip_pending > 0 {
            let skipped = self.ring.skip(self.skip_pending.min(self.ring.occupied_len()));
            self.skip_pending -= skipped;
        }
        let need = self.converter.input_needed();
        // More than three frames waiting means the loop fell behind (a stall): catch up
        // rather than carry the delay for the rest of the call.
        let waiting = self.ring.occupied_len();
        if waiting > 4 * need {
            let skip = waiting - 2 * need;
            let skipped = self.ring.skip(skip);
            DeviceHealth::add(&self.health.overrun_samples, skipped);
        }
        if self.ring.occupied_len() < need {
            // The card stopped delivering (unplugged, or a timer tick without a clock).
            out.fill(0);
            return;
        }
        let _ = self.ring.pop_slice(self.converter.input_mut());
        let converted = self.converter.convert();
        for (o, &v) in out.iter_mut().zip(converted) {
            *o = to_i16(v);
        }
        if let Some(rest) = out.get_mut(converted.len()..) {
            rest.fill(0);
        }
    }

    /// The card's clock paces the loop: a frame can be read once the ring holds one.
    /// A card that failed has no clock any more: `None`, the loop's timer takes over.
    fn ready_in(&self) -> Option<Duration> {
        if self.health.failed.load(Ordering::Relaxed) {
            // A dead card has no clock: the loop goes on its timer.
            return None;
        }
        let need = self.converter.input_needed() + self.skip_pending;
        let mut have = self.ring.occupied_len();
        if have < need
            && let Some(bell) = &self.doorbell
        {
            // Armed before looking again: samples pushed in between ring it.
            bell.arm(need);
            have = self.ring.occupied_len();
        }
        let missing = need.saturating_sub(have) as u64;
        Some(Duration::from_micros(missing * 1_000_000 / u64::from(self.device_rate.max(1))))
    }

    fn doorbell(&self) -> Option<&Doorbell> {
        self.doorbell.as_deref()
    }

    fn slip_half_frame(&mut self) {
        self.skip_pending += self.converter.input_needed() / 2;
    }
}

/// The loop's earpiece: frames into the playback ring at the card's rate.
pub struct RingSink {
    ring: HeapProd<f32>,
    converter: FrameConverter,
    /// Above this many samples waiting, the card plays slower than the loop runs (two
    /// clocks): a frame is dropped to keep the delay bounded.
    limit: usize,
    health: Arc<DeviceHealth>,
}

impl RingSink {
    /// Card samples waiting to be played.
    pub fn queued(&self) -> usize {
        self.ring.occupied_len()
    }
}

impl Sink for RingSink {
    fn write(&mut self, frame: &[i16]) {
        for (i, v) in self.converter.input_mut().iter_mut().zip(frame) {
            *i = to_f32(*v);
        }
        let converted = self.converter.convert();
        if self.ring.occupied_len() + converted.len() > self.limit {
            DeviceHealth::add(&self.health.overrun_samples, converted.len());
            return;
        }
        let pushed = self.ring.push_slice(converted);
        DeviceHealth::add(&self.health.overrun_samples, converted.len() - pushed);
    }
}

/// The rings and both ends for one card direction pair.
#[derive(Debug)]
pub struct SoundRings {
    pub capture: CaptureFeed,
    pub playback: PlaybackFeed,
    pub source: RingSource,
    pub sink: RingSink,
    pub health: Arc<DeviceHealth>,
}

/// Rings for a capture card at `input_rate` with `input_channels` and a playback card at
/// `output_rate` with `output_channels`, for a loop at `loop_rate` in `frame_ms` frames.
/// `prefill` samples of silence (at the playback rate) go into the playback ring first, so
/// that it does not run dry between the loop's frames (about one card period).
pub fn sound_rings(
    (input_rate, input_channels): (u32, usize),
    (output_rate, output_channels): (u32, usize),
    loop_rate: u32,
    frame_ms: u32,
    prefill: usize,
) -> Result<SoundRings, ResampleError> {
    let health = Arc::new(DeviceHealth::default());
    let capture_converter = FrameConverter::to_loop(input_rate, loop_rate, frame_ms)?;
    let playback_converter = FrameConverter::to_card(loop_rate, output_rate, frame_ms)?;
    // A second of room each way: far more than any card period or loop stall.
    let (cap_tx, cap_rx) = HeapRb::<f32>::new(input_rate as usize).split();
    let (mut play_tx, play_rx) = HeapRb::<f32>::new(output_rate as usize).split();
    let out_frame = (output_rate * frame_ms / 1000) as usize;
    let doorbell = Doorbell::new().map(Arc::new);
    for _ in 0..prefill.min(output_rate as usize) {
        let _ = play_tx.try_push(0.0);
    }
    Ok(SoundRings {
        capture: CaptureFeed {
            ring: cap_tx,
            channels: input_channels,
            health: Arc::clone(&health),
            doorbell: doorbell.clone(),
        },
        playback: PlaybackFeed {
            ring: play_rx,
            channels: output_channels,
            health: Arc::clone(&health),
        },
        source: RingSource {
            ring: cap_rx,
            converter: capture_converter,
            device_rate: input_rate,
            skip_pending: 0,
            health: Arc::clone(&health),
            doorbell,
        },
        sink: RingSink {
            ring: play_tx,
            converter: playback_converter,
            limit: prefill + 3 * out_frame,
            health: Arc::clone(&health),
        },
        health,
    })
}

/// The rings' ends show how full they are.
macro_rules! debug_ring_end {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($t))
                    .field("occupied", &self.ring.occupied_len())
                    .finish_non_exhaustive()
            }
        }
    )*};
}
debug_ring_end!(CaptureFeed, PlaybackFeed, RingSource, RingSink);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stereo_card_at_48_khz_feeds_an_8_khz_loop_and_back() {
        let mut r = sound_rings((48000, 2), (48000, 2), 8000, 20, 480).unwrap();
        // About 20 ms of card samples make a frame (the resampler's phase moves it by one).
        let wait = r.source.ready_in().unwrap();
        assert!(wait.abs_diff(Duration::from_millis(20)) < Duration::from_micros(50), "{wait:?}");
        // 20 ms and a little of a 400 Hz tone on both channels.
        let tone = |i: usize| (i as f32 * std::f32::consts::TAU * 400.0 / 48000.0).sin() * 0.5;
        r.capture.push((0..970).flat_map(|i| [tone(i), tone(i)]));
        assert_eq!(r.source.ready_in(), Some(Duration::ZERO));
        let mut frame = [0i16; 160];
        r.source.read(&mut frame);
        let peak = frame.iter().skip(80).map(|v| v.unsigned_abs()).max().unwrap();
        assert!((15000..17500).contains(&peak), "peak {peak}");
        // Not a whole frame left: the loop must wait about 20 ms for the next.
        assert!(r.source.ready_in().unwrap() > Duration::from_millis(19));
        // Two more frames, and all three out through the playback ring.
        r.capture.push((970..2900).flat_map(|i| [tone(i), tone(i)]));
        r.sink.write(&frame);
        for _ in 0..2 {
            r.source.read(&mut frame);
            r.sink.write(&frame);
        }
        // 480 samples of prefill, then the frames converted to about 960 samples each.
        let played = 480 + 3 * 960 - 10;
        let mut out = vec![0.0f32; 2 * (played + 10)];
        r.playback.pull(played + 10, |i, v| out[i] = v);
        assert!(out[..960].iter().all(|&v| v == 0.0), "prefill is silence");
        let last_frame = &out[2 * (played - 960)..2 * played];
        let played_peak = last_frame.iter().fold(0.0f32, |m, v| m.max(*v));
        assert!((0.45..0.55).contains(&played_peak), "the tone comes back out: {played_peak}");
        let underrun = r.health.underrun_samples.load(Ordering::Relaxed);
        assert!((10..=30).contains(&underrun), "{underrun}");
    }
}
