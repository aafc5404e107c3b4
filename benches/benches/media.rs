//! The media path per 20 ms frame (criterion): each codec's encode and decode and its
//! concealment of a lost frame, the jitter buffer's push and pull, and the mixer for a
//! barged-in agent call and for conferences of 1+3 to 1+8 parties (divide by the parties
//! for the cost per party). A 20 ms frame is the real-time budget: these should be
//! microseconds.
//!
//! Run: `cargo bench -p earshot-benches --bench media`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use earshot_engine::media::codec::create;
use earshot_engine::media::jitter::{JitterBuffer, Pull};
use earshot_engine::media::mix::{MixPlan, Mixer, MonitorMode};

/// A voiced, speech-like frame at `rate` (pitch harmonics, not silence, so that the
/// codecs do real work).
fn voiced(rate: usize, frame: usize, offset: usize) -> Vec<i16> {
    (offset..offset + frame)
        .map(|i| {
            let t = i as f64 / rate as f64;
            let v: f64 = (1..=8)
                .map(|h| (std::f64::consts::TAU * 130.0 * f64::from(h) * t).sin() / f64::from(h))
                .sum();
            (v * 6000.0) as i16
        })
        .collect()
}

fn codecs(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec 20 ms frame");
    for (name, rate) in [("PCMU", 8000), ("PCMA", 8000), ("G722", 16000), ("opus", 48000)] {
        let frame = rate / 50;
        let frames: Vec<Vec<i16>> = (0..50).map(|k| voiced(rate, frame, k * frame)).collect();
        let mut codec = create(name).unwrap();
        let mut bytes = [0u8; 1500];
        let mut k = 0;
        g.bench_function(BenchmarkId::new("encode", name), |b| {
            b.iter(|| {
                k = (k + 1) % frames.len();
                black_box(codec.encode(black_box(&frames[k]), &mut bytes))
            })
        });
        let packets: Vec<Vec<u8>> = frames
            .iter()
            .map(|f| {
                let n = codec.encode(f, &mut bytes);
                bytes[..n].to_vec()
            })
            .collect();
        let mut out = vec![0i16; frame];
        g.bench_function(BenchmarkId::new("decode", name), |b| {
            b.iter(|| {
                k = (k + 1) % packets.len();
                black_box(codec.decode(black_box(&packets[k]), &mut out))
            })
        });
        g.bench_function(BenchmarkId::new("conceal", name), |b| {
            b.iter(|| {
                // Conceal one frame, then decode one, as under 50 % loss.
                k = (k + 1) % packets.len();
                black_box(codec.conceal(&mut out));
                black_box(codec.decode(black_box(&packets[k]), &mut out))
            })
        });
    }
    g.finish();
}

fn jitter_buffer(c: &mut Criterion) {
    let mut jb = JitterBuffer::new(20, 8000, 300);
    let payload = [0x55u8; 160];
    let mut seq: u16 = 0;
    c.bench_function("jitter buffer push+pull per frame", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            // Every 7th packet a frame late (after its pull), so that the estimator has
            // work.
            let late = seq.is_multiple_of(7);
            if !late {
                jb.push(seq, u32::from(seq) * 160, black_box(&payload));
            }
            let played = matches!(jb.pull(), Pull::Frame { .. });
            if late {
                jb.push(seq, u32::from(seq) * 160, black_box(&payload));
            }
            black_box(played)
        })
    });
}

fn mixer(c: &mut Criterion) {
    let frame = 320;
    let mut g = c.benchmark_group("mixer 20 ms at 16 kHz");
    let mut cases: Vec<(String, MixPlan, usize)> = vec![(
        "agent call, supervisor barged in".into(),
        MixPlan::agent(MonitorMode::Barge, false),
        3,
    )];
    for parties in [3usize, 5, 8] {
        // The local party plus `parties` remote ones.
        cases.push((format!("conference, 1+{parties}"), MixPlan::conference(parties), parties + 1));
    }
    for (name, plan, nodes) in cases {
        let inputs: Vec<Vec<i16>> = (0..nodes).map(|k| voiced(16000, frame, k * 37)).collect();
        let mut outputs: Vec<Vec<i16>> = vec![vec![0; frame]; nodes];
        let mut mixer = Mixer::new(frame);
        g.bench_function(&name, |b| {
            b.iter(|| {
                let sources: Vec<&[i16]> = inputs.iter().map(|v| v.as_slice()).collect();
                let mut sinks: Vec<&mut [i16]> =
                    outputs.iter_mut().map(|v| v.as_mut_slice()).collect();
                mixer.mix(black_box(&plan), &sources, &mut sinks);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, codecs, jitter_buffer, mixer);
criterion_main!(benches);
