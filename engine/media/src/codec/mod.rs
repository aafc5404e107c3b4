//! Codecs as small descriptors behind one trait (DESIGN.md §3), registered in one list.

mod dtmf;
mod g711;
mod g722;
mod opus;
mod plc;

pub use dtmf::{DtmfReceiver, DtmfSender, EventPacket, ToneEvent, digit_to_event, event_to_digit};
pub use g711::{G711, Law};
pub use g722::{G722Codec, G722Decoder, G722Encoder};
pub use opus::{DEFAULT_BITRATE as OPUS_DEFAULT_BITRATE, Opus, OpusParams};
pub use plc::G711Plc;

/// What describes a codec to SDP and to the media loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecDescriptor {
    /// The rtpmap encoding name.
    pub name: &'static str,
    /// The RFC 3551 static payload type, if any.
    pub static_payload_type: Option<u8>,
    /// RTP clock rate.
    pub clock_rate: u32,
    /// Audio sample rate of the decoded PCM.
    pub sample_rate: u32,
    pub channels: u8,
}

/// An audio codec. Frames are mono 16-bit PCM at the descriptor's sample rate; no method
/// allocates (DESIGN.md, the real-time rule).
pub trait Codec: Send {
    fn descriptor(&self) -> &'static CodecDescriptor;
    /// Encodes `pcm` into `out`, returning the bytes written (0 if `out` is too small).
    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> usize;
    /// Decodes `payload` into `out`, returning the samples written.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize;
    /// Fills `out` in place of a lost frame, returning the samples written.
    fn conceal(&mut self, out: &mut [i16]) -> usize;
    /// Fills `out` in place of a lost frame when the next packet is already here: codecs
    /// with in-band redundancy (Opus FEC) rebuild the lost frame from it.
    fn recover(&mut self, next_payload: &[u8], out: &mut [i16]) -> usize {
        let _ = next_payload;
        self.conceal(out)
    }
    /// Whether [`Codec::recover`] can rebuild a lost frame from the next packet (in-band
    /// FEC), so that waiting for that packet is worth a frame of delay.
    fn has_inband_fec(&self) -> bool {
        false
    }
    /// How many samples (at the sample rate) `payload` holds, where the packet says so:
    /// a peer may send packets of another duration than it was asked for (RFC 3264 §5:
    /// ptime is only a preference), and the receiver must play them at their length.
    fn packet_samples(&self, payload: &[u8]) -> Option<usize> {
        let _ = payload;
        None
    }
    /// The packet durations (ms) this codec can send.
    fn packet_times(&self) -> &'static [u32] {
        &[10, 20, 30, 40, 50, 60]
    }
    /// The loss the peer reports for our stream (RTCP), in percent: codecs with in-band
    /// redundancy spend more of their bitrate on it as it rises. Others ignore it.
    fn set_loss_hint(&mut self, percent: u8) {
        let _ = percent;
    }
}

/// The packet time to send with: the longest `codec` supports that is no longer than
/// `requested_ms` (the peer's `a=ptime`, already capped by its `a=maxptime`; 0 when it
/// asked for nothing, which means 20 ms); the shortest supported when it asked for less.
pub fn packet_time_ms(codec: &dyn Codec, requested_ms: u32) -> u32 {
    let wanted = if requested_ms == 0 { 20 } else { requested_ms };
    let supported = codec.packet_times();
    supported
        .iter()
        .copied()
        .filter(|&p| p <= wanted)
        .max()
        .or_else(|| supported.iter().copied().min())
        .unwrap_or(20)
}

/// Every codec this build knows, in default preference order.
pub fn registry() -> &'static [&'static CodecDescriptor] {
    static REGISTRY: [&CodecDescriptor; 4] = [&opus::OPUS, &g722::G722, &g711::PCMU, &g711::PCMA];
    &REGISTRY
}

/// A codec instance for a descriptor name (case-insensitive) with Earshot's own defaults,
/// if this build has it.
pub fn create(name: &str) -> Option<Box<dyn Codec>> {
    create_with_fmtp(name, None)
}

/// A codec instance that sends as the peer's `a=fmtp` for it asks (`None`: no fmtp line,
/// Earshot's defaults). Only Opus has parameters that change the encoder.
pub fn create_with_fmtp(name: &str, fmtp: Option<&str>) -> Option<Box<dyn Codec>> {
    match name.to_ascii_uppercase().as_str() {
        "PCMU" => Some(Box::new(G711::new(Law::Mu))),
        "PCMA" => Some(Box::new(G711::new(Law::A))),
        "G722" => Some(Box::new(G722Codec::default())),
        "OPUS" => {
            let params = fmtp.map(OpusParams::from_fmtp).unwrap_or_default();
            Some(Box::new(Opus::with_params(params)?))
        }
        _ => None,
    }
}
