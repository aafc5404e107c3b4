//! One media description (`m=` section, RFC 8866 §5.14) and the audio attributes read from
//! it: rtpmap, fmtp, ptime, maxptime, direction, rtcp (RFC 3605), rtcp-mux (RFC 5761).

use std::fmt;

use super::description::{Attribute, Connection};
use super::direction::Direction;

/// An `m=` line with its own lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    pub media: String,
    pub port: u16,
    pub port_count: Option<u16>,
    pub proto: String,
    pub formats: Vec<String>,
    pub connection: Option<Connection>,
    pub attributes: Vec<Attribute>,
    /// Lines not interpreted here (i, b, k), in order.
    pub other: Vec<(char, String)>,
}

/// `a=rtpmap:<pt> <encoding>/<clock>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    pub payload_type: u8,
    pub encoding: String,
    pub clock_rate: u32,
    pub channels: u8,
}

impl MediaDescription {
    pub(crate) fn parse_m_line(v: &str) -> Option<MediaDescription> {
        let mut it = v.split_ascii_whitespace();
        let media = it.next()?.to_owned();
        let port_text = it.next()?;
        let (port, port_count) = match port_text.split_once('/') {
            Some((p, n)) => (p.parse().ok()?, Some(n.parse().ok()?)),
            None => (port_text.parse().ok()?, None),
        };
        let proto = it.next()?.to_owned();
        let formats: Vec<String> = it.map(str::to_owned).collect();
        Some(MediaDescription {
            media,
            port,
            port_count,
            proto,
            formats,
            connection: None,
            attributes: Vec::new(),
            other: Vec::new(),
        })
    }

    /// A rejected stream (port 0) mirroring an offered one (RFC 3264 §6).
    pub fn rejected(offered: &MediaDescription) -> MediaDescription {
        MediaDescription {
            port: 0,
            port_count: None,
            connection: None,
            attributes: Vec::new(),
            other: Vec::new(),
            ..offered.clone()
        }
    }

    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes.iter().find(|a| a.name == name).map(|a| a.value.as_deref())
    }

    pub fn attributes_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attributes.iter().filter(move |a| a.name == name).filter_map(|a| a.value.as_deref())
    }

    /// The stream's direction; `session` is the session-level default.
    pub fn direction(&self, session: Direction) -> Direction {
        self.attributes.iter().find_map(|a| Direction::parse(&a.name)).unwrap_or(session)
    }

    /// The rtpmap of a payload type, or the RFC 3551 static mapping.
    pub fn rtpmap(&self, pt: u8) -> Option<RtpMap> {
        for v in self.attributes_named("rtpmap") {
            let Some((p, rest)) = v.split_once(' ') else {
                continue;
            };
            if p.parse::<u8>().ok() != Some(pt) {
                continue;
            }
            let mut parts = rest.trim().split('/');
            let encoding = parts.next()?.to_owned();
            let clock_rate = parts.next()?.parse().ok()?;
            let channels = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
            return Some(RtpMap { payload_type: pt, encoding, clock_rate, channels });
        }
        let (encoding, clock_rate) = match pt {
            0 => ("PCMU", 8000),
            3 => ("GSM", 8000),
            8 => ("PCMA", 8000),
            9 => ("G722", 8000),
            18 => ("G729", 8000),
            _ => return None,
        };
        Some(RtpMap { payload_type: pt, encoding: encoding.into(), clock_rate, channels: 1 })
    }

    /// The fmtp parameters of a payload type.
    pub fn fmtp(&self, pt: u8) -> Option<&str> {
        self.attributes_named("fmtp").find_map(|v| {
            let (p, rest) = v.split_once(' ')?;
            (p.parse::<u8>().ok() == Some(pt)).then_some(rest.trim())
        })
    }

    /// Payload types in offer order.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats.iter().filter_map(|f| f.parse().ok())
    }

    pub fn ptime(&self) -> Option<u32> {
        self.attribute("ptime").flatten().and_then(|v| v.trim().parse().ok())
    }

    pub fn maxptime(&self) -> Option<u32> {
        self.attribute("maxptime").flatten().and_then(|v| v.trim().parse().ok())
    }

    pub fn rtcp_mux(&self) -> bool {
        self.attribute("rtcp-mux").is_some()
    }

    /// `a=rtcp:<port> [IN IP4 <addr>]` (RFC 3605).
    pub fn rtcp(&self) -> Option<(u16, Option<std::net::IpAddr>)> {
        let v = self.attribute("rtcp").flatten()?;
        let mut it = v.split_ascii_whitespace();
        let port = it.next()?.parse().ok()?;
        let addr = it.nth(2).and_then(|a| a.parse().ok());
        Some((port, addr))
    }

    /// The `a=crypto` lines (RFC 4568), kept for SRTP.
    pub fn crypto(&self) -> impl Iterator<Item = &str> + '_ {
        self.attributes_named("crypto")
    }
}

impl fmt::Display for MediaDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m={} {}", self.media, self.port)?;
        if let Some(n) = self.port_count {
            write!(f, "/{n}")?;
        }
        write!(f, " {}", self.proto)?;
        for fmt_ in &self.formats {
            write!(f, " {fmt_}")?;
        }
        f.write_str("\r\n")?;
        for (k, v) in self.other.iter().filter(|(k, _)| *k == 'i') {
            write!(f, "{k}={v}\r\n")?;
        }
        if let Some(c) = &self.connection {
            write!(f, "c={c}\r\n")?;
        }
        for (k, v) in self.other.iter().filter(|(k, _)| *k != 'i') {
            write!(f, "{k}={v}\r\n")?;
        }
        for a in &self.attributes {
            write!(f, "a={a}\r\n")?;
        }
        Ok(())
    }
}
