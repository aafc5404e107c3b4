//! Opus (RFC 6716, RTP per RFC 7587) through libopus: mono, VoIP mode, in-band FEC on and
//! used to rebuild a lost packet from the next one, DTX optional, the packet-loss hint fed
//! in from the measured loss, the bitrate from fmtp.

use opus::{Application, Bitrate, Channels, Decoder, Encoder};

use super::{Codec, CodecDescriptor};

pub(crate) static OPUS: CodecDescriptor = CodecDescriptor {
    name: "opus",
    static_payload_type: None,
    clock_rate: 48000,
    sample_rate: 48000,
    channels: 1,
};

/// Bits per second sent when the peer names no `maxaveragebitrate`.
pub const DEFAULT_BITRATE: i32 = 48000;

/// The loss (percent) protected against until the peer's first RTCP report says how
/// lossy the path is: a loss in the first seconds of a call is rebuilt, not guessed.
const UNKNOWN_PATH_LOSS_PCT: i32 = 5;

/// How the peer asked us to send Opus: its `a=fmtp` parameters (RFC 7587 §6.1), which
/// describe what its decoder wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusParams {
    /// `maxaveragebitrate`, bits/s (6000–510000).
    pub bitrate: i32,
    /// `usedtx=1`: the peer accepts discontinuous transmission.
    pub dtx: bool,
    /// `useinbandfec=1`: the peer's decoder uses in-band FEC, so spend bits on it.
    pub fec: bool,
    /// `maxplaybackrate`, Hz: no point encoding a wider band than the peer plays.
    pub max_playback_rate: u32,
}

impl Default for OpusParams {
    /// What Earshot offers itself: 48 kbit/s, FEC, no DTX, full band. 48 kbit/s (about
    /// 43 kbit/s of VBR speech, less than G.711's 64) is where Opus alone reaches PESQ-WB
    /// 4.37 on the benchmark's speech, and 4.12 at 3 % loss with in-band FEC; 32 kbit/s
    /// gives 4.11 and 3.62 (measured with `benches/examples/opus_ceiling.rs`).
    fn default() -> Self {
        OpusParams { bitrate: DEFAULT_BITRATE, dtx: false, fec: true, max_playback_rate: 48000 }
    }
}

impl OpusParams {
    /// Reads an fmtp value such as `maxaveragebitrate=24000;useinbandfec=1`. Parameters
    /// that are absent take the RFC 7587 §6.1 defaults (no FEC, no DTX, 48 kHz playback);
    /// the bitrate, which the RFC leaves to the encoder, stays at our default. Unknown or
    /// malformed parameters are ignored, as the RFC asks.
    pub fn from_fmtp(fmtp: &str) -> OpusParams {
        let mut p = OpusParams { fec: false, ..OpusParams::default() };
        for param in fmtp.split(';') {
            let Some((key, value)) = param.split_once('=') else { continue };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "maxaveragebitrate" => {
                    if let Ok(b) = value.parse::<i32>() {
                        p.bitrate = b.clamp(6000, 510_000);
                    }
                }
                "usedtx" => p.dtx = value == "1",
                "useinbandfec" => p.fec = value == "1",
                "maxplaybackrate" => {
                    if let Ok(r) = value.parse::<u32>() {
                        p.max_playback_rate = r.clamp(8000, 48000);
                    }
                }
                _ => {}
            }
        }
        p
    }

    /// The fmtp Earshot offers for these parameters (what our decoder wants).
    pub fn to_fmtp(&self) -> String {
        format!(
            "maxaveragebitrate={};useinbandfec={};usedtx={};maxplaybackrate={}",
            self.bitrate,
            u8::from(self.fec),
            u8::from(self.dtx),
            self.max_playback_rate
        )
    }
}

/// Opus encoder and decoder for one leg.
pub struct Opus {
    encoder: Encoder,
    decoder: Decoder,
}

impl std::fmt::Debug for Opus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opus")
    }
}

impl Opus {
    /// An Opus codec at `bitrate` bits/s with in-band FEC, DTX as asked.
    pub fn new(bitrate: i32, dtx: bool) -> Option<Opus> {
        Opus::with_params(OpusParams { bitrate, dtx, ..OpusParams::default() })
    }

    /// An Opus codec that sends as the peer's fmtp parameters ask.
    pub fn with_params(params: OpusParams) -> Option<Opus> {
        let mut encoder = Encoder::new(48000, Channels::Mono, Application::Voip).ok()?;
        encoder.set_complexity(10).ok()?;
        encoder.set_bitrate(Bitrate::Bits(params.bitrate.clamp(6000, 510_000))).ok()?;
        encoder.set_inband_fec(params.fec).ok()?;
        encoder.set_packet_loss_perc(UNKNOWN_PATH_LOSS_PCT).ok()?;
        encoder.set_dtx(params.dtx).ok()?;
        let band = match params.max_playback_rate {
            0..=8000 => opus::Bandwidth::Narrowband,
            8001..=12000 => opus::Bandwidth::Mediumband,
            12001..=16000 => opus::Bandwidth::Wideband,
            16001..=24000 => opus::Bandwidth::Superwideband,
            _ => opus::Bandwidth::Fullband,
        };
        encoder.set_max_bandwidth(band).ok()?;
        let decoder = Decoder::new(48000, Channels::Mono).ok()?;
        Some(Opus { encoder, decoder })
    }
}

impl Codec for Opus {
    fn descriptor(&self) -> &'static CodecDescriptor {
        &OPUS
    }

    /// How much loss the encoder protects against with in-band FEC (RFC 6716 §2.1.7).
    /// Until the first report it protects against 5 %; on a path reported clean (0 %)
    /// libopus sends no redundancy and every bit goes to the speech (measured at
    /// 48 kbit/s: PESQ-WB 4.27 → 4.37); once the peer reports any loss, at least 5 % is
    /// protected, so that the next burst is covered too.
    fn set_loss_hint(&mut self, percent: u8) {
        let protect = if percent == 0 { 0 } else { percent.clamp(5, 100) };
        let _ = self.encoder.set_packet_loss_perc(i32::from(protect));
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> usize {
        self.encoder.encode(pcm, out).unwrap_or(0)
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize {
        match self.decoder.decode(payload, out, false) {
            Ok(n) => n,
            Err(_) => self.conceal(out),
        }
    }

    fn conceal(&mut self, out: &mut [i16]) -> usize {
        // An empty packet asks libopus for its own concealment.
        self.decoder.decode(&[], out, false).unwrap_or_else(|_| {
            out.fill(0);
            out.len()
        })
    }

    fn has_inband_fec(&self) -> bool {
        true
    }

    /// The TOC byte and frame count say (RFC 6716 §3.1).
    fn packet_samples(&self, payload: &[u8]) -> Option<usize> {
        opus::packet::get_nb_samples(payload, 48000).ok()
    }

    /// The frame sizes libopus encodes that make sense for RTP (2.5 and 5 ms cost more in
    /// headers than they save in delay).
    fn packet_times(&self) -> &'static [u32] {
        &[10, 20, 40, 60]
    }

    fn recover(&mut self, next_payload: &[u8], out: &mut [i16]) -> usize {
        // The next packet carries a low-bitrate copy of this one (in-band FEC).
        match self.decoder.decode(next_payload, out, true) {
            Ok(n) => n,
            Err(_) => self.conceal(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmtp_parameters_follow_rfc_7587() {
        let p = OpusParams::from_fmtp("maxaveragebitrate=24000; useinbandfec=1;usedtx=1");
        assert_eq!(
            p,
            OpusParams { bitrate: 24000, dtx: true, fec: true, max_playback_rate: 48000 }
        );
        // Absent parameters take the RFC defaults; junk is ignored; limits are enforced.
        let p = OpusParams::from_fmtp("stereo=1;maxaveragebitrate=9999999;maxplaybackrate=x;;=");
        assert_eq!(p, OpusParams { bitrate: 510_000, dtx: false, fec: false, ..p });
        assert_eq!(OpusParams::from_fmtp("maxplaybackrate=16000").max_playback_rate, 16000);
        // What we offer reads back the same.
        let ours = OpusParams::default();
        assert_eq!(OpusParams::from_fmtp(&ours.to_fmtp()), ours);
    }

    /// A voiced, gliding signal at 48 kHz (harmonics of 120–160 Hz under a slow swell).
    fn voiced(seconds: f64) -> Vec<i16> {
        let mut phase = 0.0f64;
        (0..(seconds * 48000.0) as usize)
            .map(|i| {
                let t = i as f64 / 48000.0;
                phase += std::f64::consts::TAU * (140.0 + 20.0 * (t * 3.0).sin()) / 48000.0;
                let v: f64 = (1..=6).map(|h| (phase * f64::from(h)).sin() / f64::from(h)).sum();
                (v * 6000.0 * (0.6 + 0.4 * (t * 5.0).sin())) as i16
            })
            .collect()
    }

    /// How far a lost frame rebuilt from the next packet is from the original, relative to
    /// the original's energy (0: the same; 1: as far as silence), after `hint` was set
    /// (`None`: not set, as before the first RTCP report).
    fn rebuild_error(hint: Option<u8>) -> f64 {
        let mut c = Opus::with_params(OpusParams::default()).expect("opus");
        if let Some(h) = hint {
            c.set_loss_hint(h);
        }
        // Silence, then a voice starting in the frame that is lost: concealment can only
        // continue the silence, the redundant copy in the next packet has the onset.
        let lost = 30;
        let mut pcm = vec![0i16; lost * 960];
        pcm.extend(voiced(0.4));
        let packets: Vec<Vec<u8>> = pcm
            .chunks_exact(960)
            .map(|f| {
                let mut b = [0u8; 1500];
                let n = c.encode(f, &mut b);
                b.get(..n).unwrap_or(&[]).to_vec()
            })
            .collect();
        let mut out = [0i16; 960];
        for p in packets.iter().take(lost) {
            c.decode(p, &mut out);
        }
        c.recover(packets.get(lost + 1).expect("next"), &mut out);
        // Opus delays its output by a few ms: score against the best-aligned original.
        let orig_at = |lag: usize| pcm.get(lost * 960 - lag..(lost + 1) * 960 - lag).unwrap_or(&[]);
        (0..=480)
            .map(|lag| {
                let o = orig_at(lag);
                let err: f64 =
                    o.iter().zip(&out).map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2)).sum();
                let energy: f64 = o.iter().map(|a| f64::from(*a).powi(2)).sum();
                err / energy.max(1.0)
            })
            .fold(f64::MAX, f64::min)
    }

    /// Until the first RTCP report the encoder protects its packets: a lost one is rebuilt
    /// from the next far better than guessed; once the path is reported clean it stops.
    #[test]
    fn fec_protects_from_the_first_packet_until_the_path_is_clean() {
        let (unknown, clean) = (rebuild_error(None), rebuild_error(Some(0)));
        eprintln!(
            "rebuilt frame error: {unknown:.3} before any report, {clean:.3} on a clean path"
        );
        assert!(unknown < 0.5, "{unknown}");
        assert!(clean > 0.9, "{clean}");
    }

    #[test]
    fn bitrate_from_fmtp_sets_packet_size() {
        // 20 ms of a loud tone: a 12 kbit/s stream packs about 30 bytes, 64 kbit/s about 160.
        let pcm: Vec<i16> = (0..960).map(|i| (8000.0 * (i as f32 * 0.0523).sin()) as i16).collect();
        let size = |fmtp: &str| {
            let mut c = Opus::with_params(OpusParams::from_fmtp(fmtp)).expect("opus");
            let mut out = [0u8; 1500];
            (0..10).map(|_| c.encode(&pcm, &mut out)).last().unwrap_or(0)
        };
        let (low, high) = (size("maxaveragebitrate=12000"), size("maxaveragebitrate=64000"));
        assert!(low < 45 && high > 110, "12 kbit/s: {low} bytes, 64 kbit/s: {high} bytes");
    }
}
