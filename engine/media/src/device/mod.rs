//! Audio devices as small traits (DESIGN.md §3): a source of microphone frames and a sink
//! for earpiece frames. Memory and file devices (the null device, WAV files), and sound
//! cards through cpal (ALSA or JACK) behind lock-free rings.

mod doorbell;
mod memory;
pub(crate) mod rate;
mod ringer;
mod route;
mod sound_card;
mod sound_ring;
mod wav;
mod wav_sink;

pub use doorbell::Doorbell;
pub use memory::{BufferSource, CaptureSink, NullDevice};
pub use rate::FrameConverter;
pub use ringer::Ringer;
pub use route::{AudioRoute, RouteEvent};
pub use sound_card::{
    AudioHost, CardChoice, DeviceChange, DeviceError, DeviceInfo, DeviceWatch, SoundCard,
    list_devices,
};
pub use sound_ring::{DeviceHealth, RingSink, RingSource, SoundRings, sound_rings};
pub use wav::{WavError, read_wav, write_wav};
pub use wav_sink::{WavFileSink, wav_file_sink};

/// Gives one frame of microphone audio per tick. Called on the media loop: must not
/// allocate, lock, log or block.
pub trait Source: Send + std::any::Any {
    fn read(&mut self, out: &mut [i16]);

    /// Starts again from the beginning: a recorded voice played into each call from its
    /// answer. Live devices ignore it. Runs on the media loop: must not allocate.
    fn restart(&mut self) {}

    /// For a device with its own clock (a sound card): how long until the next frame can
    /// be read, zero if it can now; the loop waits for it. `None` for devices without a
    /// clock (memory, files, null), which the loop paces with its timer.
    fn ready_in(&self) -> Option<std::time::Duration> {
        None
    }

    /// Moves the device's frame boundary half a frame later (the loop's tick with it), by
    /// skipping half a frame of input. Devices without a clock ignore it (the loop moves
    /// its timer instead).
    fn slip_half_frame(&mut self) {}

    /// For a device with a clock: a doorbell rung when the frame [`Source::ready_in`]
    /// waited for is there, for the loop to sleep on instead of looking again.
    fn doorbell(&self) -> Option<&Doorbell> {
        None
    }

    /// Whether the loop may stop ticking while no call, tone or recording needs it: true
    /// for a device nobody speaks into (the null device), so that an idle phone without a
    /// sound card costs nothing. Files and sound cards keep their time.
    fn may_rest(&self) -> bool {
        false
    }
}

/// Takes one frame of earpiece audio per tick; the same rules as [`Source`]. (`Any` lets
/// the owner take a concrete device back when the loop stops.)
pub trait Sink: Send + std::any::Any {
    fn write(&mut self, frame: &[i16]);

    /// As [`Source::may_rest`]: true for a device nobody listens to.
    fn may_rest(&self) -> bool {
        false
    }
}
