//! Audio devices as small traits (DESIGN.md §3): a source of microphone frames and a sink
//! for earpiece frames. File and memory devices here (the null device, WAV files); real
//! sound cards through cpal come with the device layer.

mod memory;
mod wav;

pub use memory::{BufferSource, CaptureSink, NullDevice};
pub use wav::{WavError, read_wav, write_wav};

/// Gives one frame of microphone audio per tick. Called on the media loop: must not
/// allocate, lock, log or block.
pub trait Source: Send + std::any::Any {
    fn read(&mut self, out: &mut [i16]);
}

/// Takes one frame of earpiece audio per tick; the same rules as [`Source`]. (`Any` lets
/// the owner take a concrete device back when the loop stops.)
pub trait Sink: Send + std::any::Any {
    fn write(&mut self, frame: &[i16]);
}
