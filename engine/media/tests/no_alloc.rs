//! The real-time rule (DESIGN.md §2): codecs, concealment, the mixer and the RTP receive
//! bookkeeping run without a single allocation. This test binary's global allocator aborts
//! the process on any allocation inside `assert_no_alloc`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use earshot_media::codec::{Codec, G711, Law, create};
use earshot_media::jitter::{JitterBuffer, Pull};
use earshot_media::leg::{Leg, LegConfig};
use earshot_media::mix::{MixPlan, Mixer, MonitorMode};
use earshot_media::recording::Recorder;
use earshot_media::rtp::ReceiveStats;

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

#[test]
fn a_media_tick_does_not_allocate() {
    // Everything is built before the loop, as the media thread's owner would.
    let mut enc = G711::new(Law::Mu);
    let mut dec = G711::new(Law::Mu);
    let mut mixer = Mixer::new(160);
    let plans = [
        MixPlan::agent(MonitorMode::None, false),
        MixPlan::agent(MonitorMode::Barge, false),
        MixPlan::conference(4),
    ];
    let mut stats = ReceiveStats::new(1);
    let mut jb = JitterBuffer::new(20, 8000, 500);
    let mic: Vec<i16> = (0..160).map(|i| ((i * 37) % 2000) as i16).collect();
    let mut payload = [0u8; 160];
    let mut customer = [0i16; 160];
    let mut supervisor = [0i16; 160];
    let (mut ear, mut to_customer, mut to_supervisor) = ([0i16; 160], [0i16; 160], [0i16; 160]);
    assert_no_alloc(|| {
        for tick in 0..500u32 {
            let n = enc.encode(&mic, &mut payload);
            let seq = (tick as u16).wrapping_add(1);
            stats.update_seq(seq);
            stats.update_jitter(tick * 160, tick * 160 + (tick % 7) * 3);
            if tick % 10 != 3 {
                jb.push(seq, tick * 160, &payload[..n]);
            }
            match jb.pull() {
                Pull::Frame { payload, .. } => {
                    dec.decode(payload, &mut customer);
                }
                _ => {
                    dec.conceal(&mut customer);
                }
            }
            supervisor.copy_from_slice(&customer);
            let plan = &plans[(tick as usize / 100) % 2];
            mixer.mix(
                plan,
                &[&mic, &customer, &supervisor],
                &mut [&mut ear, &mut to_customer, &mut to_supervisor],
            );
        }
    });
    assert!(stats.received() > 400);

    // A whole leg: send, receive (RTP parse included), play, DTMF.
    let cfg = |ssrc| LegConfig {
        codec: "PCMA".into(),
        fmtp: None,
        payload_type: 8,
        telephone_event: Some(101),
        ptime_ms: 20,
        ssrc,
        max_delay_ms: 300,
    };
    let mut a = Leg::new(cfg(1)).unwrap();
    let mut b = Leg::new(cfg(2)).unwrap();
    let mut packet = [0u8; 1500];
    let mut out = [0i16; 160];
    assert_no_alloc(|| {
        for tick in 0..300u64 {
            if tick == 100 {
                a.send_dtmf('9', 120);
            }
            a.send(&mic);
            let p = a.next_packet().unwrap_or(&[]);
            let n = p.len();
            packet[..n].copy_from_slice(p);
            b.receive(&packet[..n], tick * 20_000);
            b.play(&mut out);
        }
    });
    assert!(b.stats(0.0).packets_received > 250);
    assert!(ear.iter().any(|&s| s != 0));
}

/// The wideband codecs (G.722 in-house, Opus through libopus) and the call recorder's
/// ring, under the same guard: encode, decode, conceal, FEC recovery, recording a tick.
#[test]
fn wideband_codecs_and_recording_do_not_allocate() {
    let dir = std::env::temp_dir().join(format!("earshot-noalloc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut recorder, mut ring) = Recorder::create(&dir.join("r.wav"), 16000, 1).unwrap();
    for (name, frame) in [("G722", 320usize), ("opus", 960)] {
        let mut enc = create(name).unwrap();
        let mut dec = create(name).unwrap();
        let pcm: Vec<i16> = (0..frame).map(|i| ((i * 53) % 3000) as i16 - 1500).collect();
        let mut out = vec![0i16; frame];
        let mut bytes = [0u8; 1500];
        let mut dropped = 0;
        assert_no_alloc(|| {
            for tick in 0..100 {
                let n = enc.encode(&pcm, &mut bytes);
                match tick % 10 {
                    3 => dec.conceal(&mut out),
                    7 => dec.recover(&bytes[..n], &mut out),
                    _ => dec.decode(&bytes[..n], &mut out),
                };
                dropped += ring.push_stereo(&pcm[..320], &out[..320]);
            }
        });
        assert!(out.iter().any(|&s| s != 0), "{name} decoded something");
        recorder.drain().unwrap();
        assert!(dropped > 0, "a 1 s ring fills in 100 ticks of 20 ms and counts the excess");
    }
    assert!(recorder.finish().unwrap() > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The sound card's callbacks and the loop's ends of their rings, with rate conversion
/// (a 48 kHz stereo card, a 16 kHz loop), move samples without allocating.
#[test]
fn sound_card_rings_do_not_allocate() {
    use earshot_media::device::{Sink, Source, sound_rings};
    let mut r = sound_rings((48000, 2), (48000, 2), 16000, 20, 480).unwrap();
    let mut frame = [0i16; 320];
    let mut card_out = [0.0f32; 2 * 480];
    // Warm up: the resamplers' first frames.
    for _ in 0..3 {
        r.capture.push((0..1920).map(|i| (i as f32 * 0.01).sin() * 0.3));
        r.source.read(&mut frame);
        r.sink.write(&frame);
        r.playback.pull(960, |_, _| {});
    }
    assert_no_alloc(|| {
        for _ in 0..50 {
            // Two 10 ms card periods in, a loop frame through, two periods out.
            for _ in 0..2 {
                r.capture.push((0..960).map(|i| (i as f32 * 0.01).sin() * 0.3));
            }
            let _ = r.source.ready_in();
            r.source.read(&mut frame);
            r.sink.write(&frame);
            for _ in 0..2 {
                r.playback.pull(480, |i, v| {
                    if let Some(s) = card_out.get_mut(i) {
                        *s = v;
                    }
                });
            }
        }
    });
    assert!(frame.iter().any(|&v| v != 0));
}

/// A leg at another rate than the loop (PCMU or G.722 beside Opus in a 48 kHz loop): both
/// conversions per tick, and the `--audio-out` file sink, under the same guard.
#[test]
fn rate_conversion_and_the_file_sink_do_not_allocate() {
    use earshot_media::device::{Sink, wav_file_sink};
    use earshot_media::leg_rate::LegRate;
    let path =
        std::env::temp_dir().join(format!("earshot-noalloc-sink-{}.wav", std::process::id()));
    let (mut sink, writer) = wav_file_sink(&path, 48000, 1).unwrap();
    for codec_rate in [8000u32, 16000] {
        let mut rate = LegRate::new(codec_rate, 48000, 20).unwrap().unwrap();
        let loop_frame: Vec<i16> = (0..960).map(|i| ((i * 29) % 4000) as i16 - 2000).collect();
        let mut out = [0i16; 960];
        let mut heard = 0i64;
        assert_no_alloc(|| {
            for _ in 0..100 {
                let to_codec = rate.to_send(&loop_frame);
                heard += i64::from(to_codec[10]);
                rate.codec_frame().fill(100);
                rate.play_out(&mut out);
                sink.write(&out);
            }
        });
        assert!(out.iter().any(|&s| s != 0), "{codec_rate}: played");
        let _ = heard;
    }
    drop(writer);
    let _ = std::fs::remove_file(&path);
}
