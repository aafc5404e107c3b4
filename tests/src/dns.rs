//! A DNS server for a test (dnsmasq on a free loopback port, answering only the records
//! the test gives it): NAPTR, SRV and A records for a site's SIP servers (RFC 3263).

use std::net::SocketAddr;
use std::time::Duration;

use crate::{Peer, free_port};

/// A running dnsmasq; stopped when dropped.
#[derive(Debug)]
pub struct Dns {
    _dnsmasq: Peer,
    pub addr: SocketAddr,
}

impl Dns {
    /// Starts dnsmasq with these record options (`--srv-host=…`, `--naptr-record=…`,
    /// `--host-record=…`) and nothing else: no upstream, no hosts file. Waits (bounded)
    /// until it answers.
    pub async fn start(records: &[String]) -> Dns {
        let port = free_port("127.0.0.1");
        let mut args: Vec<String> = [
            "--keep-in-foreground",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            "--pid-file=",
            "--conf-file=/dev/null",
        ]
        .map(String::from)
        .to_vec();
        args.push(format!("--port={port}"));
        args.extend(records.iter().cloned());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let peer = Peer::spawn("dnsmasq", "dnsmasq", &refs);
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("socket");
        // A query for the root's NS records: any answer means it listens.
        let query = [0u8, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1];
        for _ in 0..100 {
            let _ = socket.send_to(&query, addr).await;
            let mut buf = [0u8; 512];
            let got = tokio::time::timeout(Duration::from_millis(50), socket.recv_from(&mut buf));
            if matches!(got.await, Ok(Ok(_))) {
                return Dns { _dnsmasq: peer, addr };
            }
        }
        panic!("dnsmasq did not start");
    }
}
