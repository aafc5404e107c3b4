//! A headless baresip (Debian package) as a test peer: its own config directory, audio from
//! a WAV file (aufile), control and events over ctrl_tcp (netstring-framed JSON).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{Peer, free_port};

/// A running baresip and its control connection.
#[derive(Debug)]
pub struct Baresip {
    _peer: Peer,
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
    pub auto_answer: bool,
    /// One contact to message with the `message` command.
    pub contact: Option<String>,
}

fn silence_wav(path: &std::path::Path) {
    // 2 s of 8 kHz 16-bit mono silence.
    let samples = 16000u32;
    let mut w = Vec::new();
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + samples * 2).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&8000u32.to_le_bytes());
    w.extend_from_slice(&16000u32.to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&(samples * 2).to_le_bytes());
    w.resize(w.len() + samples as usize * 2, 0);
    std::fs::write(path, w).expect("write wav");
}

impl Baresip {
    pub async fn start(account: BaresipAccount) -> Baresip {
        let port = free_port("127.0.0.1");
        let ctrl_port = free_port("127.0.0.1");
        let dir =
            std::env::temp_dir().join(format!("earshot-baresip-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("config dir");
        let wav = dir.join("source.wav");
        silence_wav(&wav);
        let config = format!(
            "poll_method epoll\nsip_listen 127.0.0.1:{port}\nmodule_path /usr/lib/baresip/modules\n\
             module g711.so\nmodule aufile.so\nmodule_app account.so\nmodule_app contact.so\nmodule_app menu.so\n\
             module_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:{ctrl_port}\n\
             audio_source aufile,{}\naudio_alert aufile,{}\naudio_player aufile,{}\n\
             rtp_ports 30000-30100\nsip_trans_def udp\n",
            wav.display(),
            wav.display(),
            wav.display(),
        );
        std::fs::write(dir.join("config"), config).expect("config");
        let aor = account.aor.clone().unwrap_or_else(|| format!("baresip@127.0.0.1:{port}"));
        let mut acc =
            format!("<sip:{aor}>;regint={}", if account.outbound.is_some() { 300 } else { 0 });
        if let Some(p) = &account.password {
            acc.push_str(&format!(";auth_pass={p}"));
        }
        if let Some(o) = &account.outbound {
            acc.push_str(&format!(";outbound=\"sip:{o};lr\""));
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
        let peer = Peer::spawn("baresip", "baresip", &["-f", dir.to_str().expect("utf8 path")]);
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
        Baresip {
            _peer: peer,
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
