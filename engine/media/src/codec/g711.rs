//! G.711 μ-law (PCMU) and A-law (PCMA), ITU-T G.711 §2–3, with the Appendix I
//! concealment for lost frames.

use super::plc::G711Plc;
use super::{Codec, CodecDescriptor};

pub(crate) static PCMU: CodecDescriptor = CodecDescriptor {
    name: "PCMU",
    static_payload_type: Some(0),
    clock_rate: 8000,
    sample_rate: 8000,
    channels: 1,
};
pub(crate) static PCMA: CodecDescriptor = CodecDescriptor {
    name: "PCMA",
    static_payload_type: Some(8),
    clock_rate: 8000,
    sample_rate: 8000,
    channels: 1,
};

/// Which companding law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    Mu,
    A,
}

const SIGN_BIT: u8 = 0x80;
const QUANT_MASK: u8 = 0x0F;
const SEG_MASK: u8 = 0x70;
const SEG_SHIFT: u8 = 4;
const ULAW_BIAS: i32 = 0x84;

fn segment(value: i32, ends: &[i32; 8]) -> usize {
    ends.iter().position(|&end| value <= end).unwrap_or(8)
}

/// 16-bit linear PCM to μ-law (the 14-bit magnitude with bias, §3).
pub fn linear_to_ulaw(sample: i16) -> u8 {
    const ENDS: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
    let mut pcm = i32::from(sample) >> 2;
    let mask = if pcm < 0 {
        pcm = -pcm;
        0x7F
    } else {
        0xFF
    };
    pcm = pcm.min(8159) + (ULAW_BIAS >> 2);
    let seg = segment(pcm, &ENDS);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let uval = ((seg as i32) << 4) | ((pcm >> (seg + 1)) & 0x0F);
    (uval as u8) ^ mask
}

/// μ-law to 16-bit linear PCM.
pub const fn ulaw_to_linear(u: u8) -> i16 {
    let u = !u;
    let mut t = (((u & QUANT_MASK) as i32) << 3) + ULAW_BIAS;
    t <<= (u & SEG_MASK) >> SEG_SHIFT;
    (if u & SIGN_BIT != 0 { ULAW_BIAS - t } else { t - ULAW_BIAS }) as i16
}

/// 16-bit linear PCM to A-law (the 13-bit magnitude, §2).
pub fn linear_to_alaw(sample: i16) -> u8 {
    const ENDS: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    let mut pcm = i32::from(sample) >> 3;
    let mask = if pcm >= 0 {
        0xD5
    } else {
        pcm = -pcm - 1;
        0x55
    };
    let seg = segment(pcm, &ENDS);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let mut aval = (seg as i32) << SEG_SHIFT;
    aval |= if seg < 2 { (pcm >> 1) & 0x0F } else { (pcm >> seg) & 0x0F };
    (aval as u8) ^ mask
}

/// A-law to 16-bit linear PCM.
pub const fn alaw_to_linear(a: u8) -> i16 {
    let a = a ^ 0x55;
    let mut t = ((a & QUANT_MASK) as i32) << 4;
    let seg = (a & SEG_MASK) >> SEG_SHIFT;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    (if a & SIGN_BIT != 0 { t } else { -t }) as i16
}

const fn decode_table(law: Law) -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        // In bounds by the loop condition (a const fn cannot use get_mut).
        #[allow(clippy::indexing_slicing)]
        {
            t[i] = match law {
                Law::Mu => ulaw_to_linear(i as u8),
                Law::A => alaw_to_linear(i as u8),
            };
        }
        i += 1;
    }
    t
}

static ULAW_TABLE: [i16; 256] = decode_table(Law::Mu);
static ALAW_TABLE: [i16; 256] = decode_table(Law::A);

/// A G.711 coder with its concealment state.
#[derive(Debug)]
pub struct G711 {
    law: Law,
    plc: G711Plc,
}

impl G711 {
    pub fn new(law: Law) -> Self {
        G711 { law, plc: G711Plc::new() }
    }
}

impl Codec for G711 {
    /// One byte a sample.
    fn packet_samples(&self, payload: &[u8]) -> Option<usize> {
        Some(payload.len())
    }

    fn descriptor(&self) -> &'static CodecDescriptor {
        match self.law {
            Law::Mu => &PCMU,
            Law::A => &PCMA,
        }
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> usize {
        if out.len() < pcm.len() {
            return 0;
        }
        for (o, &s) in out.iter_mut().zip(pcm) {
            *o = match self.law {
                Law::Mu => linear_to_ulaw(s),
                Law::A => linear_to_alaw(s),
            };
        }
        pcm.len()
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize {
        let table = match self.law {
            Law::Mu => &ULAW_TABLE,
            Law::A => &ALAW_TABLE,
        };
        let n = payload.len().min(out.len());
        for (o, &b) in out.iter_mut().zip(payload) {
            // A u8 always indexes a 256-entry table.
            #[allow(clippy::indexing_slicing)]
            {
                *o = table[usize::from(b)];
            }
        }
        let frame = out.get_mut(..n).unwrap_or(&mut []);
        self.plc.good_frame(frame);
        n
    }

    fn conceal(&mut self, out: &mut [i16]) -> usize {
        self.plc.lost_frame(out);
        out.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
    }

    /// Every code decodes to a value that encodes back to the same code (the tables are
    /// each other's inverse on the 256 levels).
    #[test]
    fn codes_round_trip() {
        for c in 0..=255u8 {
            let u = ulaw_to_linear(c);
            // μ-law has two zero codes (0x7F and 0xFF); both mean 0.
            if u != 0 {
                assert_eq!(linear_to_ulaw(u), c, "ulaw {c:#x}");
            }
            assert_eq!(linear_to_alaw(alaw_to_linear(c)), c, "alaw {c:#x}");
        }
    }

    /// Quantisation error stays within half a step of each segment.
    #[test]
    fn quantisation_error_is_bounded() {
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let u = ulaw_to_linear(linear_to_ulaw(s));
            let a = alaw_to_linear(linear_to_alaw(s));
            let tol = |x: i16| (i32::from(x).abs() / 16).max(16);
            assert!((i32::from(u) - i32::from(s)).abs() <= tol(s) + 8, "ulaw {s} -> {u}");
            assert!((i32::from(a) - i32::from(s)).abs() <= tol(s) + 8, "alaw {s} -> {a}");
        }
    }
}
