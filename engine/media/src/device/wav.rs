//! WAV files (via hound): read mono 16-bit PCM into memory before a call (so the media
//! loop never touches the disk), and write recordings after it.

use std::path::Path;

use crate::resample::{ResampleError, resample};

#[derive(Debug, thiserror::Error)]
pub enum WavError {
    #[error("WAV file: {0}")]
    Hound(#[from] hound::Error),
    #[error("WAV file must be 16-bit PCM, mono or stereo; it is {found}")]
    Format { found: String },
    #[error("WAV file: {0}")]
    Resample(#[from] ResampleError),
}

/// Reads a 16-bit WAV as mono at `sample_rate`: stereo is mixed down, another rate is
/// resampled.
pub fn read_wav(path: &Path, sample_rate: u32) -> Result<Vec<i16>, WavError> {
    let mut reader = hound::WavReader::open(path)?;
    let spec = reader.spec();
    if spec.bits_per_sample != 16
        || spec.sample_format != hound::SampleFormat::Int
        || spec.channels > 2
        || spec.sample_rate == 0
    {
        return Err(WavError::Format {
            found: format!(
                "{} Hz, {} channels, {} bits",
                spec.sample_rate, spec.channels, spec.bits_per_sample
            ),
        });
    }
    let samples: Result<Vec<i16>, _> = reader.samples::<i16>().collect();
    let samples = samples?;
    let mono = if spec.channels == 2 {
        samples
            .chunks(2)
            .map(|c| {
                ((i32::from(c.first().copied().unwrap_or(0))
                    + i32::from(c.get(1).copied().unwrap_or(0)))
                    / 2) as i16
            })
            .collect()
    } else {
        samples
    };
    Ok(resample(&mono, spec.sample_rate, sample_rate)?)
}

/// Writes 16-bit PCM; `channels` interleaved (2 for a call recording: local left,
/// remote right).
pub fn write_wav(
    path: &Path,
    sample_rate: u32,
    channels: u16,
    samples: &[i16],
) -> Result<(), WavError> {
    let spec = hound::WavSpec {
        channels,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec)?;
    for &s in samples {
        w.write_sample(s)?;
    }
    w.finalize()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read() {
        let dir = std::env::temp_dir().join(format!("earshot-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t.wav");
        write_wav(&p, 8000, 1, &[1, -2, 3, i16::MAX]).unwrap();
        assert_eq!(read_wav(&p, 8000).unwrap(), [1, -2, 3, i16::MAX]);
        // Another rate is resampled: twice the samples at twice the rate.
        write_wav(&p, 8000, 1, &vec![1000; 8000]).unwrap();
        let up = read_wav(&p, 16000).unwrap();
        assert!((15990..=16010).contains(&up.len()), "{}", up.len());
        assert!(up[4000..12000].iter().all(|&s| (990..=1010).contains(&s)));
        std::fs::write(&p, b"RIFF\0\0\0\0WAVEjunk").unwrap();
        assert!(read_wav(&p, 8000).is_err());
        write_wav(&p, 8000, 2, &[10, 20, -10, -30]).unwrap();
        assert_eq!(read_wav(&p, 8000).unwrap(), [15, -20]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
