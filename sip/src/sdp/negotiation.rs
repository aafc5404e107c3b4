//! The offer/answer model for one audio stream (RFC 3264 §5–§8): building offers,
//! answering offers, and reading answers into what both sides settled on.

use std::net::{IpAddr, SocketAddr};

use super::description::{Attribute, Connection, Origin, SessionDescription};
use super::direction::Direction;
use super::error::SdpError;
use super::media::MediaDescription;

/// A payload format this endpoint can send and receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadFormat {
    pub encoding: String,
    pub clock_rate: u32,
    pub channels: u8,
    /// The RFC 3551 static payload type, if the format has one.
    pub static_pt: Option<u8>,
    pub fmtp: Option<String>,
}

impl PayloadFormat {
    pub fn new(
        encoding: &str,
        clock_rate: u32,
        channels: u8,
        static_pt: Option<u8>,
        fmtp: Option<&str>,
    ) -> Self {
        PayloadFormat {
            encoding: encoding.into(),
            clock_rate,
            channels,
            static_pt,
            fmtp: fmtp.map(Into::into),
        }
    }

    fn same_format(&self, encoding: &str, clock_rate: u32, channels: u8) -> bool {
        self.encoding.eq_ignore_ascii_case(encoding)
            && self.clock_rate == clock_rate
            && (self.channels == channels || self.encoding.eq_ignore_ascii_case("opus"))
    }

    fn is_telephone_event(&self) -> bool {
        self.encoding.eq_ignore_ascii_case("telephone-event")
    }
}

/// What this endpoint offers or accepts for audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioCapabilities {
    /// Codecs in preference order (telephone-event is separate).
    pub formats: Vec<PayloadFormat>,
    /// Offer and accept RFC 4733 telephone-event at 8 kHz.
    pub telephone_event: bool,
    pub ptime: Option<u32>,
    pub rtcp_mux: bool,
    pub address: IpAddr,
    pub port: u16,
    pub direction: Direction,
    /// `a=crypto` lines to offer (RFC 4568), empty for plain RTP.
    pub crypto: Vec<String>,
}

/// What offer/answer settled for the audio stream, from this endpoint's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Where to send RTP; `None` when the stream is rejected or on hold with a null address.
    pub remote_rtp: Option<SocketAddr>,
    /// Where to send RTCP (rtcp-mux: the RTP address).
    pub remote_rtcp: Option<SocketAddr>,
    /// Common formats with their payload types, in the order to prefer; the first is the
    /// one to send.
    pub formats: Vec<(u8, PayloadFormat)>,
    /// Payload type of telephone-event, if both sides support it.
    pub telephone_event: Option<u8>,
    /// The packet time to send with, in ms: the peer's `a=ptime` capped by its
    /// `a=maxptime` (ours when it gave none).
    pub ptime: Option<u32>,
    /// This endpoint's direction.
    pub direction: Direction,
    pub rtcp_mux: bool,
    /// The peer's `a=crypto` lines.
    pub remote_crypto: Vec<String>,
}

impl Negotiated {
    /// The format to send with, and its payload type.
    pub fn send_format(&self) -> Option<&(u8, PayloadFormat)> {
        self.formats.first()
    }
}

/// The packet time to send with: the peer's `a=ptime` (else our own), no longer than its
/// `a=maxptime` (RFC 4566 §6). The codec then picks the longest it supports within that.
fn packet_time(m: &MediaDescription, caps: &AudioCapabilities) -> Option<u32> {
    match (m.ptime().or(caps.ptime), m.maxptime()) {
        (Some(p), Some(max)) => Some(p.min(max)),
        (None, Some(max)) => Some(max.min(20)),
        (p, None) => p,
    }
}

fn is_audio_rtp(m: &MediaDescription) -> bool {
    m.media.eq_ignore_ascii_case("audio") && m.proto.starts_with("RTP/")
}

/// Builds an offer (RFC 3264 §5): static payload types where they exist, dynamic ones from
/// 96 upward, telephone-event last.
pub fn offer(caps: &AudioCapabilities, origin: &Origin) -> SessionDescription {
    let mut next_dynamic = 96u8;
    let mut pts = Vec::new();
    for f in &caps.formats {
        let pt = f.static_pt.unwrap_or_else(|| {
            let p = next_dynamic;
            next_dynamic = next_dynamic.saturating_add(1);
            p
        });
        pts.push((pt, f.clone()));
    }
    if caps.telephone_event {
        let pt = if pts.iter().any(|(p, _)| *p == 101) { next_dynamic } else { 101 };
        pts.push((pt, PayloadFormat::new("telephone-event", 8000, 1, None, Some("0-16"))));
    }
    session(origin, caps, vec![media_for(caps, &pts, caps.direction)])
}

fn media_for(
    caps: &AudioCapabilities,
    pts: &[(u8, PayloadFormat)],
    direction: Direction,
) -> MediaDescription {
    let mut attributes = Vec::new();
    for (pt, f) in pts {
        let enc = if f.channels > 1 {
            format!("{pt} {}/{}/{}", f.encoding, f.clock_rate, f.channels)
        } else {
            format!("{pt} {}/{}", f.encoding, f.clock_rate)
        };
        attributes.push(Attribute::new("rtpmap", Some(&enc)));
        if let Some(fmtp) = &f.fmtp {
            attributes.push(Attribute::new("fmtp", Some(&format!("{pt} {fmtp}"))));
        }
    }
    if let Some(p) = caps.ptime {
        attributes.push(Attribute::new("ptime", Some(&p.to_string())));
    }
    if caps.rtcp_mux {
        attributes.push(Attribute::new("rtcp-mux", None));
    }
    for c in &caps.crypto {
        attributes.push(Attribute::new("crypto", Some(c)));
    }
    attributes.push(Attribute::new(direction.as_str(), None));
    MediaDescription {
        media: "audio".into(),
        port: caps.port,
        port_count: None,
        proto: if caps.crypto.is_empty() { "RTP/AVP" } else { "RTP/SAVP" }.into(),
        formats: pts.iter().map(|(p, _)| p.to_string()).collect(),
        connection: None,
        attributes,
        other: Vec::new(),
    }
}

fn session(
    origin: &Origin,
    caps: &AudioCapabilities,
    media: Vec<MediaDescription>,
) -> SessionDescription {
    SessionDescription {
        origin: origin.clone(),
        session_name: "Earshot".into(),
        connection: Some(Connection::new(caps.address)),
        timing: (0, 0),
        attributes: Vec::new(),
        media,
        other: Vec::new(),
    }
}

/// The formats of `m` that `caps` supports, with `m`'s payload types, in `m`'s order;
/// plus the telephone-event payload type if both support it.
fn common(
    m: &MediaDescription,
    caps: &AudioCapabilities,
) -> (Vec<(u8, PayloadFormat)>, Option<u8>) {
    let mut formats = Vec::new();
    let mut te = None;
    for pt in m.payload_types() {
        let Some(map) = m.rtpmap(pt) else { continue };
        if map.encoding.eq_ignore_ascii_case("telephone-event") {
            if caps.telephone_event && map.clock_rate == 8000 && te.is_none() {
                te = Some(pt);
            }
            continue;
        }
        if let Some(f) = caps.formats.iter().find(|f| {
            !f.is_telephone_event() && f.same_format(&map.encoding, map.clock_rate, map.channels)
        }) {
            let mut f = f.clone();
            f.fmtp = m.fmtp(pt).map(str::to_owned).or(f.fmtp);
            formats.push((pt, f));
        }
    }
    (formats, te)
}

fn remote_addresses(
    sd: &SessionDescription,
    m: &MediaDescription,
    rtcp_mux: bool,
) -> (Option<SocketAddr>, Option<SocketAddr>) {
    let conn = m.connection.as_ref().or(sd.connection.as_ref());
    let ip = conn.filter(|c| !c.is_null()).and_then(Connection::ip);
    match ip {
        Some(ip) if m.port != 0 => {
            let rtp = SocketAddr::new(ip, m.port);
            let rtcp = if rtcp_mux {
                rtp
            } else {
                match m.rtcp() {
                    Some((port, addr)) => SocketAddr::new(addr.unwrap_or(ip), port),
                    None => SocketAddr::new(ip, m.port.saturating_add(1)),
                }
            };
            (Some(rtp), Some(rtcp))
        }
        _ => (None, None),
    }
}

fn session_direction(sd: &SessionDescription) -> Direction {
    sd.attributes.iter().find_map(|a| Direction::parse(&a.name)).unwrap_or_default()
}

/// Answers an offer (RFC 3264 §6): accepts the first audio stream with a codec in common,
/// rejects every other stream with port 0, and fails (488) if no audio is accepted.
pub fn answer(
    offer: &SessionDescription,
    caps: &AudioCapabilities,
    origin: &Origin,
) -> Result<(SessionDescription, Negotiated), SdpError> {
    let mut media = Vec::new();
    let mut negotiated = None;
    let session_dir = session_direction(offer);
    for m in &offer.media {
        if negotiated.is_some() || !is_audio_rtp(m) || m.port == 0 {
            media.push(MediaDescription::rejected(m));
            continue;
        }
        let (formats, te) = common(m, caps);
        if formats.is_empty() {
            media.push(MediaDescription::rejected(m));
            continue;
        }
        let offered_dir = m.direction(session_dir);
        // A null connection address is the RFC 2543 way of putting a call on hold.
        let held =
            m.connection.as_ref().or(offer.connection.as_ref()).is_some_and(Connection::is_null);
        let offered_dir =
            if held { Direction::SendOnly.intersect(offered_dir) } else { offered_dir };
        let direction = Direction::answer_to(offered_dir, caps.direction);
        let rtcp_mux = caps.rtcp_mux && m.rtcp_mux();
        // The answer's fmtp says what we want to receive (RFC 7587 §7: Opus parameters
        // are declarative, each side's its own): ours where we have one, else the
        // offer's echoed. `formats` keeps the offer's, which say how to send to the peer.
        let mut pts: Vec<(u8, PayloadFormat)> = formats
            .iter()
            .map(|(pt, f)| {
                let ours = caps
                    .formats
                    .iter()
                    .find(|c| c.same_format(&f.encoding, f.clock_rate, f.channels))
                    .and_then(|c| c.fmtp.clone());
                (*pt, PayloadFormat { fmtp: ours.or_else(|| f.fmtp.clone()), ..f.clone() })
            })
            .collect();
        if let Some(te) = te {
            pts.push((te, PayloadFormat::new("telephone-event", 8000, 1, None, m.fmtp(te))));
        }
        let mut our_caps = caps.clone();
        our_caps.rtcp_mux = rtcp_mux;
        let remote_crypto: Vec<String> = m.crypto().map(str::to_owned).collect();
        if remote_crypto.is_empty() {
            our_caps.crypto.clear();
        }
        let mut answer_m = media_for(&our_caps, &pts, direction);
        answer_m.proto = m.proto.clone();
        media.push(answer_m);
        let (remote_rtp, remote_rtcp) = remote_addresses(offer, m, rtcp_mux);
        negotiated = Some(Negotiated {
            remote_rtp,
            remote_rtcp,
            formats,
            telephone_event: te,
            ptime: packet_time(m, caps),
            direction,
            rtcp_mux,
            remote_crypto,
        });
    }
    let negotiated = negotiated.ok_or(SdpError::NoCommonCodec)?;
    Ok((session(origin, caps, media), negotiated))
}

/// Reads the answer to `our_offer` (RFC 3264 §7): the same number of streams, the audio
/// stream accepted with formats taken from the offer.
pub fn read_answer(
    our_offer: &SessionDescription,
    answer: &SessionDescription,
    caps: &AudioCapabilities,
) -> Result<Negotiated, SdpError> {
    if answer.media.len() != our_offer.media.len() {
        return Err(SdpError::AnswerMismatch("number of m= lines differs"));
    }
    let index = our_offer.media.iter().position(is_audio_rtp).ok_or(SdpError::NoCommonCodec)?;
    let (Some(ours), Some(m)) = (our_offer.media.get(index), answer.media.get(index)) else {
        return Err(SdpError::AnswerMismatch("missing audio stream"));
    };
    if m.port == 0 {
        return Err(SdpError::NoCommonCodec);
    }
    let offered: Vec<u8> = ours.payload_types().collect();
    if m.payload_types().any(|pt| !offered.contains(&pt)) {
        return Err(SdpError::AnswerMismatch("answer uses a payload type that was not offered"));
    }
    let (formats, te) = common(m, caps);
    if formats.is_empty() {
        return Err(SdpError::NoCommonCodec);
    }
    let answered = m.direction(session_direction(answer));
    let rtcp_mux = caps.rtcp_mux && m.rtcp_mux();
    let (remote_rtp, remote_rtcp) = remote_addresses(answer, m, rtcp_mux);
    Ok(Negotiated {
        remote_rtp,
        remote_rtcp,
        formats,
        telephone_event: te,
        ptime: packet_time(m, caps),
        direction: answered.reversed(),
        rtcp_mux,
        remote_crypto: m.crypto().map(str::to_owned).collect(),
    })
}
