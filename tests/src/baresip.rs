//! A headless baresip (Debian package) as a test peer: its own config directory, audio from
//! a WAV file (aufile), what it decodes dumped to WAV files (sndfile), playback to ALSA's
//! null device, control and events over ctrl_tcp (netstring-framed JSON).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use earshot_engine::media::device::{read_wav, write_wav};

use crate::{Peer, free_port};

/// baresip runs at the real-time priority Earshot's media loop asks for (SCHED_RR 20,
/// what a desktop sound server gives its clients) where the machine allows it: as an
/// ordinary process on a 2-core machine with both cores kept busy its file-paced sender stalled for up to
/// 100 ms and sent the audio in bursts (Earshot then concealed 200–280 ms of a 12 s call
/// and scored PESQ 2.6–3.1), which measures the machine, not the call.
const REALTIME_PRIORITY: &str = "20";

/// Whether `chrt` may start a process with real-time scheduling here (root, CAP_SYS_NICE or
/// an rtprio limit), tried once.
fn realtime_allowed() -> bool {
    static ALLOWED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ALLOWED.get_or_init(|| {
        std::process::Command::new("chrt")
            .args(["--rr", REALTIME_PRIORITY, "true"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A running baresip and its control connection.
#[derive(Debug)]
pub struct Baresip {
    _peer: Peer,
    /// baresip's console (its `cons` module over UDP), where it prints each chat message
    /// it receives (ctrl_tcp does not report them), and what it printed so far.
    console: Option<tokio::net::UdpSocket>,
    pub printed: String,
    pub sip: SocketAddr,
    ctrl: TcpStream,
    buf: Vec<u8>,
    dir: PathBuf,
    /// Every event and response seen so far, as raw JSON.
    pub seen: Vec<String>,
    token: u32,
}

/// How to set the baresip account up.
#[derive(Debug, Clone, Default)]
pub struct BaresipAccount {
    /// `user@domain` of the account's address of record; the SIP address if `None`.
    pub aor: Option<String>,
    pub password: Option<String>,
    /// Outbound proxy (registrar) as `host:port`.
    pub outbound: Option<String>,
    /// Calls through the outbound proxy without registering (a customer of the site).
    pub unregistered: bool,
    pub auto_answer: bool,
    /// One contact to message with the `message` command.
    pub contact: Option<String>,
    /// Open baresip's console (`cons` over UDP), which prints the chat messages received
    /// (read them with [`Baresip::wait_printed`]).
    pub print_messages: bool,
    /// What baresip says in calls; silence at 8 kHz if `None`.
    pub audio: Option<BaresipAudio>,
}

/// Speech for baresip's microphone and the codecs it may use.
#[derive(Debug, Clone, Default)]
pub struct BaresipAudio {
    /// Mono PCM at the codec's sample rate (aufile insists on it). baresip ends the call
    /// when the file ends: pad it to the call's length.
    pub pcm: Vec<i16>,
    pub rate: u32,
    /// The account's codec list in preference order, as `audio_codecs` names them
    /// (`PCMU`, `G722`, `opus`).
    pub codecs: Vec<String>,
    /// The packet time baresip sends with and asks for (`a=ptime`); its default (20 ms)
    /// if `None`.
    pub ptime: Option<u32>,
}

/// Writes baresip's source file. Opus in baresip 1.0 works in stereo (`ch = 2`), and
/// aufile refuses a file whose channels differ, so Opus gets the speech on both channels.
fn source_wav(path: &std::path::Path, audio: &BaresipAudio) {
    let stereo = audio.codecs.iter().any(|c| c.eq_ignore_ascii_case("opus"));
    let pcm: Vec<i16> =
        if stereo { audio.pcm.iter().flat_map(|&s| [s, s]).collect() } else { audio.pcm.clone() };
    write_wav(path, audio.rate, if stereo { 2 } else { 1 }, &pcm).expect("write source wav");
}

impl Baresip {
    pub async fn start(account: BaresipAccount) -> Baresip {
        let port = free_port("127.0.0.1");
        let ctrl_port = free_port("127.0.0.1");
        let console_port = free_port("127.0.0.1");
        let dir =
            std::env::temp_dir().join(format!("earshot-baresip-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("config dir");
        let wav = dir.join("source.wav");
        let audio = account.audio.clone().unwrap_or_else(|| BaresipAudio {
            pcm: vec![0; 16000],
            rate: 8000,
            codecs: vec!["PCMU".into(), "PCMA".into()],
            ptime: None,
        });
        source_wav(&wav, &audio);
        let config = format!(
            "poll_method epoll\nsip_listen 127.0.0.1:{port}\nmodule_path /usr/lib/baresip/modules\n\
             module g711.so\nmodule g722.so\nmodule opus.so\nmodule aufile.so\nmodule alsa.so\n\
             module sndfile.so\nsnd_path {}\n\
             module_app account.so\nmodule_app contact.so\nmodule_app menu.so\n\
             module_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:{ctrl_port}\n\
             audio_source aufile,{}\naudio_alert alsa,null\naudio_player alsa,null\n\
             rtp_ports 30000-30100\nrtcp_mux yes\nsip_trans_def udp\n{}",
            dir.display(),
            wav.display(),
            if account.print_messages {
                format!("module cons.so\ncons_listen 127.0.0.1:{console_port}\n")
            } else {
                String::new()
            },
        );
        std::fs::write(dir.join("config"), config).expect("config");
        let aor = account.aor.clone().unwrap_or_else(|| format!("baresip@127.0.0.1:{port}"));
        let registers = account.outbound.is_some() && !account.unregistered;
        let mut acc = format!("<sip:{aor}>;regint={}", if registers { 300 } else { 0 });
        if let Some(p) = &account.password {
            acc.push_str(&format!(";auth_pass={p}"));
        }
        if let Some(o) = &account.outbound {
            acc.push_str(&format!(";outbound=\"sip:{o};lr\""));
        }
        acc.push_str(&format!(";audio_codecs={}", audio.codecs.join(",")));
        if let Some(ptime) = audio.ptime {
            acc.push_str(&format!(";ptime={ptime}"));
        }
        if account.auto_answer {
            acc.push_str(";answermode=auto");
        }
        std::fs::write(dir.join("accounts"), format!("{acc}\n")).expect("accounts");
        std::fs::write(
            dir.join("contacts"),
            account.contact.map(|c| format!("{c}\n")).unwrap_or_default(),
        )
        .expect("contacts");
        let dir_arg = dir.to_str().expect("utf8 path");
        let peer = if realtime_allowed() {
            Peer::spawn("baresip", "chrt", &["--rr", REALTIME_PRIORITY, "baresip", "-f", dir_arg])
        } else {
            Peer::spawn("baresip", "baresip", &["-f", dir_arg])
        };
        let ctrl_addr: SocketAddr = format!("127.0.0.1:{ctrl_port}").parse().expect("addr");
        let mut ctrl = None;
        for _ in 0..100 {
            if let Ok(s) = TcpStream::connect(ctrl_addr).await {
                ctrl = Some(s);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let ctrl = ctrl.unwrap_or_else(|| panic!("baresip did not open ctrl_tcp on {ctrl_addr}"));
        // The console prints to whoever last wrote to it: a newline (its help) makes us
        // that reader.
        let console = if account.print_messages {
            let c = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("console socket");
            c.connect(("127.0.0.1", console_port)).await.expect("console address");
            c.send(b"\n").await.expect("console");
            Some(c)
        } else {
            None
        };
        Baresip {
            _peer: peer,
            console,
            printed: String::new(),
            sip: format!("127.0.0.1:{port}").parse().expect("addr"),
            ctrl,
            buf: Vec::new(),
            dir,
            seen: Vec::new(),
            token: 0,
        }
    }

    /// Sends a command (`dial`, `accept`, `hangup`, `message`…).
    pub async fn command(&mut self, command: &str, params: &str) {
        self.token += 1;
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let json = format!(
            "{{\"command\":\"{}\",\"params\":\"{}\",\"token\":\"t{}\"}}",
            esc(command),
            esc(params),
            self.token
        );
        let frame = format!("{}:{json},", json.len());
        self.ctrl.write_all(frame.as_bytes()).await.expect("ctrl write");
    }

    /// Waits up to `secs` until baresip's console has printed `needle` (a chat message it
    /// received is printed as `PEER: "TEXT"`). The output so far, if it has.
    pub async fn wait_printed(&mut self, secs: u64, needle: &str) -> Option<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if self.printed.contains(needle) {
                return Some(self.printed.clone());
            }
            let console = self.console.as_mut()?;
            let mut chunk = [0u8; 65536];
            match tokio::time::timeout_at(deadline, console.recv(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => {
                    self.printed.push_str(&String::from_utf8_lossy(chunk.get(..n).unwrap_or(&[])))
                }
                _ => return None,
            }
        }
    }

    /// Waits up to `secs` for an event or response whose JSON contains `needle`.
    pub async fn wait_for(&mut self, secs: u64, needle: &str) -> Option<String> {
        if let Some(s) = self.seen.iter().find(|s| s.contains(needle)) {
            return Some(s.clone());
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            while let Some(msg) = self.take_frame() {
                self.seen.push(msg.clone());
                if msg.contains(needle) {
                    return Some(msg);
                }
            }
            let mut chunk = [0u8; 4096];
            match tokio::time::timeout_at(deadline, self.ctrl.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => self.buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
                _ => return None,
            }
        }
    }

    /// Waits (bounded: 5 s) until baresip reports the account `aor` registered at its
    /// registrar (its REGISTER_OK event may come before the control connection: asks
    /// with `reginfo`). False if it never does.
    pub async fn wait_registered(&mut self, aor: &str) -> bool {
        for _ in 0..20 {
            self.command("reginfo", "").await;
            if let Some(r) = self.wait_for(1, "\"response\":true").await {
                self.seen.clear();
                if r.contains("OK") && r.contains(aor) {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        false
    }

    /// What baresip decoded in its calls so far (its sndfile dumps, oldest first), mono
    /// at `rate`. The dump of a call is complete once the call has ended.
    pub fn heard(&self, rate: u32) -> Vec<Vec<i16>> {
        let mut dumps: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        dumps.retain(|p| p.to_string_lossy().ends_with("-dec.wav"));
        dumps.sort();
        dumps.iter().map(|p| read_wav(p, rate).expect("baresip's sndfile dump")).collect()
    }

    fn take_frame(&mut self) -> Option<String> {
        let colon = self.buf.iter().position(|&b| b == b':')?;
        let len: usize = std::str::from_utf8(self.buf.get(..colon)?).ok()?.trim().parse().ok()?;
        let end = colon + 1 + len;
        if self.buf.len() < end + 1 {
            return None;
        }
        let msg = String::from_utf8_lossy(self.buf.get(colon + 1..end)?).into_owned();
        self.buf.drain(..=end);
        Some(msg)
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
