//! A network namespace of a test's own (`ip netns`, as root): only loopback, with the
//! addresses and the default route the test sets and moves, so that a phone's "network"
//! can change under it without touching the machine's. Deleted when dropped.

use std::process::{Command, Stdio};

/// A namespace `earshot-<tag>-<pid>`.
#[derive(Debug)]
pub struct Netns {
    pub name: String,
}

impl Netns {
    /// Creates the namespace with loopback up; says exactly why it could not.
    pub fn create(tag: &str) -> Result<Netns, String> {
        let name = format!("earshot-{tag}-{}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &name]).stderr(Stdio::null()).status();
        let out = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .map_err(|e| format!("cannot run ip (iproute2): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "ip netns add {name}: {} (network namespaces need root)",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        Ok(ns)
    }

    /// Runs `ip ARGS` inside the namespace; panics with its output if it fails.
    pub fn ip(&self, args: &[&str]) {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.name, "ip"])
            .args(args)
            .output()
            .expect("ip runs");
        assert!(
            out.status.success(),
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }

    /// The words that run a program inside the namespace (`ip netns exec NAME`).
    pub fn prefix(&self) -> [&str; 3] {
        ["netns", "exec", &self.name]
    }

    /// Whether something inside the namespace accepts TCP connections on `port` of
    /// 127.0.0.1.
    pub fn listening(&self, port: u16) -> bool {
        Command::new("ip")
            .args(["netns", "exec", &self.name, "bash", "-c"])
            .arg(format!("exec 3<>/dev/tcp/127.0.0.1/{port}"))
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ =
            Command::new("ip").args(["netns", "del", &self.name]).stderr(Stdio::null()).status();
    }
}
