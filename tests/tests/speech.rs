//! Two Earshot media engines on loopback UDP talk to each other with espeak-ng speech,
//! both ways at once, for each codec: what arrives must be as loud as what was sent,
//! follow it closely (waveform codecs), and score on PESQ (ITU-T P.862: narrowband for
//! PCMU, wideband for G.722 and Opus) within a small margin of what the codec alone
//! scores on the same speech — the transport (jitter buffer, loop, sockets) may cost
//! little. The codec's own score is measured here too, by coding the speech directly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::any::Any;
use std::net::UdpSocket;
use std::time::Duration;

use earshot_engine::media::codec;
use earshot_engine::media::device::write_wav;
use earshot_engine::media::device::{BufferSource, CaptureSink};
use earshot_engine::media::leg::{Leg, LegConfig};
use earshot_engine::media::media_loop::{self, Command, LegSetup, Report};
use earshot_engine::media::mix::{MixPlan, MonitorMode};
use earshot_tests::speech::{level_db, pesq, pesq_by_phrase, say, windowed_correlation};

const ALICE: &str = "Thank you for calling. Your account number is four seven two nine. \
                     How can I help you today?";
const BOB: &str = "Hello, I would like to change the address on my last order, please.";

struct Heard {
    sent: Vec<i16>,
    got: Vec<i16>,
}

/// A calls B and both speak at once for the length of the longer sentence plus a second.
fn converse(codec: &str, pt: u8, rate: u32) -> (Heard, Heard) {
    let frame = (rate / 50) as usize;
    // Each side is quiet for the first 600 ms, as on a real call before the greeting:
    // the jitter buffer settles its start-up delay there. A delay change in the middle
    // of the first words is what a real transport avoids, and P.862's alignment also
    // scores it harshly when the first utterance is short.
    let lead_in = |pcm: Vec<i16>| [vec![0i16; rate as usize * 6 / 10], pcm].concat();
    let (a_says, b_says) = (lead_in(say(ALICE, "en-us", rate)), lead_in(say(BOB, "en-gb", rate)));
    let seconds = a_says.len().max(b_says.len()) as f64 / f64::from(rate) + 1.0;
    let capacity = (seconds * f64::from(rate)) as usize + rate as usize;
    let sa = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sb = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (aa, ab) = (sa.local_addr().unwrap(), sb.local_addr().unwrap());
    let start = |says: &[i16]| {
        media_loop::start(
            Box::new(BufferSource::new(says.to_vec())),
            Box::new(CaptureSink::with_capacity(capacity)),
            frame,
            20,
        )
        .unwrap()
    };
    let leg = |ssrc| {
        Leg::new(LegConfig {
            codec: codec.into(),
            fmtp: None,
            payload_type: pt,
            telephone_event: Some(101),
            ptime_ms: 20,
            ssrc,
            max_delay_ms: 300,
        })
        .unwrap()
    };
    let (mut a, mut b) = (start(&a_says), start(&b_says));
    for (l, id) in [(&mut a, 0xA), (&mut b, 0xB)] {
        l.send(Command::SetPlan(Box::new(MixPlan::agent(MonitorMode::None, false)))).unwrap();
        let _ = id;
    }
    a.send(Command::AddLeg(LegSetup::new(1, leg(0xA), sa, ab).unwrap())).unwrap();
    b.send(Command::AddLeg(LegSetup::new(1, leg(0xB), sb, aa).unwrap())).unwrap();
    let end = std::time::Instant::now() + Duration::from_secs_f64(seconds);
    let (mut stats_a, mut stats_b) = (None, None);
    while std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
        for (h, last) in [(&mut a, &mut stats_a), (&mut b, &mut stats_b)] {
            while let Some(r) = h.poll_report() {
                if let Report::Stats(_, s) = r {
                    *last = Some(s);
                }
            }
        }
    }
    for (who, s) in [("A", stats_a), ("B", stats_b)] {
        let s = s.expect("stats reported");
        let j = s.jitter_buffer;
        eprintln!(
            "{codec} {who} receives: jitter {:.1} ms, jitter buffer {} ms (target {}), lost {}, late {}, dropped {}, stretched {}, underflows {}, concealed {} ms, compressed {} ms, silence cut {} ms",
            s.jitter_ms,
            j.delay_ms,
            j.target_ms,
            j.lost,
            j.late,
            j.dropped,
            j.stretched,
            j.underflow,
            s.concealed_ms,
            s.compressed_ms,
            s.silence_cut_ms
        );
    }
    let captured = |h: media_loop::MediaHandle| {
        let (_, sink) = h.stop().unwrap();
        (sink as Box<dyn Any>).downcast::<CaptureSink>().unwrap().into_samples()
    };
    let (a_heard, b_heard) = (captured(a), captured(b));
    (Heard { sent: a_says, got: b_heard }, Heard { sent: b_says, got: a_heard })
}

/// The speech through the codec alone, frame by frame, with no network.
fn coded_directly(codec_name: &str, pcm: &[i16], rate: u32) -> Vec<i16> {
    let mut c = codec::create(codec_name).unwrap();
    let frame = (rate / 50) as usize;
    let (mut bytes, mut out, mut decoded) = ([0u8; 1500], Vec::new(), vec![0i16; frame]);
    for f in pcm.chunks_exact(frame) {
        let n = c.encode(f, &mut bytes);
        c.decode(&bytes[..n], &mut decoded);
        out.extend_from_slice(&decoded);
    }
    out
}

/// How much PESQ the transport may cost against the codec alone (a frame inserted or
/// dropped by the jitter buffer when the test machine stalls a loop costs about 0.1).
const TRANSPORT_MARGIN: f64 = 0.3;

fn check(codec: &str, pt: u8, rate: u32, floor: f64, waveform: bool) {
    let (ab, ba) = converse(codec, pt, rate);
    for (dir, h) in [("A→B", &ab), ("B→A", &ba)] {
        let direct = coded_directly(codec, &h.sent, rate);
        let ceiling = pesq(&h.sent[..direct.len()], &direct, rate);
        // EARSHOT_SPEECH_DUMP=DIR keeps what was sent and heard, to listen to.
        if let Some(out) = std::env::var_os("EARSHOT_SPEECH_DUMP") {
            let out = std::path::PathBuf::from(out);
            let name = if dir == "A→B" { "a-to-b" } else { "b-to-a" };
            write_wav(&out.join(format!("{codec}-{name}-sent.wav")), rate, 1, &h.sent).unwrap();
            write_wav(&out.join(format!("{codec}-{name}-heard.wav")), rate, 1, &h.got).unwrap();
        }
        let level = level_db(&h.sent, &h.got);
        // Scored phrase by phrase: the jitter buffer may move the delay in a pause.
        let score = pesq_by_phrase(&h.sent, &h.got, rate, 300);
        let whole = pesq(&h.sent, &h.got, rate);
        eprintln!(
            "{codec} {dir}: PESQ {score:.2} by phrase ({whole:.2} as a whole; codec alone \
             {ceiling:.2}), level {level:+.2} dB"
        );
        assert!(level.abs() < 1.0, "{codec} {dir}: level {level:+.2} dB");
        assert!(
            score >= ceiling - TRANSPORT_MARGIN && score >= floor,
            "{codec} {dir}: PESQ {score:.2}, codec alone {ceiling:.2}, floor {floor}"
        );
        // Opus keeps the sound, not the waveform: correlation only means something for
        // the waveform coders.
        if waveform {
            let (corr, lag) = windowed_correlation(&h.sent, &h.got, rate, rate as usize / 10);
            let delay_ms = lag as f64 * 1000.0 / f64::from(rate);
            eprintln!("{codec} {dir}: correlation {corr:.4}, delay {delay_ms:.1} ms");
            assert!(corr > 0.95, "{codec} {dir}: correlation {corr:.4}");
        }
    }
}

#[test]
fn pcmu_speech_both_ways() {
    check("PCMU", 0, 8000, 3.8, true);
}

#[test]
fn g722_speech_both_ways() {
    check("G722", 9, 16000, 2.9, true);
}

#[test]
fn opus_speech_both_ways() {
    check("opus", 111, 48000, 3.6, false);
}
