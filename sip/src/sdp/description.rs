//! The SDP session description (RFC 8866 §5): parsing and printing. Lines this stack does
//! not interpret are kept in order and printed back.

use std::fmt;

use super::error::SdpError;
use super::media::MediaDescription;

/// `o=` (RFC 8866 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub username: String,
    pub session_id: String,
    pub session_version: u64,
    pub address_type: String,
    pub address: String,
}

/// `c=` (RFC 8866 §5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `IP4` or `IP6`.
    pub address_type: String,
    pub address: String,
}

impl Connection {
    pub fn new(ip: std::net::IpAddr) -> Self {
        Connection {
            address_type: if ip.is_ipv4() { "IP4" } else { "IP6" }.into(),
            address: ip.to_string(),
        }
    }

    /// The connection address as an IP, without a TTL/count suffix.
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        self.address.split('/').next()?.parse().ok()
    }

    /// RFC 3264 §8.4 (and RFC 2543 practice): `c=IN IP4 0.0.0.0` means "on hold".
    pub fn is_null(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }

    fn parse(v: &str) -> Option<Connection> {
        let mut it = v.split_ascii_whitespace();
        let (net, at, addr) = (it.next()?, it.next()?, it.next()?);
        (net == "IN" && it.next().is_none())
            .then(|| Connection { address_type: at.into(), address: addr.into() })
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IN {} {}", self.address_type, self.address)
    }
}

/// `a=name[:value]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub value: Option<String>,
}

impl Attribute {
    pub fn new(name: &str, value: Option<&str>) -> Self {
        Attribute { name: name.into(), value: value.map(Into::into) }
    }

    fn parse(v: &str) -> Attribute {
        match v.split_once(':') {
            Some((n, val)) => Attribute::new(n, Some(val)),
            None => Attribute::new(v, None),
        }
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{}:{v}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A whole session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    pub origin: Origin,
    pub session_name: String,
    pub connection: Option<Connection>,
    /// `t=` start and stop.
    pub timing: (u64, u64),
    pub attributes: Vec<Attribute>,
    pub media: Vec<MediaDescription>,
    /// Session-level lines not interpreted here (i, u, e, p, b, r, z, k), in order.
    pub other: Vec<(char, String)>,
}

impl SessionDescription {
    pub fn parse(bytes: &[u8]) -> Result<SessionDescription, SdpError> {
        let text = std::str::from_utf8(bytes).map_err(|_| SdpError::NotUtf8)?;
        let mut origin = None;
        let mut session_name = None;
        let mut connection = None;
        let mut timing = (0, 0);
        let mut attributes = Vec::new();
        let mut media: Vec<MediaDescription> = Vec::new();
        let mut other = Vec::new();
        let mut seen_version = false;
        for (i, raw) in text.split('\n').enumerate() {
            let line_no = i + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() {
                continue;
            }
            let err = |reason| SdpError::Line { line: line_no, reason };
            let (kind, value) = line.split_once('=').ok_or(err("not type=value"))?;
            let mut kc = kind.chars();
            let (Some(kind), None) = (kc.next(), kc.next()) else {
                return Err(err("type is not one letter"));
            };
            if !seen_version {
                if kind != 'v' || value != "0" {
                    return Err(err("first line must be v=0"));
                }
                seen_version = true;
                continue;
            }
            if kind == 'm' {
                media.push(MediaDescription::parse_m_line(value).ok_or(err("malformed m= line"))?);
                continue;
            }
            if let Some(m) = media.last_mut() {
                match kind {
                    'c' => {
                        m.connection =
                            Some(Connection::parse(value).ok_or(err("malformed c= line"))?)
                    }
                    'a' => m.attributes.push(Attribute::parse(value)),
                    _ => m.other.push((kind, value.to_owned())),
                }
                continue;
            }
            match kind {
                'o' => origin = Some(parse_origin(value).ok_or(err("malformed o= line"))?),
                's' => session_name = Some(value.to_owned()),
                'c' => connection = Some(Connection::parse(value).ok_or(err("malformed c= line"))?),
                't' => {
                    let mut it = value.split_ascii_whitespace().map(str::parse::<u64>);
                    match (it.next(), it.next()) {
                        (Some(Ok(a)), Some(Ok(b))) => timing = (a, b),
                        _ => return Err(err("malformed t= line")),
                    }
                }
                'a' => attributes.push(Attribute::parse(value)),
                _ => other.push((kind, value.to_owned())),
            }
        }
        if !seen_version {
            return Err(SdpError::Missing('v'));
        }
        Ok(SessionDescription {
            origin: origin.ok_or(SdpError::Missing('o'))?,
            session_name: session_name.unwrap_or_else(|| "-".into()),
            connection,
            timing,
            attributes,
            media,
            other,
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }

    /// A session-level attribute's value.
    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes.iter().find(|a| a.name == name).map(|a| a.value.as_deref())
    }
}

fn parse_origin(v: &str) -> Option<Origin> {
    let f: Vec<&str> = v.split_ascii_whitespace().collect();
    let [user, id, version, net, at, addr] = f.as_slice() else {
        return None;
    };
    (*net == "IN").then_some(())?;
    Some(Origin {
        username: (*user).into(),
        session_id: (*id).into(),
        session_version: version.parse().ok()?,
        address_type: (*at).into(),
        address: (*addr).into(),
    })
}

impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.origin;
        write!(
            f,
            "v=0\r\no={} {} {} IN {} {}\r\n",
            o.username, o.session_id, o.session_version, o.address_type, o.address
        )?;
        write!(f, "s={}\r\n", self.session_name)?;
        for (k, v) in self.other.iter().filter(|(k, _)| matches!(k, 'i' | 'u' | 'e' | 'p')) {
            write!(f, "{k}={v}\r\n")?;
        }
        if let Some(c) = &self.connection {
            write!(f, "c={c}\r\n")?;
        }
        for (k, v) in self.other.iter().filter(|(k, _)| *k == 'b') {
            write!(f, "{k}={v}\r\n")?;
        }
        write!(f, "t={} {}\r\n", self.timing.0, self.timing.1)?;
        for (k, v) in self.other.iter().filter(|(k, _)| !matches!(k, 'i' | 'u' | 'e' | 'p' | 'b')) {
            write!(f, "{k}={v}\r\n")?;
        }
        for a in &self.attributes {
            write!(f, "a={a}\r\n")?;
        }
        for m in &self.media {
            write!(f, "{m}")?;
        }
        Ok(())
    }
}
