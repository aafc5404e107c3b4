//! The two stacks under test, each as a caller and a callee in separate processes on the
//! JACK rig, their media through the impairment relay: two `earshot-media-peer`s, or two
//! baresips (its jack module, defaults otherwise) set up by third-party call control
//! (RFC 3725): the harness INVITEs each baresip with an offer whose media address is the
//! relay, and each auto-answers.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use earshot_sip::message::NameAddr;
use earshot_sip::sdp;
use earshot_sip::ua::{CallHandle, UaEvent};
use earshot_tests::media_call::codec_caps;
use earshot_tests::{Agent, free_port, origin};

use crate::jack_rig;
use crate::relay::Relay;

/// Which implementation runs both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    Earshot,
    Baresip,
}

impl Stack {
    pub fn name(self) -> &'static str {
        match self {
            Stack::Earshot => "Earshot",
            Stack::Baresip => "baresip",
        }
    }
}

/// A call in progress: both processes, and the JACK ports to patch the rig into.
#[derive(Debug)]
pub struct Call {
    children: Vec<Child>,
    pub pids: Vec<u32>,
    /// The caller's capture ports (the rig's mouth goes into each).
    pub caller_inputs: Vec<String>,
    /// The callee's first playback port (into the rig's ear).
    pub callee_output: String,
    agent: Option<(Agent, Vec<CallHandle>)>,
    dirs: Vec<PathBuf>,
}

impl Call {
    /// Ends the call and stops both processes; returns the statistics lines the Earshot
    /// peers printed.
    pub async fn end(mut self) -> Vec<String> {
        if let Some((agent, calls)) = self.agent.take() {
            for c in calls {
                let _ = agent.handle.with(move |ua, now| ua.hangup(c, now)).await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            agent.handle.shutdown().await;
        }
        let mut reports = Vec::new();
        for mut child in std::mem::take(&mut self.children) {
            // Closing stdin ends an Earshot peer, which prints its statistics.
            drop(child.stdin.take());
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline && child.try_wait().ok().flatten().is_none() {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            if let Some(out) = child.stdout.take() {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if line.starts_with("stats") {
                        reports.push(line);
                    }
                }
            }
        }
        for d in std::mem::take(&mut self.dirs) {
            let _ = std::fs::remove_dir_all(d);
        }
        reports
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for d in &self.dirs {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// The callee's playback port and the caller's capture ports.
type Ports = (String, Vec<String>);

/// Waits up to `secs` for JACK ports matching `pick`.
fn wait_for_ports(secs: u64, pick: impl Fn(&[String]) -> Option<Ports>) -> Option<Ports> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if let Some(found) = pick(&jack_rig::ports()) {
            return Some(found);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

fn media_peer_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = exe.with_file_name("earshot-media-peer");
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing: cargo build --release -p earshot-benches", path.display()))
    }
}

fn wait_ready(out: &mut BufReader<ChildStdout>) -> Result<u32, String> {
    let mut line = String::new();
    out.read_line(&mut line).map_err(|e| e.to_string())?;
    line.trim()
        .strip_prefix("ready pid=")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .ok_or(format!("earshot-media-peer did not start: {line:?}"))
}

/// Two Earshot media peers, caller and callee, through `relay`.
pub fn start_earshot(codec: &str, relay: &Relay) -> Result<Call, String> {
    let bin = media_peer_binary()?;
    let mut children = Vec::new();
    let mut pids = Vec::new();
    for remote in [relay.a_port, relay.b_port] {
        let local = format!("127.0.0.1:{}", free_port("127.0.0.1"));
        let mut child = Command::new(&bin)
            .args(["--codec", codec, "--local", &local, "--remote", &remote.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut reader = BufReader::new(stdout);
        let pid = wait_ready(&mut reader)?;
        child.stdout = Some(reader.into_inner());
        pids.push(pid);
        children.push(child);
    }
    let &[caller, callee] = pids.as_slice() else { return Err("two peers expected".into()) };
    let ports = wait_for_ports(5, |all| {
        let ins: Vec<String> = all
            .iter()
            .filter(|p| p.starts_with(&format!("cpal_client_{caller}_in:")))
            .cloned()
            .collect();
        let out = all.iter().find(|p| p.starts_with(&format!("cpal_client_{callee}_out:out_0")))?;
        (!ins.is_empty()).then(|| (out.clone(), ins))
    })
    .ok_or("the Earshot peers' JACK ports did not appear")?;
    Ok(Call {
        children,
        pids,
        callee_output: ports.0,
        caller_inputs: ports.1,
        agent: None,
        dirs: Vec::new(),
    })
}

/// baresip's name for `codec` in `audio_codecs`.
fn baresip_codec(codec: &str) -> &str {
    match codec.to_ascii_lowercase().as_str() {
        "opus" => "opus/48000/2",
        "g722" => "G722",
        _ => "PCMU",
    }
}

fn start_one_baresip(
    name: &str,
    codec: &str,
    rtp_base: u16,
) -> Result<(Child, u16, PathBuf), String> {
    let port = free_port("127.0.0.1");
    let dir = std::env::temp_dir().join(format!("earshot-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let config = format!(
        "poll_method epoll\nsip_listen 127.0.0.1:{port}\nsip_trans_def udp\n\
         module_path /usr/lib/baresip/modules\n\
         module g711.so\nmodule g722.so\nmodule opus.so\nmodule jack.so\n\
         module_app account.so\nmodule_app menu.so\n\
         audio_source jack,{name}\naudio_player jack,{name}\naudio_alert jack,{name}\n\
         jack_connect_ports no\njack_client_name {name}\n\
         ausrc_srate 48000\nauplay_srate 48000\nausrc_format float\nauplay_format float\n\
         opus_bitrate {opus_bitrate}\n\
         rtp_ports {rtp_base}-{}\n",
        rtp_base + 100,
        // The same bitrate as Earshot sends, so that the jitter buffers are compared on
        // equal bits.
        opus_bitrate = earshot_engine::media::codec::OPUS_DEFAULT_BITRATE,
    );
    std::fs::write(dir.join("config"), config).map_err(|e| e.to_string())?;
    let account = format!(
        "<sip:{name}@127.0.0.1:{port}>;regint=0;answermode=auto;audio_codecs={}\n",
        baresip_codec(codec)
    );
    std::fs::write(dir.join("accounts"), account).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(dir.join("log")).map_err(|e| e.to_string())?;
    let child = Command::new("baresip")
        .args(["-f"])
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("baresip is missing ({e}): apt-get install baresip"))?;
    Ok((child, port, dir))
}

/// Two baresips, caller and callee, their media through `relay` (third-party call
/// control by an Earshot SIP agent).
pub async fn start_baresip(codec: &str, relay: &Relay) -> Result<Call, String> {
    let mut call = Call {
        children: Vec::new(),
        pids: Vec::new(),
        caller_inputs: Vec::new(),
        callee_output: String::new(),
        agent: None,
        dirs: Vec::new(),
    };
    let mut sip_ports = Vec::new();
    for (name, base) in [("baresip_a", 31000), ("baresip_b", 32000)] {
        let (child, port, dir) = start_one_baresip(name, codec, base)?;
        call.pids.push(child.id());
        call.children.push(child);
        call.dirs.push(dir);
        sip_ports.push((name, port));
    }
    // Let both open their SIP sockets.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut agent = Agent::start("bench", "127.0.0.1", |_| {}).await;
    let mut handles = Vec::new();
    for ((name, sip), media) in sip_ports.into_iter().zip([relay.a_port, relay.b_port]) {
        let caps = codec_caps(codec, media.port());
        let offer = sdp::offer(&caps, &origin("127.0.0.1")).to_bytes();
        let to =
            NameAddr::parse(&format!("<sip:{name}@127.0.0.1:{sip}>")).map_err(|e| e.to_string())?;
        let handle = agent
            .handle
            .with(move |ua, now| ua.call(&to, offer, vec![], now))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let ok = agent
            .wait_for(10, |e| {
                matches!(e, UaEvent::Established { call, .. } if *call == handle).then_some(())
            })
            .await;
        if ok.is_none() {
            let log = call
                .dirs
                .iter()
                .map(|d| std::fs::read_to_string(d.join("log")).unwrap_or_default());
            return Err(format!(
                "baresip did not answer; its logs: {}",
                log.collect::<Vec<_>>().join("\n---\n")
            ));
        }
        handles.push(handle);
    }
    call.agent = Some((agent, handles));
    let ports = wait_for_ports(5, |all| {
        let ins: Vec<String> = all
            .iter()
            .filter(|p| p.starts_with("baresip_a") && p.contains(":input_"))
            .cloned()
            .collect();
        // The player and the source are separate JACK clients (`NAME` and `NAME-01`).
        let out = all.iter().find(|p| p.starts_with("baresip_b") && p.ends_with(":output_1"))?;
        (!ins.is_empty()).then(|| (out.clone(), ins))
    })
    .ok_or("baresip's JACK ports did not appear")?;
    (call.callee_output, call.caller_inputs) = ports;
    Ok(call)
}
