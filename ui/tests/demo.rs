//! `earshot --demo`, headless: with no site and no configuration, the simulated contact
//! line's first customer (Marie Tremblay) calls the Support queue a few seconds after the
//! start; the offer carries her name, the queue and her case; accepted, her spoken request
//! is what the agent hears (level and correlation against the recording built into the
//! binary); hung up, the mandatory wrap-up takes a code and Done; the next customer
//! (James Wilson) then calls the Billing queue.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::Duration;

use common::{Headless, temp_dir};
use earshot_engine::media::device::read_wav;
use earshot_tests::speech::windowed_correlation;

/// `pcm` from its first sample louder than `threshold`, less 100 ms (at `rate`).
fn from_speech(pcm: &[i16], threshold: i16, rate: usize) -> &[i16] {
    let first = pcm.iter().position(|s| s.unsigned_abs() > threshold as u16).unwrap_or(0);
    &pcm[first.saturating_sub(rate / 10)..]
}

#[test]
fn the_demo_line_calls_with_a_case_and_a_voice() {
    let dir = temp_dir("demo");
    let heard = dir.join("agent-heard.wav");
    let mut agent = Headless::start(
        &dir,
        "agent",
        r#"["PCMU"]"#,
        &["--demo", "--demo-every", "3", "--audio-out", heard.to_str().unwrap()],
    );
    agent.send("state ready");
    let (_, offered) = agent.wait_for("the first customer's offer", |e| {
        e["event"] == "interaction" && e["state"] == "offered"
    });
    let id = offered["id"].as_u64().unwrap();
    assert_eq!(offered["contact_name"], "Marie Tremblay", "{offered}");
    assert_eq!(offered["queue"], "support", "{offered}");
    let fields = offered["fields"].as_array().unwrap();
    let value = |label: &str| {
        fields.iter().find(|f| f["label"] == label).map(|f| f["value"].as_str().unwrap().to_owned())
    };
    assert_eq!(value("Reason").as_deref(), Some("Parcel arrived damaged"), "{offered}");
    assert_eq!(value("Account").as_deref(), Some("A-10482"), "{offered}");

    agent.send(&format!("accept {id}"));
    let (_, active) = agent.wait_for("the call answered", |e| {
        e["event"] == "interaction" && e["id"] == id && e["state"] == "active"
    });
    let call = active["call"].as_u64().unwrap();
    // Her request is about 9 s long.
    std::thread::sleep(Duration::from_secs(11));
    agent.send(&format!("hangup {call}"));
    agent.wait_for("the wrap-up", |e| {
        e["event"] == "interaction" && e["id"] == id && e["state"] == "wrap-up"
    });
    agent.send(&format!("dispose {id} resolved"));
    agent.send(&format!("done {id}"));
    agent
        .wait_for("done", |e| e["event"] == "interaction" && e["id"] == id && e["state"] == "done");

    // The next customer, on the other queue.
    agent.send("state ready");
    let (_, next) = agent.wait_for("the next customer's offer", |e| {
        e["event"] == "interaction" && e["state"] == "offered" && e["id"] != id
    });
    assert_eq!(next["contact_name"], "James Wilson", "{next}");
    assert_eq!(next["queue"], "billing", "{next}");
    agent.quit();

    // What the agent heard is Marie's recording (compared at the call's 8 kHz).
    let said =
        read_wav(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/marie.wav"), 8_000)
            .unwrap();
    let got = read_wav(&heard, 8_000).unwrap();
    let (said, got) = (from_speech(&said, 1000, 8_000), from_speech(&got, 1000, 8_000));
    let (corr, lag) = windowed_correlation(said, got, 8_000, 8_000);
    eprintln!("demo: the agent heard Marie with correlation {corr:.3} (lag {lag} samples)");
    // Through two resamplings and G.711 the same recording scores about 0.9; another
    // voice, a tone or silence stays under 0.3.
    assert!(corr > 0.8, "the agent heard something else: correlation {corr:.3}");
    std::fs::remove_dir_all(&dir).ok();
}
