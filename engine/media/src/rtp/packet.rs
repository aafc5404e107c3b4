//! RTP packets on the wire (RFC 3550 §5.1) through `rtc-rtp`: parsing a received datagram
//! into the fields the media path needs, and writing a packet into a caller's buffer
//! without allocating. RTCP is told apart by payload type when multiplexed (RFC 5761 §4).

use rtc_rtp::Header;
use rtc_shared::marshal::{Marshal, MarshalSize, Unmarshal};

/// Why a datagram is not a usable RTP packet (counted and dropped by the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    #[error("not RTP version 2")]
    Version,
    #[error("malformed RTP header")]
    Header,
    #[error("padding longer than the payload")]
    Padding,
    #[error("output buffer too small")]
    BufferTooSmall,
}

/// A received RTP packet: header fields and where the payload is in the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpIn {
    pub payload_type: u8,
    pub marker: bool,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload_offset: usize,
    pub payload_len: usize,
}

impl RtpIn {
    pub fn payload<'a>(&self, datagram: &'a [u8]) -> &'a [u8] {
        datagram.get(self.payload_offset..self.payload_offset + self.payload_len).unwrap_or(&[])
    }
}

/// RFC 5761 §4: with rtcp-mux, a second byte of 192–223 (payload types 64–95 with the
/// marker) is RTCP.
pub fn is_rtcp(datagram: &[u8]) -> bool {
    datagram.get(1).is_some_and(|b| (192..=223).contains(b))
}

pub fn parse(datagram: &[u8]) -> Result<RtpIn, RtpError> {
    if datagram.first().is_none_or(|b| b >> 6 != 2) {
        return Err(RtpError::Version);
    }
    let mut buf = datagram;
    let header = Header::unmarshal(&mut buf).map_err(|_| RtpError::Header)?;
    let offset = datagram.len() - buf.len();
    let mut len = buf.len();
    if header.padding {
        let pad = usize::from(*datagram.last().unwrap_or(&0));
        if pad == 0 || pad > len {
            return Err(RtpError::Padding);
        }
        len -= pad;
    }
    Ok(RtpIn {
        payload_type: header.payload_type,
        marker: header.marker,
        sequence: header.sequence_number,
        timestamp: header.timestamp,
        ssrc: header.ssrc,
        payload_offset: offset,
        payload_len: len,
    })
}

/// Writes an RTP packet into `out`, returning its length. Builds no vectors (no CSRC, no
/// extensions), so it does not allocate.
pub fn write(
    payload_type: u8,
    marker: bool,
    sequence: u16,
    timestamp: u32,
    ssrc: u32,
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, RtpError> {
    let header = Header {
        version: 2,
        marker,
        payload_type,
        sequence_number: sequence,
        timestamp,
        ssrc,
        ..Default::default()
    };
    let hlen = header.marshal_size();
    let total = hlen + payload.len();
    if out.len() < total {
        return Err(RtpError::BufferTooSmall);
    }
    header.marshal_to(out).map_err(|_| RtpError::BufferTooSmall)?;
    out.get_mut(hlen..total).ok_or(RtpError::BufferTooSmall)?.copy_from_slice(payload);
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let mut buf = [0u8; 200];
        let n = write(0, true, 65535, 0xdeadbeef, 42, &[1, 2, 3], &mut buf).unwrap();
        assert_eq!(n, 15);
        let p = parse(&buf[..n]).unwrap();
        assert_eq!(
            (p.payload_type, p.marker, p.sequence, p.timestamp, p.ssrc),
            (0, true, 65535, 0xdeadbeef, 42)
        );
        assert_eq!(p.payload(&buf[..n]), &[1, 2, 3]);
        assert!(!is_rtcp(&buf[..n]));
        assert_eq!(parse(&[0x80, 0, 0]), Err(RtpError::Header));
        assert_eq!(parse(&[0x40; 20]), Err(RtpError::Version));
        // Padding bit with a pad count larger than the payload.
        let mut bad = buf;
        bad[0] |= 0x20;
        bad[n - 1] = 200;
        assert_eq!(parse(&bad[..n]), Err(RtpError::Padding));
        assert!(is_rtcp(&[0x80, 200, 0, 6]));
        assert_eq!(
            write(0, false, 1, 1, 1, &[0; 100], &mut [0u8; 50]),
            Err(RtpError::BufferTooSmall)
        );
    }
}
