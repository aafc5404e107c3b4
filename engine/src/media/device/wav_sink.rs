//! A WAV file as the earpiece (`--audio-out FILE.wav`): the loop pushes each frame into a
//! lock-free ring without allocating or waiting; the owner drains the ring into the file
//! off the real-time thread (a few times a second) and finalises it at the end.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use super::{Sink, WavError};

/// The loop's end: a ring holding a few seconds of mono audio.
pub struct WavFileSink {
    ring: HeapProd<i16>,
    /// Samples that did not fit (the owner drained too slowly).
    pub dropped: u64,
}

impl std::fmt::Debug for WavFileSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavFileSink").field("dropped", &self.dropped).finish()
    }
}

impl Sink for WavFileSink {
    fn write(&mut self, frame: &[i16]) {
        let pushed = self.ring.push_slice(frame);
        self.dropped += (frame.len() - pushed) as u64;
    }
}

/// The owner's end: the ring's consumer and the file it fills.
pub struct WavFileWriter {
    ring: HeapCons<i16>,
    writer: hound::WavWriter<BufWriter<File>>,
    chunk: Vec<i16>,
    written: u64,
}

impl std::fmt::Debug for WavFileWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavFileWriter").field("written", &self.written).finish()
    }
}

/// Creates `path` (mono, 16-bit, `sample_rate`) and the sink and writer around a ring of
/// `seconds` of audio.
pub fn wav_file_sink(
    path: &Path,
    sample_rate: u32,
    seconds: u32,
) -> Result<(WavFileSink, WavFileWriter), WavError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let writer = hound::WavWriter::create(path, spec)?;
    let capacity = (sample_rate * seconds.max(1)) as usize;
    let (ring, cons) = HeapRb::<i16>::new(capacity).split();
    Ok((
        WavFileSink { ring, dropped: 0 },
        WavFileWriter { ring: cons, writer, chunk: vec![0; 4096], written: 0 },
    ))
}

impl WavFileWriter {
    /// Writes what the loop has pushed since the last call.
    pub fn drain(&mut self) -> Result<(), WavError> {
        while self.ring.occupied_len() > 0 {
            let n = self.ring.pop_slice(&mut self.chunk);
            for &s in self.chunk.get(..n).unwrap_or(&[]) {
                self.writer.write_sample(s)?;
            }
            self.written += n as u64;
        }
        Ok(())
    }

    /// Drains the rest and closes the file; returns the samples written.
    pub fn finish(mut self) -> Result<u64, WavError> {
        self.drain()?;
        self.writer.finalize()?;
        Ok(self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_pushed_by_the_loop_end_up_in_the_file() {
        let path =
            std::env::temp_dir().join(format!("earshot-wav-sink-{}.wav", std::process::id()));
        let (mut sink, mut writer) = wav_file_sink(&path, 8000, 1).unwrap();
        let frame: Vec<i16> = (0..160).map(|i| i as i16 * 10).collect();
        for _ in 0..30 {
            sink.write(&frame);
            writer.drain().unwrap();
        }
        // More than the ring holds between drains is dropped and counted.
        for _ in 0..60 {
            sink.write(&frame);
        }
        assert_eq!(sink.dropped, 60 * 160 - 8000);
        assert_eq!(writer.finish().unwrap(), 30 * 160 + 8000);
        let got = crate::media::device::read_wav(&path, 8000).unwrap();
        assert_eq!(got.len(), 30 * 160 + 8000);
        assert_eq!(got.get(..160), Some(&frame[..]));
        std::fs::remove_file(&path).unwrap();
    }
}
