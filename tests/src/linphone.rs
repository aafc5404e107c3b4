//! A running `linphonec` (Debian's `linphone-cli`) for the chat tests: its own home and
//! configuration in a temporary folder, a free UDP port on loopback, optionally an outbound
//! proxy it sends through without registering (a customer of the site); driven on stdin
//! (`chat ADDRESS TEXT`), read by what it prints ("Message received from …"), killed with
//! its process group when dropped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::free_port;

/// A running linphonec.
pub struct Linphone {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    group: Option<u32>,
    /// Its SIP address (`127.0.0.1:PORT`).
    pub sip: SocketAddr,
    /// Its address of record.
    pub aor: String,
    /// Everything it printed so far.
    pub printed: String,
    dir: PathBuf,
}

impl Linphone {
    /// Starts linphonec as `user` on a free port; with `proxy`, every request goes
    /// through it (no registration).
    pub async fn start(user: &str, proxy: Option<SocketAddr>) -> Linphone {
        let port = free_port("127.0.0.1");
        let dir =
            std::env::temp_dir().join(format!("earshot-linphone-{}-{port}", std::process::id()));
        // Its chat database lives under $HOME; without the folder it receives nothing.
        std::fs::create_dir_all(dir.join(".local/share/linphone")).expect("linphone home");
        let aor = format!("sip:{user}@127.0.0.1:{port}");
        let default_proxy = if proxy.is_some() { 0 } else { -1 };
        let mut rc = format!(
            "[sip]\nsip_port={port}\nsip_tcp_port=-1\nsip_tls_port=-1\nbind_address=127.0.0.1\n\
             contact=\"{user}\" <{aor}>\nuse_ipv6=0\ndefault_proxy={default_proxy}\n\
             [sound]\nplayback_dev_id=\nringer_dev_id=\ncapture_dev_id=\n"
        );
        if let Some(p) = proxy {
            rc.push_str(&format!(
                "[proxy_0]\nreg_proxy=<sip:{p};transport=udp>\n\
                 reg_route=<sip:{p};transport=udp;lr>\nreg_identity=\"{user}\" <{aor}>\n\
                 reg_sendregister=0\npublish=0\n"
            ));
        }
        let config = dir.join("linphonerc");
        std::fs::write(&config, rc).expect("linphonerc");
        let mut child = Command::new("linphonec")
            .args(["-c", config.to_str().expect("utf8 path"), "-d", "0"])
            .env("HOME", &dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start linphonec: {e} (apt-get install linphone-cli)")
            });
        let group = child.id();
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let mut l = Linphone {
            child,
            stdin,
            stdout,
            group,
            sip: format!("127.0.0.1:{port}").parse().expect("addr"),
            aor,
            printed: String::new(),
            dir,
        };
        assert!(l.wait_printed(10, "linphonec>").await.is_some(), "linphonec did not start");
        l
    }

    /// Types a command line (`chat sip:… TEXT`).
    pub async fn command(&mut self, line: &str) {
        self.stdin.write_all(format!("{line}\n").as_bytes()).await.expect("linphonec stdin");
        self.stdin.flush().await.expect("linphonec stdin");
    }

    /// Waits up to `secs` until linphonec has printed `needle`; its output so far if so.
    pub async fn wait_printed(&mut self, secs: u64, needle: &str) -> Option<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if self.printed.contains(needle) {
                return Some(self.printed.clone());
            }
            let mut chunk = [0u8; 8192];
            match tokio::time::timeout_at(deadline, self.stdout.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => {
                    self.printed.push_str(&String::from_utf8_lossy(chunk.get(..n).unwrap_or(&[])))
                }
                _ => return None,
            }
        }
    }
}

impl std::fmt::Debug for Linphone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linphone").field("sip", &self.sip).field("aor", &self.aor).finish()
    }
}

impl Drop for Linphone {
    fn drop(&mut self) {
        if let Some(group) = self.group {
            crate::kill_group(group);
        }
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
