//! Supervisor monitoring with baresip as the customer (Debian's baresip, PCMU, through
//! the reference site on loopback): the same three voices and the same checks as
//! `monitoring.rs` — the supervisor hears customer X and agent Y and never themselves;
//! in listen the customer hears no trace of supervisor Z, in whisper still none while the
//! agent hears Z, in barge the customer hears Z — and baresip hanging up ends the
//! supervisor's call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::ops::Range;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{CUSTOMER, RATE, Voice, modes, temp_dir};
use earshot_engine::media::device::{read_wav, write_wav};
use earshot_engine::media::resample::resample;
use earshot_tests::baresip::{Baresip, BaresipAccount, BaresipAudio};
use earshot_tests::kamailio::Site;
use earshot_tests::speech::say;

/// 8 kHz samples in 10 ms.
const FRAME_8K: usize = 80;

/// The lag at which `piece[k]` best matches `longer[k + lag]`, searched over `lags`
/// (8 kHz samples), by the correlation of their 10 ms energy envelopes over the piece's
/// first 8 s. Within 10 ms: `common::heard` finds the exact delay afterwards.
fn lag_of(longer: &[i16], piece: &[i16], lags: Range<isize>) -> isize {
    let envelope = |x: &[i16]| -> Vec<f64> {
        x.chunks(FRAME_8K)
            .map(|c| c.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt())
            .collect()
    };
    let (long, short) = (envelope(longer), envelope(&piece[..piece.len().min(8 * 8000)]));
    let pearson = |a: &[f64], b: &[f64]| {
        let n = a.len().min(b.len()) as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
        for (x, y) in a.iter().zip(b) {
            ab += (x - ma) * (y - mb);
            aa += (x - ma).powi(2);
            bb += (y - mb).powi(2);
        }
        ab / (aa * bb).sqrt().max(f64::MIN_POSITIVE)
    };
    let frames = lags.start.max(0) / FRAME_8K as isize..lags.end / FRAME_8K as isize;
    let best = frames
        .filter(|&f| (f as usize) < long.len())
        .max_by(|&a, &b| {
            pearson(&short, &long[a as usize..]).total_cmp(&pearson(&short, &long[b as usize..]))
        })
        .expect("a lag to search");
    best * FRAME_8K as isize
}

/// `pcm` at 8 kHz, converted to the tests' 48 kHz and moved `shift` 8 kHz samples later
/// (silence in front) or earlier (its start cut).
fn placed(pcm: &[i16], shift: isize) -> Vec<i16> {
    let wide = resample(pcm, 8000, RATE).unwrap();
    let shift = shift * (RATE / 8000) as isize;
    match usize::try_from(shift) {
        Ok(pad) => [vec![0; pad], wide].concat(),
        Err(_) => wide[shift.unsigned_abs().min(wide.len())..].to_vec(),
    }
}

/// baresip's speech and its earpiece (its decoder's dump), put on the agent's timeline so
/// that `common::heard` can compare them with the phones' files. baresip starts both
/// with the call, not with a phone: each is placed where the agent's files show it —
/// its speech where the agent's earpiece hears it, its dump where the agent's speech is
/// in it — taken as 50 ms after it was sent, within a second of the call's answer.
fn customer_voice(
    dir: &Path,
    said: &[i16],
    dump: &[i16],
    agent: &Voice,
    answered: Instant,
) -> Voice {
    let answered = (answered.duration_since(agent.ready_at).as_secs_f64() * 8000.0) as isize;
    let around = answered - 12_000..answered + 8000;
    let agent_ear = resample(&read_wav(&agent.heard_file, RATE).unwrap(), RATE, 8000).unwrap();
    let agent_said = resample(&agent.says, RATE, 8000).unwrap();
    let path_delay = 400;
    let said_at = lag_of(&agent_ear, said, around.clone()) - path_delay;
    let dump_at = lag_of(&agent_said, dump, around) + path_delay;
    eprintln!(
        "baresip's speech starts {:.2} s and its dump {:.2} s after the agent's phone; the \
         call was answered at {:.2} s",
        said_at as f64 / 8000.0,
        dump_at as f64 / 8000.0,
        answered as f64 / 8000.0
    );
    let heard_file = dir.join("customer-heard.wav");
    write_wav(&heard_file, RATE, 1, &placed(dump, dump_at)).unwrap();
    Voice { says: placed(said, said_at), heard_file, ready_at: agent.ready_at }
}

#[test]
fn a_baresip_customer_hears_the_supervisor_only_in_barge() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let dir = temp_dir("modes-baresip");
    let (mut agent, mut supervisor) = modes::agent_and_supervisor(&dir, site.addr);
    // baresip (user 1003) says the customer's sentence over and over; it ends its call
    // when the file ends, so the file is longer than the call.
    let one = say(CUSTOMER, "en-gb", 8000);
    let mut said = Vec::new();
    while said.len() < 60 * 8000 {
        said.extend_from_slice(&one);
    }
    let mut customer = runtime.block_on(Baresip::start(BaresipAccount {
        aor: Some("1003@earshot.test".into()),
        password: Some("agent-1003".into()),
        outbound: Some(site.addr.to_string()),
        audio: Some(BaresipAudio {
            pcm: said.clone(),
            rate: 8000,
            codecs: vec!["PCMU".into()],
            ptime: None,
        }),
        ..BaresipAccount::default()
    }));
    assert!(runtime.block_on(customer.wait_registered("1003@earshot.test")), "baresip registers");

    supervisor.phone.send("monitor-next 1001 listen");
    runtime.block_on(customer.command("dial", "sip:1001@earshot.test"));
    let answered = agent.phone.wait_state(1, "active");
    supervisor.phone.wait_state(1, "active");
    let windows = modes::walk_through_modes(&mut supervisor);

    // baresip hangs up: the agent's call ends, and the supervisor's with it.
    runtime.block_on(customer.command("hangup", ""));
    agent.phone.wait_state(1, "ended");
    supervisor.phone.wait_state(1, "ended");
    assert!(
        runtime.block_on(customer.wait_for(5, "CALL_CLOSED")).is_some(),
        "baresip's call closed: {:?}",
        customer.seen
    );
    // Its dump is complete once the call is closed; give the file a moment to be shut.
    std::thread::sleep(Duration::from_millis(300));
    let (y, z) = (agent.finish(), supervisor.finish());
    let dumps = customer.heard(8000);
    assert_eq!(dumps.len(), 1, "one call, one dump");
    let x = customer_voice(&dir, &said, &dumps[0], &y, answered);
    modes::assert_modes(&windows, &x, &y, &z);
    drop(customer);
    drop(site);
    std::fs::remove_dir_all(&dir).unwrap();
}
