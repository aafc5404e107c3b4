//! The benchmark's shared sample clock: a JACK server with its dummy driver, and a rig
//! client with a "mouth" output (what the caller says, into the sender's input) and an
//! "ear" input (what the callee plays). Playing and recording happen in the same process
//! cycle, so the delay between them is exact in samples, whatever runs in between.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A JACK server on the dummy driver (no sound hardware needed); stopped when dropped.
#[derive(Debug)]
pub struct JackServer {
    child: Child,
    pub rate: u32,
    pub period: u32,
}

impl JackServer {
    /// A JACK dummy server; `realtime` as a desktop's sound server runs (SCHED_FIFO, where
    /// the system allows it — jackd carries on without it otherwise).
    pub fn start(rate: u32, period: u32, realtime: bool) -> Result<JackServer, String> {
        let scheduling = if realtime { "--realtime" } else { "--no-realtime" };
        let child = Command::new("jackd")
            .args([scheduling, "-d", "dummy", "-r", &rate.to_string(), "-p"])
            .arg(period.to_string())
            .env("JACK_NO_AUDIO_RESERVATION", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("jackd is missing ({e}): apt-get install jackd2"))?;
        let server = JackServer { child, rate, period };
        let ok = Command::new("jack_wait")
            .args(["-w", "-t", "5"])
            .output()
            .map_err(|e| format!("jack_wait: {e}"))?;
        if !ok.status.success() {
            return Err("the JACK server did not start (is another one running?)".into());
        }
        Ok(server)
    }
}

impl Drop for JackServer {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && self.child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// JACK's port names now.
pub fn ports() -> Vec<String> {
    Command::new("jack_lsp")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Connects `from` (an output port) to `to` (an input port).
pub fn connect(from: &str, to: &str) -> Result<(), String> {
    let s = Command::new("jack_connect").args([from, to]).status().map_err(|e| e.to_string())?;
    if s.success() { Ok(()) } else { Err(format!("jack_connect {from} {to} failed")) }
}

#[derive(Default)]
struct Take {
    signal: Vec<f32>,
    recording: Vec<f32>,
    pos: usize,
}

/// The rig client: `rig:mouth` plays a signal, `rig:ear` records, sample-aligned.
pub struct Rig {
    _client: jack::AsyncClient<(), jack::contrib::ClosureProcessHandler<(), ProcessFn>>,
    take: Arc<Mutex<Take>>,
    playing: Arc<AtomicBool>,
    pub mouth: String,
    pub ear: String,
}

type ProcessFn = Box<dyn FnMut(&jack::Client, &jack::ProcessScope) -> jack::Control + Send>;

impl std::fmt::Debug for Rig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rig").field("mouth", &self.mouth).field("ear", &self.ear).finish()
    }
}

impl Rig {
    pub fn start() -> Result<Rig, String> {
        let (client, _) = jack::Client::new("rig", jack::ClientOptions::NO_START_SERVER)
            .map_err(|e| format!("JACK client: {e}"))?;
        let mut mouth = client
            .register_port("mouth", jack::AudioOut::default())
            .map_err(|e| format!("mouth port: {e}"))?;
        let ear =
            client.register_port("ear", jack::AudioIn::default()).map_err(|e| e.to_string())?;
        let names =
            (mouth.name().map_err(|e| e.to_string())?, ear.name().map_err(|e| e.to_string())?);
        let take = Arc::new(Mutex::new(Take::default()));
        let playing = Arc::new(AtomicBool::new(false));
        let (t, p) = (Arc::clone(&take), Arc::clone(&playing));
        let process: ProcessFn = Box::new(move |_, ps| {
            let out = mouth.as_mut_slice(ps);
            out.fill(0.0);
            if !p.load(Ordering::Acquire) {
                return jack::Control::Continue;
            }
            // The harness only locks while nothing plays.
            if let Ok(mut take) = t.try_lock() {
                let take = &mut *take;
                let start = take.pos;
                let n = out.len();
                if let Some(src) = take.signal.get(start..) {
                    for (o, s) in out.iter_mut().zip(src) {
                        *o = *s;
                    }
                }
                let room = take.recording.capacity() - take.recording.len();
                let input = ear.as_slice(ps);
                take.recording.extend_from_slice(input.get(..room.min(input.len())).unwrap_or(&[]));
                take.pos += n;
                if take.recording.len() == take.recording.capacity() {
                    p.store(false, Ordering::Release);
                }
            }
            jack::Control::Continue
        });
        let client = client
            .activate_async((), jack::contrib::ClosureProcessHandler::new(process))
            .map_err(|e| format!("JACK activate: {e}"))?;
        Ok(Rig { _client: client, take, playing, mouth: names.0, ear: names.1 })
    }

    /// Plays `signal` into the mouth while recording `record` samples from the ear,
    /// starting in the same cycle; returns the recording.
    pub fn play_and_record(&self, signal: &[f32], record: usize) -> Result<Vec<f32>, String> {
        {
            let mut take = self.take.lock().map_err(|_| "rig state poisoned")?;
            take.signal = signal.to_vec();
            take.recording = Vec::with_capacity(record);
            take.pos = 0;
        }
        self.playing.store(true, Ordering::Release);
        let rate_guess = 48000.0;
        let deadline = Instant::now() + Duration::from_secs_f64(record as f64 / rate_guess + 5.0);
        while self.playing.load(Ordering::Acquire) {
            if Instant::now() > deadline {
                self.playing.store(false, Ordering::Release);
                return Err("the rig did not finish recording (JACK stopped?)".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut take = self.take.lock().map_err(|_| "rig state poisoned")?;
        Ok(std::mem::take(&mut take.recording))
    }
}
