//! The reference site (deploy/kamailio) started on a free loopback port for a test.

use std::net::SocketAddr;
use std::time::Duration;

use crate::netns::Netns;
use crate::{Peer, asset, free_port};

/// A running Kamailio; stopped when dropped.
#[derive(Debug)]
pub struct Site {
    _kamailio: Peer,
    pub addr: SocketAddr,
}

impl Site {
    /// Starts the site on UDP and TCP at a free port and waits (bounded) until it listens.
    pub async fn start() -> Site {
        Site::start_in(None).await
    }

    /// As [`Site::start`], inside a test's network namespace (on its loopback).
    pub async fn start_in(netns: Option<&Netns>) -> Site {
        let port = free_port("127.0.0.1");
        let udp = format!("udp:127.0.0.1:{port}");
        let tcp = format!("tcp:127.0.0.1:{port}");
        let cfg = asset("../deploy/kamailio/kamailio.cfg");
        let pid = std::env::temp_dir().join(format!("earshot-kamailio-{port}.pid"));
        let mut args: Vec<&str> = Vec::new();
        if let Some(ns) = netns {
            args.extend(ns.prefix());
            args.push("kamailio");
        }
        let program = if netns.is_some() { "ip" } else { "kamailio" };
        args.extend([
            "-f",
            cfg.to_str().expect("utf8"),
            "-DD",
            "-E",
            "-l",
            &udp,
            "-l",
            &tcp,
            "-m",
            "32",
            "-M",
            "8",
            "-P",
            pid.to_str().expect("utf8"),
        ]);
        let peer = Peer::spawn("kamailio", program, &args);
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        for _ in 0..100 {
            let up = match netns {
                Some(ns) => ns.listening(port),
                None => tokio::net::TcpStream::connect(addr).await.is_ok(),
            };
            if up {
                return Site { _kamailio: peer, addr };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("kamailio did not start");
    }
}
