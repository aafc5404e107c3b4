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
    /// An Opus codec at `bitrate` bits/s (fmtp `maxaveragebitrate`, 32 kbit/s by default).
    pub fn new(bitrate: i32, dtx: bool) -> Option<Opus> {
        let mut encoder = Encoder::new(48000, Channels::Mono, Application::Voip).ok()?;
        encoder.set_bitrate(Bitrate::Bits(bitrate.clamp(6000, 510_000))).ok()?;
        encoder.set_inband_fec(true).ok()?;
        encoder.set_packet_loss_perc(5).ok()?;
        encoder.set_dtx(dtx).ok()?;
        let decoder = Decoder::new(48000, Channels::Mono).ok()?;
        Some(Opus { encoder, decoder })
    }
}

impl Codec for Opus {
    fn descriptor(&self) -> &'static CodecDescriptor {
        &OPUS
    }

    /// How much loss the encoder protects against with in-band FEC (RFC 6716 §2.1.7):
    /// never below the 5 % it starts with, so that a first loss burst is covered too.
    fn set_loss_hint(&mut self, percent: u8) {
        let _ = self.encoder.set_packet_loss_perc(i32::from(percent.clamp(5, 100)));
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

    fn recover(&mut self, next_payload: &[u8], out: &mut [i16]) -> usize {
        // The next packet carries a low-bitrate copy of this one (in-band FEC).
        match self.decoder.decode(next_payload, out, true) {
            Ok(n) => n,
            Err(_) => self.conceal(out),
        }
    }
}
