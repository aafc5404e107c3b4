//! Where a message goes or came from: a transport kind and a socket address.

use std::fmt;
use std::net::SocketAddr;

/// A SIP transport (RFC 3261 §18, RFC 7118 for WebSocket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl TransportKind {
    /// Reliable transports carry no retransmissions (§17.1.1.2, §17.1.2.2).
    pub fn is_reliable(self) -> bool {
        !matches!(self, TransportKind::Udp)
    }

    /// The Via transport token.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Udp => "UDP",
            TransportKind::Tcp => "TCP",
            TransportKind::Tls => "TLS",
            TransportKind::Ws => "WS",
            TransportKind::Wss => "WSS",
        }
    }

    pub fn parse(token: &str) -> Option<TransportKind> {
        Some(match token.to_ascii_uppercase().as_str() {
            "UDP" => TransportKind::Udp,
            "TCP" => TransportKind::Tcp,
            "TLS" => TransportKind::Tls,
            "WS" => TransportKind::Ws,
            "WSS" => TransportKind::Wss,
            _ => return None,
        })
    }

    /// The default port for the transport (RFC 3261 §19.1.2, RFC 7118).
    pub fn default_port(self) -> u16 {
        match self {
            TransportKind::Udp | TransportKind::Tcp => 5060,
            TransportKind::Tls => 5061,
            TransportKind::Ws => 80,
            TransportKind::Wss => 443,
        }
    }
}

/// A peer on a transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    pub transport: TransportKind,
    pub addr: SocketAddr,
}

impl Target {
    pub fn udp(addr: SocketAddr) -> Self {
        Target { transport: TransportKind::Udp, addr }
    }
    pub fn tcp(addr: SocketAddr) -> Self {
        Target { transport: TransportKind::Tcp, addr }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.transport.as_str().to_ascii_lowercase(), self.addr)
    }
}

impl Target {
    /// The target as a SIP URI, `sip:IP:PORT` with `;transport=` unless UDP: how an
    /// outbound proxy given by address is named in a Route header.
    pub fn uri(&self) -> crate::message::SipUri {
        let mut params = crate::message::Params::new();
        if self.transport != TransportKind::Udp {
            params.set("transport", Some(&self.transport.as_str().to_ascii_lowercase()));
        }
        crate::message::SipUri {
            secure: false,
            user: None,
            password: None,
            host: crate::message::Host::Ip(self.addr.ip()),
            port: Some(self.addr.port()),
            params,
            headers: Vec::new(),
        }
    }
}
