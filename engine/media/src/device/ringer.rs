//! The ringing device: an incoming call rings on a device of its own (a loudspeaker the
//! agent hears without the headset on), independently of any call's media loop. A
//! playback-only stream fed by a small thread that keeps the card's ring topped up with
//! the ringtone until the ringer is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use cpal::traits::StreamTrait;

use super::Sink;
use super::sound_card::{
    AudioHost, CardChoice, DeviceError, DeviceInfo, config_for, describe, find, open_output,
};
use super::sound_ring::{DeviceHealth, sound_rings};
use crate::tone::{ToneGenerator, ToneSpec};

/// The tone is rendered at this rate and converted to the card's.
const RATE: u32 = 16000;

/// A tone playing on its own device; silent once dropped.
pub struct Ringer {
    stream: Option<cpal::Stream>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    pub health: Arc<DeviceHealth>,
    pub device: DeviceInfo,
}

impl std::fmt::Debug for Ringer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ringer").field("device", &self.device.name).finish()
    }
}

impl Ringer {
    /// Starts `tone` on `output` of `host` (the default if the named one is not there).
    pub fn start(
        host: AudioHost,
        output: &CardChoice,
        tone: ToneSpec,
    ) -> Result<Ringer, DeviceError> {
        let h = host.open()?;
        let (dev, _) = find(&h, host, output, false)?;
        let device = describe(host, &dev).ok_or(DeviceError::NoDevice("output"))?;
        let (config, format, period) = config_for(&dev, false, &device.name)?;
        let err = |reason: String| DeviceError::Device {
            direction: "output",
            name: device.name.clone(),
            reason,
        };
        let rings = sound_rings(
            (config.sample_rate, 1),
            (config.sample_rate, usize::from(config.channels)),
            RATE,
            20,
            period,
        )
        .map_err(|e| err(e.to_string()))?;
        let health = Arc::clone(&rings.health);
        let stream = open_output(&dev, config, format, rings.playback, &health, &device)?;
        stream.play().map_err(|e| err(e.to_string()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let (mut sink, stopped) = (rings.sink, Arc::clone(&stop));
        // Keep about two frames queued: the card's clock paces the ringtone.
        let enough = 2 * (config.sample_rate as usize / 50);
        let thread = std::thread::Builder::new()
            .name("earshot-ringer".into())
            .spawn(move || {
                let mut generator = ToneGenerator::new(tone, RATE);
                let mut frame = [0i16; RATE as usize / 50];
                while !stopped.load(Ordering::Relaxed) {
                    if sink.queued() < enough {
                        frame.fill(0);
                        generator.mix_into(&mut frame);
                        sink.write(&frame);
                    } else {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
            })
            .map_err(|e| err(e.to_string()))?;
        Ok(Ringer { stream: Some(stream), stop, thread: Some(thread), health, device })
    }
}

impl Drop for Ringer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.stream = None;
    }
}
