//! One remote party's media (a "leg", DESIGN.md §2): RTP in through the jitter buffer and
//! the decoder, RTP out from the encoder, RFC 4733 digits both ways, and the leg's
//! statistics. Built off the real-time thread; `receive`, `play` and `send` never allocate.

use super::codec::{self, Codec, DtmfReceiver, DtmfSender};
use super::jitter::{JitterBuffer, JitterStats, MAX_PACKET_MS, PlayoutQueue, Pull, Shed};
use super::level::{PauseDetector, rms_at_most};
use super::quality::{Impairment, mos_from_r, r_factor};
use super::rtp::{self, ReceiveStats, SeqVerdict};

/// What a leg is set up with (from the negotiated SDP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegConfig {
    /// Codec name as in rtpmap (PCMU, PCMA, …) and its payload type.
    pub codec: String,
    pub payload_type: u8,
    /// The peer's `a=fmtp` for the codec (Opus: bitrate, FEC, DTX; RFC 7587 §6.1).
    pub fmtp: Option<String>,
    /// telephone-event payload type, if negotiated.
    pub telephone_event: Option<u8>,
    pub ptime_ms: u32,
    pub ssrc: u32,
    /// Upper bound of the jitter buffer's delay.
    pub max_delay_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegError {
    #[error("codec {0} is not available")]
    UnknownCodec(String),
}

/// What `play` produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playout {
    Decoded,
    Concealed,
    Silence,
}

/// The figures a leg publishes (DESIGN.md: per-leg stats).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LegStats {
    pub packets_received: u64,
    pub packets_sent: u64,
    /// Payload octets sent and the RTP timestamp of the last packet (for an RTCP SR).
    pub octets_sent: u64,
    pub last_rtp_time: u32,
    /// The peer's SSRC, its extended highest sequence number, packets expected and
    /// received, and the jitter in RTP units (for an RTCP report block).
    pub remote_ssrc: Option<u32>,
    pub extended_max_seq: u32,
    pub expected: u32,
    pub received: u32,
    pub jitter_rtp: u32,
    /// Cumulative loss by sequence numbers (RFC 3550 A.3).
    pub lost: i64,
    pub loss_pct: f64,
    /// Interarrival jitter in ms (RFC 3550 A.8).
    pub jitter_ms: f64,
    pub jitter_buffer: JitterStats,
    /// Milliseconds of audio concealed.
    pub concealed_ms: u64,
    /// Lost frames rebuilt from the next packet (Opus in-band FEC), part of the above.
    pub recovered: u64,
    /// Milliseconds of speech taken out by time compression (delay shed in speech) and of
    /// silence cut in pauses.
    pub compressed_ms: u64,
    pub silence_cut_ms: u64,
    /// Datagrams dropped as malformed or of an unexpected payload type.
    pub dropped: u64,
    /// Round-trip time from RTCP, when known.
    pub rtt_ms: Option<f64>,
    /// The peer's loss of our stream last given to the codec (percent, from RTCP).
    pub loss_hint_pct: u8,
    /// E-model MOS estimate (G.107) from delay and loss.
    pub mos: f64,
}

pub struct Leg {
    codec: Box<dyn Codec>,
    config: LegConfig,
    /// Samples in a packet we send (the negotiated packet time), and in the packets the
    /// peer sends (whatever it really sends: it follows them).
    send_frame: usize,
    receive_frame: usize,
    /// Samples in a millisecond at the codec's rate.
    per_ms: usize,
    /// Samples handed to the card so far: the playout clock the jitter buffer times
    /// arrivals on.
    played_samples: u64,
    /// Microphone audio not yet sent: packets longer than the loop's frame wait here.
    mic: Vec<i16>,
    mic_len: usize,
    clock_per_ms: u32,
    seq: u16,
    timestamp: u32,
    first_packet: bool,
    jitter: JitterBuffer,
    /// Decoded audio not played yet: where delay is shed without a click.
    queue: PlayoutQueue,
    recv: Option<(u32, ReceiveStats)>,
    dtmf_rx: DtmfReceiver,
    dtmf_tx: Option<DtmfSender>,
    encoded: [u8; 1280],
    packet: [u8; 1500],
    stats: LegStats,
    /// The quiet stretches of what is played: where silence may be cut unheard.
    pause: PauseDetector,
}

impl std::fmt::Debug for Leg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leg").field("config", &self.config).field("stats", &self.stats).finish()
    }
}

impl Leg {
    pub fn new(config: LegConfig) -> Result<Leg, LegError> {
        let codec = codec::create_with_fmtp(&config.codec, config.fmtp.as_deref())
            .ok_or_else(|| LegError::UnknownCodec(config.codec.clone()))?;
        let d = codec.descriptor();
        let clock_per_ms = d.clock_rate / 1000;
        let mut config = config;
        config.ptime_ms = codec::packet_time_ms(&*codec, config.ptime_ms);
        let per_ms = (d.sample_rate / 1000).max(1) as usize;
        let frame = per_ms * config.ptime_ms as usize;
        let mut jitter = JitterBuffer::new(config.ptime_ms, d.clock_rate, config.max_delay_ms);
        jitter.set_fec(codec.has_inband_fec());
        Ok(Leg {
            jitter,
            queue: PlayoutQueue::new(d.sample_rate),
            codec,
            send_frame: frame,
            receive_frame: frame,
            per_ms,
            played_samples: 0,
            // A packet's worth, and up to the longest loop frame (MAX_PACKET_MS) arriving
            // before it is complete.
            mic: vec![0; frame + per_ms * MAX_PACKET_MS],
            mic_len: 0,
            clock_per_ms,
            seq: (config.ssrc >> 8) as u16,
            timestamp: config.ssrc.rotate_left(13),
            first_packet: true,
            recv: None,
            dtmf_rx: DtmfReceiver::default(),
            dtmf_tx: None,
            encoded: [0; 1280],
            packet: [0; 1500],
            stats: LegStats::default(),
            config,
            pause: PauseDetector::default(),
        })
    }

    /// Our SSRC on this leg.
    pub fn ssrc(&self) -> u32 {
        self.config.ssrc
    }

    /// Samples per packet sent (the packet time in use, which may differ from the loop's
    /// frame: [`Leg::send`] and [`Leg::play`] take frames of any length).
    pub fn frame_samples(&self) -> usize {
        self.send_frame
    }

    /// The codec's sample rate: what [`Leg::play`] produces and [`Leg::send`] takes.
    pub fn sample_rate(&self) -> u32 {
        self.codec.descriptor().sample_rate
    }

    /// The packet time we send with, in ms.
    pub fn ptime_ms(&self) -> u32 {
        self.config.ptime_ms
    }

    /// An RTP datagram from the peer arrived at `now_us` (a monotonic µs clock, the one
    /// [`Leg::play`] gets); returns a DTMF digit when one starts. Malformed packets and
    /// unknown payload types are counted and dropped.
    pub fn receive(&mut self, datagram: &[u8], now_us: u64) -> Option<char> {
        let Ok(p) = rtp::parse(datagram) else {
            self.stats.dropped += 1;
            return None;
        };
        let payload = p.payload(datagram);
        let event = Some(p.payload_type) == self.config.telephone_event;
        if !event && p.payload_type != self.config.payload_type {
            self.stats.dropped += 1;
            return None;
        }
        let stats = match &mut self.recv {
            Some((ssrc, s)) if *ssrc == p.ssrc => s,
            _ => {
                // A new source (or the first): restart the bookkeeping.
                self.recv = Some((p.ssrc, ReceiveStats::new(p.sequence)));
                &mut self.recv.as_mut()?.1
            }
        };
        if matches!(stats.update_seq(p.sequence), SeqVerdict::Jump) {
            self.stats.dropped += 1;
            return None;
        }
        if event {
            // RFC 4733 §2.5.1: events take the audio's place in the stream; their
            // sequence numbers play as silence, not as losses to conceal. Their
            // timestamps stay at the event's start, so they say nothing about jitter.
            self.stats.packets_received += 1;
            self.jitter.push_filler(p.sequence, p.timestamp);
            return self.dtmf_rx.receive(p.timestamp, payload);
        }
        // RFC 3550 A.8: the arrival time in RTP timestamp units.
        let arrival = (u128::from(now_us) * u128::from(self.clock_per_ms) / 1000) as u32;
        stats.update_jitter(p.timestamp, arrival);
        self.stats.packets_received += 1;
        self.follow_packet_size(payload);
        self.jitter.push(p.sequence, p.timestamp, payload);
        None
    }

    /// A packet that holds another whole number of milliseconds (10–60) than the ones
    /// before: the peer changed its packet time (or never used the one asked for). The
    /// jitter buffer times itself in the new size; nothing is allocated.
    fn follow_packet_size(&mut self, payload: &[u8]) {
        let Some(samples) = self.codec.packet_samples(payload) else { return };
        if samples == self.receive_frame || samples % self.per_ms != 0 {
            return;
        }
        let ms = samples / self.per_ms;
        if (10..=MAX_PACKET_MS).contains(&ms) {
            self.receive_frame = samples;
            self.jitter.set_frame_ms(ms as u32);
        }
    }

    /// Fills `out` (any length; the loop's frame) with what to play at `now_us`, decoding
    /// as many packets as that takes. When the jitter buffer holds too much, the next
    /// packet is decoded as well and the delay shed without a click: in a pause (quiet for
    /// [`PAUSE_AFTER_MS`](super::level::PAUSE_AFTER_MS)) a packet's worth of silence is cut; when the excess is large or has
    /// lasted, speech is time-compressed (10–20 ms at a time, cross-faded at a
    /// pitch-multiple lag). What is decoded beyond `out` waits for the next call.
    pub fn play(&mut self, out: &mut [i16]) -> Playout {
        let mut playout = Playout::Decoded;
        while self.queue.len() < out.len() {
            self.jitter.set_in_pause(self.pause.in_pause());
            // The audio pulled now starts playing once what is queued has played: on the
            // card's clock, what it has played so far plus the queue.
            let queued = self.played_samples + self.queue.len() as u64;
            let pull = self.jitter.pull_at(queued * 1000 / self.per_ms as u64);
            let frame = self.receive_frame;
            let Some(slot) = self.queue.reserve(frame) else { break };
            let (kind, written) = play_pull(&mut *self.codec, &mut self.stats, pull, slot);
            let quiet = is_quiet(slot.get(..written).unwrap_or(&[]));
            self.queue.unreserve(frame - written.min(frame));
            playout = kind;
            let in_pause = self.pause.next(quiet, (written / self.per_ms) as u32);
            if kind == Playout::Decoded {
                let shed = self.jitter.shed();
                if shed == Shed::Now || (shed == Shed::IfQuiet && in_pause) {
                    playout = self.shed_delay(in_pause, written);
                }
            }
        }
        self.queue.pop_frame(out);
        self.played_samples += out.len() as u64;
        playout
    }

    /// Takes the packet after the one just queued (`just_queued` samples) from the jitter
    /// buffer and shortens the queue by about a packet: a cut in a pause, time
    /// compression in speech.
    fn shed_delay(&mut self, in_pause: bool, just_queued: usize) -> Playout {
        let keep = self.queue.len() - just_queued;
        let next = self.jitter.skip();
        let frame = self.receive_frame;
        let Some(slot) = self.queue.reserve(frame) else { return Playout::Decoded };
        let (playout, written) = play_pull(&mut *self.codec, &mut self.stats, next, slot);
        self.queue.unreserve(frame - written.min(frame));
        if in_pause {
            let cut = self.queue.cut(keep, just_queued);
            self.stats.silence_cut_ms += (cut / self.per_ms) as u64;
            return playout;
        }
        // Lags of 10–20 ms cover two or more pitch periods of any voice; shorter packets
        // are compressed by at most their own length.
        let max_lag = (20 * self.per_ms).min(just_queued);
        let mut removed = 0;
        while removed + max_lag / 2 < just_queued {
            let r = self.queue.compress(max_lag / 2, max_lag);
            if r == 0 {
                break;
            }
            removed += r;
        }
        self.stats.compressed_ms += (removed / self.per_ms) as u64;
        playout
    }

    /// The loss the peer reports for our stream, in percent (from RTCP): the codec's
    /// redundancy follows it (Opus in-band FEC).
    pub fn set_loss_hint(&mut self, percent: u8) {
        self.codec.set_loss_hint(percent);
        self.stats.loss_hint_pct = percent;
    }

    /// Starts sending a DTMF digit (RFC 4733) for `duration_ms`; audio packets pause.
    pub fn send_dtmf(&mut self, digit: char, duration_ms: u32) -> bool {
        let step = (self.config.ptime_ms * self.clock_per_ms) as u16;
        let dur = (duration_ms * self.clock_per_ms).min(u32::from(u16::MAX)) as u16;
        match (self.config.telephone_event, DtmfSender::new(digit, self.timestamp, dur, step)) {
            (Some(_), Some(s)) => {
                self.dtmf_tx = Some(s);
                true
            }
            _ => false,
        }
    }

    /// Takes this tick's microphone frame (any length); the packets it completes come
    /// from [`Leg::next_packet`].
    pub fn send(&mut self, pcm: &[i16]) {
        let room = self.mic.len() - self.mic_len;
        if pcm.len() > room {
            // More than a packet behind: the oldest audio goes (cannot happen while the
            // caller takes the packets).
            let excess = pcm.len() - room;
            self.mic.copy_within(excess.min(self.mic_len)..self.mic_len, 0);
            self.mic_len -= excess.min(self.mic_len);
        }
        let n = pcm.len().min(self.mic.len() - self.mic_len);
        if let Some(dst) = self.mic.get_mut(self.mic_len..self.mic_len + n) {
            dst.copy_from_slice(pcm.get(..n).unwrap_or(&[]));
            self.mic_len += n;
        }
    }

    /// The next RTP packet to send, once a packet time of microphone audio has been
    /// given to [`Leg::send`] (a telephone-event packet instead while a digit is being
    /// sent); `None` until then.
    pub fn next_packet(&mut self) -> Option<&[u8]> {
        if self.mic_len < self.send_frame {
            return None;
        }
        let step = self.config.ptime_ms * self.clock_per_ms;
        // Media time moves on every packet, digit or not (RFC 4733 §2.5.1).
        let now_ts = self.timestamp;
        self.timestamp = self.timestamp.wrapping_add(step);
        let event = match (self.config.telephone_event, self.dtmf_tx.as_mut()) {
            (Some(te), Some(tx)) => tx.next_packet().map(|ev| (te, ev)),
            _ => None,
        };
        let (pt, marker, ts, len) = match event {
            Some((te, ev)) => {
                if let Some(dst) = self.encoded.get_mut(..4) {
                    dst.copy_from_slice(&ev.payload);
                }
                (te, ev.marker, ev.timestamp, 4)
            }
            None => {
                self.dtmf_tx = None;
                let pcm = self.mic.get(..self.send_frame).unwrap_or(&[]);
                let n = self.codec.encode(pcm, &mut self.encoded);
                (self.config.payload_type, std::mem::take(&mut self.first_packet), now_ts, n)
            }
        };
        self.mic.copy_within(self.send_frame..self.mic_len, 0);
        self.mic_len -= self.send_frame;
        self.seq = self.seq.wrapping_add(1);
        self.stats.packets_sent += 1;
        self.stats.octets_sent += len as u64;
        self.stats.last_rtp_time = ts;
        let payload = self.encoded.get(..len).unwrap_or(&[]);
        match rtp::write(pt, marker, self.seq, ts, self.config.ssrc, payload, &mut self.packet) {
            Ok(n) => self.packet.get(..n),
            Err(_) => None,
        }
    }

    /// The leg's figures now; `delay_ms` is the one-way delay to rate quality with.
    pub fn stats(&self, delay_ms: f64) -> LegStats {
        let mut s = self.stats;
        if let Some((ssrc, r)) = &self.recv {
            s.remote_ssrc = Some(*ssrc);
            s.extended_max_seq = r.extended_max();
            s.expected = r.expected();
            s.received = r.received();
            s.jitter_rtp = r.jitter();
            s.lost = r.lost();
            let expected = f64::from(r.expected().max(1));
            s.loss_pct = (r.lost().max(0) as f64 * 100.0 / expected).min(100.0);
            s.jitter_ms = f64::from(r.jitter()) / f64::from(self.clock_per_ms.max(1));
        }
        s.jitter_buffer = self.jitter.stats();
        let total_delay = delay_ms + f64::from(s.jitter_buffer.delay_ms);
        s.mos = mos_from_r(r_factor(total_delay, s.loss_pct, 1.0, Impairment::G711_PLC));
        s
    }
}

/// Below about −45 dBFS RMS: a pause between words, where a dropped frame goes unheard.
fn is_quiet(frame: &[i16]) -> bool {
    rms_at_most(frame, 180)
}

/// Decodes, conceals or silences one pulled frame into `out`; returns what it was and how
/// many samples it wrote.
fn play_pull(
    codec: &mut dyn Codec,
    stats: &mut LegStats,
    pull: Pull<'_>,
    out: &mut [i16],
) -> (Playout, usize) {
    let frame_ms = (out.len() as u64 * 1000) / u64::from(codec.descriptor().sample_rate.max(1));
    match pull {
        Pull::Frame { payload: [], .. } => {
            // A telephone-event's place in the stream.
            out.fill(0);
            (Playout::Silence, out.len())
        }
        Pull::Frame { payload, .. } => {
            let n = codec.decode(payload, out);
            (Playout::Decoded, n.min(out.len()))
        }
        Pull::Lost { next: Some(next) } => {
            let n = codec.recover(next, out);
            stats.recovered += 1;
            stats.concealed_ms += frame_ms;
            (Playout::Concealed, n.min(out.len()))
        }
        Pull::Lost { next: None } | Pull::Stretch => {
            let n = codec.conceal(out);
            stats.concealed_ms += frame_ms;
            (Playout::Concealed, n.min(out.len()))
        }
        Pull::Idle => {
            out.fill(0);
            (Playout::Silence, out.len())
        }
    }
}
