//! The side-by-side media benchmark: Earshot→Earshot and baresip→baresip, each caller and
//! callee in its own process on one JACK dummy server (one sample clock), their RTP through
//! the same seeded impairment relay, the same espeak-ng speech into the caller's
//! microphone. Prints one table: codec × condition → PESQ (wideband for Opus and G.722,
//! narrowband for PCMU), mouth-to-ear delay (median over a train of noise bursts, and the
//! largest), CPU seconds per call-minute (mean of the two ends) and peak RSS, for both.
//!
//! `side-by-side [--codecs opus,G722,PCMU] [--conditions clean,loss3,loss10,jitter30,busy]
//!  [--stacks earshot,baresip] [--period FRAMES] [--runs N]` — each cell is the median of
//! N calls (3 by default): on two cores a stalled loop now and then costs a glitch.

use std::time::{Duration, Instant};

use earshot_benches::jack_rig::{self, JackServer, Rig};
use earshot_benches::procstat::{cpu_seconds, peak_rss_mb, shared_rss_mb};
use earshot_benches::relay::{Impairment, Relay};
use earshot_benches::signal::{self, SPEECH, TestSignal, burst_delays_ms, median, speech_pesq};
use earshot_benches::stacks::{self, Stack};
use earshot_tests::speech::say;

#[derive(Debug, Clone, Copy)]
struct Condition {
    key: &'static str,
    label: &'static str,
    impairment: Impairment,
    /// Other processes keep every core busy during the call (an agent's PC running a CRM
    /// and a browser beside the phone).
    busy: bool,
}

const CONDITIONS: [Condition; 5] = [
    Condition { key: "clean", label: "clean", impairment: Impairment::CLEAN, busy: false },
    Condition {
        key: "loss3",
        label: "3 % loss",
        impairment: Impairment { loss: 0.03, jitter_ms: 0, seed: 3 },
        busy: false,
    },
    Condition {
        key: "loss10",
        label: "10 % loss",
        impairment: Impairment { loss: 0.10, jitter_ms: 0, seed: 10 },
        busy: false,
    },
    Condition {
        key: "jitter30",
        label: "30 ms jitter",
        impairment: Impairment { loss: 0.0, jitter_ms: 30, seed: 30 },
        busy: false,
    },
    Condition {
        key: "busy",
        label: "clean, cores busy",
        impairment: Impairment::CLEAN,
        busy: true,
    },
];

/// Busy-loop processes, one per core, at ordinary priority; killed when dropped.
struct CpuLoad(Vec<std::process::Child>);

impl CpuLoad {
    fn start() -> Result<CpuLoad, String> {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        (0..cores)
            .map(|_| {
                std::process::Command::new("sh")
                    .args(["-c", "while :; do :; done"])
                    .spawn()
                    .map_err(|e| format!("cannot start a busy loop: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(CpuLoad)
    }
}

impl Drop for CpuLoad {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One stack's figures for one codec and condition.
#[derive(Debug, Clone, Default)]
struct Figures {
    pesq: f64,
    delay_ms: f64,
    delay_max_ms: f64,
    cpu_per_min: f64,
    rss_mb: f64,
    note: String,
}

struct Options {
    codecs: Vec<String>,
    conditions: Vec<Condition>,
    stacks: Vec<Stack>,
    period: u32,
    /// Calls per cell; the table shows each figure's median.
    runs: usize,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        codecs: vec!["opus".into(), "G722".into(), "PCMU".into()],
        conditions: CONDITIONS.to_vec(),
        stacks: vec![Stack::Earshot, Stack::Baresip],
        period: 240,
        runs: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let list: Vec<String> = value.split(',').map(str::to_owned).collect();
        match flag.as_str() {
            "--codecs" => o.codecs = list,
            "--conditions" => {
                o.conditions = list
                    .iter()
                    .map(|k| {
                        CONDITIONS.iter().find(|c| c.key == k).copied().ok_or(format!(
                            "unknown condition {k} (clean, loss3, loss10, jitter30, busy)"
                        ))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--stacks" => {
                o.stacks = list
                    .iter()
                    .map(|s| match s.as_str() {
                        "earshot" => Ok(Stack::Earshot),
                        "baresip" => Ok(Stack::Baresip),
                        _ => Err(format!("unknown stack {s}")),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--period" => o.period = value.parse().map_err(|e| format!("--period: {e}"))?,
            "--runs" => o.runs = value.parse().map_err(|e| format!("--runs: {e}"))?,
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(o)
}

async fn measure(
    stack: Stack,
    codec: &str,
    condition: &Condition,
    rig: &Rig,
    signal: &TestSignal,
) -> Result<Figures, String> {
    let relay = Relay::start(condition.impairment).map_err(|e| e.to_string())?;
    let _load = if condition.busy { Some(CpuLoad::start()?) } else { None };
    let call = match stack {
        Stack::Earshot => stacks::start_earshot(codec, &relay)?,
        Stack::Baresip => stacks::start_baresip(codec, &relay).await?,
    };
    for input in &call.caller_inputs {
        jack_rig::connect(&rig.mouth, input)?;
    }
    jack_rig::connect(&call.callee_output, &rig.ear)?;
    // The receiver settles on the silence before the speech.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let cpu_before: Vec<f64> = call.pids.iter().map(|&p| cpu_seconds(p).unwrap_or(0.0)).collect();
    let started = Instant::now();
    let recording =
        tokio::task::block_in_place(|| rig.play_and_record(&signal.samples, signal.samples.len()))?;
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    let cpu: Vec<f64> = call
        .pids
        .iter()
        .zip(&cpu_before)
        .map(|(&p, b)| cpu_seconds(p).unwrap_or(0.0) - b)
        .collect();
    // Each process's own peak: VmHWM less the JACK server's shared segment it maps.
    let rss = call
        .pids
        .iter()
        .filter_map(|&p| Some(peak_rss_mb(p)? - shared_rss_mb(p).unwrap_or(0.0)))
        .fold(0.0f64, f64::max);
    let shared = call.pids.iter().filter_map(|&p| shared_rss_mb(p)).fold(0.0f64, f64::max);
    let reports = call.end().await;
    let delays = burst_delays_ms(signal, &recording);
    if delays.len() < 3 {
        return Err(format!("only {} of the bursts came through", delays.len()));
    }
    let delay_ms = median(&delays);
    let wideband = !codec.eq_ignore_ascii_case("PCMU");
    let pesq = tokio::task::block_in_place(|| speech_pesq(signal, &recording, delay_ms, wideband));
    Ok(Figures {
        pesq,
        delay_ms,
        delay_max_ms: delays.iter().copied().fold(0.0, f64::max),
        cpu_per_min: cpu.iter().sum::<f64>() / cpu.len().max(1) as f64 / minutes,
        rss_mb: rss,
        note: format!(
            "JACK shared segment {shared:.0} MB; relay forwarded {} dropped {}; {}",
            relay.forwarded.load(std::sync::atomic::Ordering::Relaxed),
            relay.dropped.load(std::sync::atomic::Ordering::Relaxed),
            reports.join(" | ")
        ),
    })
}

/// Each figure's median over the runs.
fn median_figures(runs: &[Figures]) -> Option<Figures> {
    if runs.is_empty() {
        return None;
    }
    let m = |pick: fn(&Figures) -> f64| median(&runs.iter().map(pick).collect::<Vec<_>>());
    Some(Figures {
        pesq: m(|f| f.pesq),
        delay_ms: m(|f| f.delay_ms),
        delay_max_ms: m(|f| f.delay_max_ms),
        cpu_per_min: m(|f| f.cpu_per_min),
        rss_mb: m(|f| f.rss_mb),
        note: String::new(),
    })
}

fn cell(f: Option<&Figures>, pick: impl Fn(&Figures) -> String) -> String {
    f.map(pick).unwrap_or_else(|| "—".into())
}

async fn run(o: Options) -> Result<(), String> {
    let speech = tokio::task::block_in_place(|| say(SPEECH, signal::VOICE, signal::RATE));
    let signal = signal::build(&speech);
    // With the busy condition, real-time, as an agent's desktop sound server runs
    // (PipeWire or PulseAudio through rtkit): the load then falls on the phones, not on
    // the sound card's clock. Otherwise as before (the CI cell ran with a real-time
    // server beside other tests: Earshot PCMU clean 3.23, 9.7 CPU s/min).
    let realtime = o.conditions.iter().any(|c| c.busy);
    let _jack = JackServer::start(signal::RATE, o.period, realtime)?;
    let rig = Rig::start()?;
    eprintln!(
        "JACK dummy server at {} Hz, {} frames per period ({:.1} ms); signal {:.1} s",
        signal::RATE,
        o.period,
        f64::from(o.period) * 1000.0 / f64::from(signal::RATE),
        signal.samples.len() as f64 / f64::from(signal::RATE)
    );
    let mut rows = Vec::new();
    for codec in &o.codecs {
        for condition in &o.conditions {
            let mut figures = Vec::new();
            for &stack in &o.stacks {
                let mut runs = Vec::new();
                for run in 0..o.runs.max(1) {
                    match measure(stack, codec, condition, &rig, &signal).await {
                        Ok(f) => {
                            eprintln!(
                                "{codec} {} {} run {}: PESQ {:.2}, mouth-to-ear {:.1} ms (max {:.1}), CPU {:.2} s/min, RSS {:.1} MB [{}]",
                                condition.label,
                                stack.name(),
                                run + 1,
                                f.pesq,
                                f.delay_ms,
                                f.delay_max_ms,
                                f.cpu_per_min,
                                f.rss_mb,
                                f.note
                            );
                            runs.push(f);
                        }
                        Err(e) => {
                            eprintln!("{codec} {} {}: failed: {e}", condition.label, stack.name());
                        }
                    }
                }
                figures.push((stack, median_figures(&runs)));
            }
            rows.push((codec.clone(), condition.label, figures));
        }
    }
    let get = |figs: &[(Stack, Option<Figures>)], s: Stack| {
        figs.iter().find(|(st, _)| *st == s).and_then(|(_, f)| f.clone())
    };
    println!(
        "Peak RSS: each process's VmHWM less the JACK server's shared segment it maps. \
         CPU: user + system seconds per minute of call, mean of caller and callee.\n"
    );
    println!(
        "| codec | condition | PESQ Earshot | PESQ baresip | mouth-to-ear Earshot ms (max) | mouth-to-ear baresip ms (max) | CPU s/call-min Earshot | CPU baresip | peak RSS MB Earshot | RSS baresip |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (codec, label, figs) in &rows {
        let (e, b) = (get(figs, Stack::Earshot), get(figs, Stack::Baresip));
        let pesq = |f: &Figures| format!("{:.2}", f.pesq);
        let delay = |f: &Figures| format!("{:.0} ({:.0})", f.delay_ms, f.delay_max_ms);
        let cpu = |f: &Figures| format!("{:.2}", f.cpu_per_min);
        let rss = |f: &Figures| format!("{:.1}", f.rss_mb);
        println!(
            "| {codec} | {label} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(e.as_ref(), pesq),
            cell(b.as_ref(), pesq),
            cell(e.as_ref(), delay),
            cell(b.as_ref(), delay),
            cell(e.as_ref(), cpu),
            cell(b.as_ref(), cpu),
            cell(e.as_ref(), rss),
            cell(b.as_ref(), rss),
        );
    }
    Ok(())
}

fn main() {
    let result = options().and_then(|o| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(run(o))
    });
    if let Err(e) = result {
        eprintln!("side-by-side: {e}");
        std::process::exit(1);
    }
}
