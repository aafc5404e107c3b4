//! G.722 wideband audio at 64 kbit/s (ITU-T G.722 (09/2012) mode 1): the transmit and
//! receive QMF (§3.1, §4.4), the lower sub-band 6-bit ADPCM (§3.2–3.6, §4.2) and the
//! higher sub-band 2-bit ADPCM (§3.3–3.6, §4.3), in fixed point exactly as the reference.
//! RTP per RFC 3551 §4.5.2: payload type 9, an 8000 Hz RTP clock for 16 kHz audio, one
//! octet per pair of samples. Lost frames are concealed in the lower sub-band with the
//! G.711 Appendix I waveform extrapolation (at the sub-band's 8 kHz) while the higher
//! sub-band fades out, in the spirit of G.722 Appendix III.

use super::plc::G711Plc;
use super::{Codec, CodecDescriptor};

pub(crate) static G722: CodecDescriptor = CodecDescriptor {
    name: "G722",
    static_payload_type: Some(9),
    clock_rate: 8000,
    sample_rate: 16000,
    channels: 1,
};

/// QMF coefficients h0..h11 (Table 11; h(23-i) = h(i)).
const QMF: [i32; 12] = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];
/// Lower sub-band quantizer decision levels (Table 6, scaled).
const Q6: [i32; 31] = [
    0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
    1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0,
];
/// 6-bit codes for a negative / positive difference in interval `i` (Table 6).
const ILN: [i32; 31] = [
    0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
    10, 9, 8, 7, 6, 5, 4,
];
const ILP: [i32; 31] = [
    0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39,
    38, 37, 36, 35, 34, 33, 32,
];
/// Lower sub-band 4-bit inverse quantizer (Table 7), used for prediction in every mode.
const QM4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];
/// Lower sub-band 6-bit inverse quantizer (Table 9), the mode 1 output.
const QM6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];
/// Lower sub-band log-scale factor multipliers (Table 14) and the 4-bit code map.
const WL: [i32; 8] = [-60, -30, 58, 172, 334, 538, 1198, 3042];
const RL42: [i32; 16] = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
/// Inverse log base 2 table (Table 15).
const ILB: [i32; 32] = [
    2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
    2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];
/// Higher sub-band: codes, inverse quantizer, log-scale multipliers (Tables 8, 10, 16).
const IHN: [i32; 3] = [0, 1, 0];
const IHP: [i32; 3] = [0, 3, 2];
const QM2: [i32; 4] = [-7408, -1616, 7408, 1616];
const WH: [i32; 3] = [0, -214, 798];
const RH2: [i32; 4] = [2, 1, 2, 1];

fn at<const N: usize>(table: &[i32; N], i: i32) -> i32 {
    usize::try_from(i).ok().and_then(|i| table.get(i)).copied().unwrap_or(0)
}

fn sat(v: i32) -> i32 {
    v.clamp(i32::from(i16::MIN), i32::from(i16::MAX))
}

/// One sub-band's adaptive predictor and scale factor (§3.5–3.6, Block 4).
#[derive(Debug, Clone, Copy)]
struct Band {
    /// Predicted signal, its pole and zero parts.
    s: i32,
    sp: i32,
    sz: i32,
    /// Reconstructed signal and partial reconstruction, current and two back.
    r: [i32; 3],
    p: [i32; 3],
    /// Pole (a1, a2) and zero (b1..b6) predictor coefficients, index 0 unused.
    a: [i32; 3],
    b: [i32; 7],
    /// Quantized differences, current and six back.
    d: [i32; 7],
    /// Log scale factor and scale factor.
    nb: i32,
    det: i32,
}

impl Band {
    fn new(det: i32) -> Self {
        Band {
            s: 0,
            sp: 0,
            sz: 0,
            r: [0; 3],
            p: [0; 3],
            a: [0; 3],
            b: [0; 7],
            d: [0; 7],
            nb: 0,
            det,
        }
    }

    /// Block 3, LOGSCL/LOGSCH then SCALEL/SCALEH: adapt the scale factor.
    fn adapt_scale(&mut self, multiplier: i32, max_nb: i32, shift: i32) {
        self.nb = (((self.nb * 127) >> 7) + multiplier).clamp(0, max_nb);
        let mantissa = at(&ILB, (self.nb >> 6) & 31);
        let exp = shift - (self.nb >> 11);
        let wd3 = if exp < 0 { mantissa << -exp } else { mantissa >> exp };
        self.det = wd3 << 2;
    }

    /// Block 4: reconstruct, adapt the pole and zero predictors, predict the next sample.
    fn update(&mut self, d: i32) {
        // RECONS, PARREC
        self.d[0] = d;
        self.r[0] = sat(self.s + d);
        self.p[0] = sat(self.sz + d);
        // UPPOL2
        let sg = [self.p[0] >> 15, self.p[1] >> 15, self.p[2] >> 15];
        let wd1 = sat(self.a[1] << 2);
        let wd2 = if sg[0] == sg[1] { -wd1 } else { wd1 }.min(32767);
        let mut wd3 = (wd2 >> 7) + if sg[0] == sg[2] { 128 } else { -128 };
        wd3 += (self.a[2] * 32512) >> 15;
        let ap2 = wd3.clamp(-12288, 12288);
        // UPPOL1
        let wd1 = if sg[0] == sg[1] { 192 } else { -192 };
        let wd2 = (self.a[1] * 32640) >> 15;
        let limit = sat(15360 - ap2);
        let ap1 = sat(wd1 + wd2).clamp(-limit, limit);
        // UPZERO
        let step = if d == 0 { 0 } else { 128 };
        let sign = d >> 15;
        let mut bp = [0i32; 7];
        for ((bp, &b), &dd) in bp.iter_mut().zip(&self.b).zip(&self.d).skip(1) {
            let wd2 = if dd >> 15 == sign { step } else { -step };
            *bp = sat(wd2 + ((b * 32640) >> 15));
        }
        // DELAYA
        self.d.copy_within(0..6, 1);
        self.b = bp;
        self.r.copy_within(0..2, 1);
        self.p.copy_within(0..2, 1);
        self.a = [0, ap1, ap2];
        // FILTEP
        let wd1 = (self.a[1] * sat(self.r[1] + self.r[1])) >> 15;
        let wd2 = (self.a[2] * sat(self.r[2] + self.r[2])) >> 15;
        self.sp = sat(wd1 + wd2);
        // FILTEZ
        let sz: i32 =
            self.b.iter().zip(&self.d).skip(1).map(|(&b, &d)| (b * sat(d + d)) >> 15).sum();
        self.sz = sat(sz);
        // PREDIC
        self.s = sat(self.sp + self.sz);
    }
}

/// The 24-tap QMF delay line (§3.1 transmit, §4.4 receive).
#[derive(Debug, Clone, Copy)]
struct Qmf {
    x: [i32; 24],
}

impl Qmf {
    /// Shifts in two samples and returns the two filter sums (even taps, odd taps).
    fn push(&mut self, first: i32, second: i32) -> (i32, i32) {
        self.x.copy_within(2..24, 0);
        self.x[22] = first;
        self.x[23] = second;
        let (mut even, mut odd) = (0i32, 0i32);
        for (pair, (&c, &c_rev)) in self.x.chunks_exact(2).zip(QMF.iter().zip(QMF.iter().rev())) {
            if let [x0, x1] = pair {
                odd += x0 * c;
                even += x1 * c_rev;
            }
        }
        (even, odd)
    }
}

/// The encoder half.
#[derive(Debug, Clone)]
pub struct G722Encoder {
    qmf: Qmf,
    low: Band,
    high: Band,
}

impl Default for G722Encoder {
    fn default() -> Self {
        G722Encoder { qmf: Qmf { x: [0; 24] }, low: Band::new(32), high: Band::new(8) }
    }
}

impl G722Encoder {
    /// An encoder whose scale factors start at `detl` / `deth` instead of the reset
    /// values of §6.3 (32 and 8): for comparing against implementations that reset
    /// differently.
    pub fn with_initial_scales(detl: i32, deth: i32) -> Self {
        G722Encoder { low: Band::new(detl), high: Band::new(deth), ..Default::default() }
    }

    /// Encodes pairs of 16 kHz samples into one octet each; returns the octets written.
    pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> usize {
        let mut n = 0;
        for (pair, o) in pcm.chunks_exact(2).zip(out.iter_mut()) {
            let (&[a, b], _) = (pair, ()) else { continue };
            let (even, odd) = self.qmf.push(i32::from(a), i32::from(b));
            let xlow = (even + odd) >> 14;
            let xhigh = (even - odd) >> 14;
            // Lower sub-band: SUBTRA, QUANTL (§3.3).
            let el = sat(xlow - self.low.s);
            let wd = if el >= 0 { el } else { -(el + 1) };
            let i = (1..30).find(|&i| wd < (at(&Q6, i) * self.low.det) >> 12).unwrap_or(30);
            let ilow = if el < 0 { at(&ILN, i) } else { at(&ILP, i) };
            // INVQAL, LOGSCL, SCALEL, then the predictor.
            let ril = ilow >> 2;
            let dlow = (self.low.det * at(&QM4, ril)) >> 15;
            self.low.adapt_scale(at(&WL, at(&RL42, ril)), 18432, 8);
            self.low.update(dlow);
            // Higher sub-band: SUBTRA, QUANTH (§3.3).
            let eh = sat(xhigh - self.high.s);
            let wd = if eh >= 0 { eh } else { -(eh + 1) };
            let mih = if wd >= (564 * self.high.det) >> 12 { 2 } else { 1 };
            let ihigh = if eh < 0 { at(&IHN, mih) } else { at(&IHP, mih) };
            let dhigh = (self.high.det * at(&QM2, ihigh)) >> 15;
            self.high.adapt_scale(at(&WH, at(&RH2, ihigh)), 22528, 10);
            self.high.update(dhigh);
            *o = ((ihigh << 6) | ilow) as u8;
            n += 1;
        }
        n
    }
}

/// Largest frame the concealment handles at once: 60 ms of the 8 kHz lower sub-band.
const MAX_SUBBAND: usize = 480;

/// The decoder half, with concealment.
#[derive(Debug)]
pub struct G722Decoder {
    qmf: Qmf,
    low: Band,
    high: Band,
    plc: G711Plc,
    /// Gain of the higher sub-band while concealing (Q15), fading to zero.
    high_gain: i32,
    rlow: [i16; MAX_SUBBAND],
    rhigh: [i16; MAX_SUBBAND],
}

impl Default for G722Decoder {
    fn default() -> Self {
        G722Decoder {
            qmf: Qmf { x: [0; 24] },
            low: Band::new(32),
            high: Band::new(8),
            plc: G711Plc::new(),
            high_gain: 32768,
            rlow: [0; MAX_SUBBAND],
            rhigh: [0; MAX_SUBBAND],
        }
    }
}

impl G722Decoder {
    /// See [`G722Encoder::with_initial_scales`].
    pub fn with_initial_scales(detl: i32, deth: i32) -> Self {
        G722Decoder { low: Band::new(detl), high: Band::new(deth), ..Default::default() }
    }

    /// Decodes octets into pairs of 16 kHz samples; returns the samples written.
    pub fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize {
        let mut written = 0;
        for block in payload.chunks(MAX_SUBBAND) {
            let n = block.len().min((out.len() - written) / 2);
            for ((&code, rl), rh) in block.iter().take(n).zip(&mut self.rlow).zip(&mut self.rhigh) {
                let (low, high) = decode_subbands(&mut self.low, &mut self.high, i32::from(code));
                (*rl, *rh) = (low as i16, high as i16);
            }
            // After a loss the concealment cross-fades into the decoded lower band.
            self.plc.good_frame(self.rlow.get_mut(..n).unwrap_or(&mut []));
            self.high_gain = 32768;
            let out = out.get_mut(written..written + 2 * n).unwrap_or(&mut []);
            written += self.synthesize(n, out);
        }
        written
    }

    /// The receive QMF over `n` sub-band pairs into `2n` samples.
    fn synthesize(&mut self, n: usize, out: &mut [i16]) -> usize {
        let mut written = 0;
        for ((&rl, &rh), pair) in
            self.rlow.iter().zip(&self.rhigh).take(n).zip(out.chunks_exact_mut(2))
        {
            let (rl, rh) = (i32::from(rl), i32::from(rh));
            let (even, odd) = self.qmf.push(rl + rh, rl - rh);
            if let [a, b] = pair {
                *a = sat(even >> 11) as i16;
                *b = sat(odd >> 11) as i16;
                written += 2;
            }
        }
        written
    }

    /// A lost frame: extrapolate the lower sub-band's waveform, fade the higher one, and
    /// keep the predictors running on the concealed signal so that the next packet
    /// decodes from a close state.
    pub fn conceal(&mut self, out: &mut [i16]) -> usize {
        let mut written = 0;
        while written + 1 < out.len() {
            let n = ((out.len() - written) / 2).min(MAX_SUBBAND);
            self.plc.lost_frame(self.rlow.get_mut(..n).unwrap_or(&mut []));
            // The higher band repeats its last prediction, fading over about 20 ms.
            for rh in self.rhigh.iter_mut().take(n) {
                *rh = ((self.high.s * self.high_gain) >> 15) as i16;
                self.high_gain = (self.high_gain * 31_900) >> 15;
            }
            let out = out.get_mut(written..written + 2 * n).unwrap_or(&mut []);
            written += self.synthesize(n, out);
        }
        written
    }
}

/// §4.2–4.3: one octet to the two reconstructed sub-band samples.
fn decode_subbands(lowb: &mut Band, highb: &mut Band, code: i32) -> (i32, i32) {
    let ilow = code & 0x3F;
    let ihigh = (code >> 6) & 0x03;
    // Lower sub-band: INVQBL, RECONS, LIMIT for the output; INVQAL for prediction.
    let rlow = (lowb.s + ((lowb.det * at(&QM6, ilow)) >> 15)).clamp(-16384, 16383);
    let ril = ilow >> 2;
    let dlowt = (lowb.det * at(&QM4, ril)) >> 15;
    lowb.adapt_scale(at(&WL, at(&RL42, ril)), 18432, 8);
    lowb.update(dlowt);
    // Higher sub-band.
    let dhigh = (highb.det * at(&QM2, ihigh)) >> 15;
    let rhigh = (dhigh + highb.s).clamp(-16384, 16383);
    highb.adapt_scale(at(&WH, at(&RH2, ihigh)), 22528, 10);
    highb.update(dhigh);
    (rlow, rhigh)
}

/// G.722 as a [`Codec`].
#[derive(Debug, Default)]
pub struct G722Codec {
    encoder: G722Encoder,
    decoder: G722Decoder,
}

impl Codec for G722Codec {
    fn descriptor(&self) -> &'static CodecDescriptor {
        &G722
    }

    /// One byte for two 16 kHz samples (RFC 3551 §4.5.2).
    fn packet_samples(&self, payload: &[u8]) -> Option<usize> {
        Some(payload.len() * 2)
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> usize {
        if out.len() < pcm.len() / 2 {
            return 0;
        }
        self.encoder.encode(pcm, out)
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize {
        self.decoder.decode(payload, out)
    }

    fn conceal(&mut self, out: &mut [i16]) -> usize {
        self.decoder.conceal(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| ((i as f64 * std::f64::consts::TAU * freq / 16000.0).sin() * 8000.0) as i16)
            .collect()
    }

    fn snr_db(reference: &[i16], got: &[i16], delay: usize) -> f64 {
        let (mut sig, mut err) = (0.0f64, 0.0f64);
        for (&r, &g) in reference.iter().zip(got.iter().skip(delay)) {
            sig += f64::from(r).powi(2);
            err += (f64::from(r) - f64::from(g)).powi(2);
        }
        10.0 * (sig / err.max(1.0)).log10()
    }

    /// Tones in both sub-bands come back through encoder and decoder with the QMF pair's
    /// 23-sample delay and a high signal-to-noise ratio.
    #[test]
    fn tones_in_both_subbands_round_trip() {
        for freq in [300.0, 1000.0, 3000.0, 5000.0, 6500.0] {
            let pcm = tone(freq, 16000);
            let mut enc = G722Encoder::default();
            let mut dec = G722Decoder::default();
            let mut coded = vec![0u8; pcm.len() / 2];
            assert_eq!(enc.encode(&pcm, &mut coded), 8000);
            let mut back = vec![0i16; pcm.len()];
            assert_eq!(dec.decode(&coded, &mut back), 16000);
            let snr = snr_db(&pcm[2000..14000], &back[2000..], 22);
            assert!(snr > 20.0, "{freq} Hz: SNR {snr:.1} dB");
        }
    }

    #[test]
    fn concealment_continues_then_recovers() {
        let pcm = tone(440.0, 16000);
        let mut codec = G722Codec::default();
        let mut coded = [0u8; 160];
        let mut out = vec![0i16; 16000];
        for (i, (frame, o)) in pcm.chunks(320).zip(out.chunks_mut(320)).enumerate() {
            let n = codec.encode(frame, &mut coded);
            if i == 20 {
                assert_eq!(codec.conceal(o), 320);
            } else {
                assert_eq!(codec.decode(&coded[..n], o), 320);
            }
        }
        let lost = &out[20 * 320..21 * 320];
        let energy =
            |s: &[i16]| s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / s.len() as f64;
        let before = energy(&out[19 * 320..20 * 320]);
        assert!(energy(lost) > before * 0.2, "the gap is filled, not silent");
        assert!(snr_db(&pcm[30 * 320..40 * 320], &out[30 * 320..], 22) > 20.0, "recovered");
    }
}
