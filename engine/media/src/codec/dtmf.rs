//! DTMF as RTP telephone-events (RFC 4733 §2): the sender emits a start packet (marker
//! bit), updates every packet interval with a growing duration, and the end packet three
//! times; the receiver reports each digit once, however many packets carry it.

/// One telephone-event payload (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToneEvent {
    /// 0–9, 10 = *, 11 = #, 12–15 = A–D.
    pub event: u8,
    pub end: bool,
    /// Volume in −dBm0 (0–63).
    pub volume: u8,
    /// Duration in RTP timestamp units.
    pub duration: u16,
}

impl ToneEvent {
    pub fn encode(&self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [self.event, (u8::from(self.end) << 7) | (self.volume & 0x3F), d[0], d[1]]
    }

    pub fn decode(payload: &[u8]) -> Option<ToneEvent> {
        let [event, flags, d0, d1, ..] = *payload else { return None };
        Some(ToneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([d0, d1]),
        })
    }
}

/// The event code of a DTMF digit.
pub fn digit_to_event(digit: char) -> Option<u8> {
    match digit.to_ascii_uppercase() {
        d @ '0'..='9' => Some(d as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        d @ 'A'..='D' => Some(12 + (d as u8 - b'A')),
        _ => None,
    }
}

pub fn event_to_digit(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// One RTP packet's worth of telephone-event to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    pub payload: [u8; 4],
    /// Set on the first packet of the event (RFC 4733 §2.5.1.1).
    pub marker: bool,
    /// The event's timestamp: the same for every packet of one event.
    pub timestamp: u32,
}

/// Sends one digit: `next_packet` once per packet interval until it returns `None`.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    event: u8,
    timestamp: u32,
    step: u16,
    total: u16,
    elapsed: u16,
    ends_sent: u8,
}

impl DtmfSender {
    /// A digit of `duration` timestamp units starting at `timestamp`, sent in packets of
    /// `step` units (the packet interval).
    pub fn new(digit: char, timestamp: u32, duration: u16, step: u16) -> Option<Self> {
        Some(DtmfSender {
            event: digit_to_event(digit)?,
            timestamp,
            step: step.max(1),
            total: duration.max(step),
            elapsed: 0,
            ends_sent: 0,
        })
    }

    pub fn next_packet(&mut self) -> Option<EventPacket> {
        if self.ends_sent >= 3 {
            return None;
        }
        let first = self.elapsed == 0;
        self.elapsed = self.elapsed.saturating_add(self.step).min(self.total);
        let end = self.elapsed >= self.total;
        if end {
            // The end packet goes three times (§2.5.1.4).
            self.ends_sent += 1;
        }
        let ev = ToneEvent { event: self.event, end, volume: 10, duration: self.elapsed };
        Some(EventPacket { payload: ev.encode(), marker: first, timestamp: self.timestamp })
    }
}

/// Turns received telephone-event packets into digits, each reported once.
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    last: Option<(u32, u8)>,
    reported: bool,
}

impl DtmfReceiver {
    /// A packet arrived with this RTP timestamp and payload: returns a digit when a new
    /// event starts (reported at its start, so even a lost end packet does not lose it).
    pub fn receive(&mut self, timestamp: u32, payload: &[u8]) -> Option<char> {
        let ev = ToneEvent::decode(payload)?;
        let key = (timestamp, ev.event);
        if self.last == Some(key) && self.reported {
            return None;
        }
        self.last = Some(key);
        self.reported = true;
        event_to_digit(ev.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digit_is_start_updates_and_three_ends() {
        let mut s = DtmfSender::new('5', 1000, 800, 160).unwrap();
        let packets: Vec<EventPacket> = std::iter::from_fn(|| s.next_packet()).collect();
        assert_eq!(packets.len(), 5 + 2, "800/160 = 5 packets, the last repeated twice more");
        assert!(packets[0].marker && packets.iter().skip(1).all(|p| !p.marker));
        assert!(packets.iter().all(|p| p.timestamp == 1000));
        let evs: Vec<ToneEvent> =
            packets.iter().map(|p| ToneEvent::decode(&p.payload).unwrap()).collect();
        assert_eq!(
            evs.iter().map(|e| e.duration).collect::<Vec<_>>(),
            [160, 320, 480, 640, 800, 800, 800]
        );
        assert_eq!(evs.iter().filter(|e| e.end).count(), 3);
        assert!(evs.iter().all(|e| e.event == 5));
    }

    #[test]
    fn receiver_reports_each_event_once() {
        let mut r = DtmfReceiver::default();
        let mut digits = String::new();
        for (ts, digit) in [(1000, '1'), (3000, '#'), (5000, '1')] {
            let mut s = DtmfSender::new(digit, ts, 640, 160).unwrap();
            while let Some(p) = s.next_packet() {
                if let Some(d) = r.receive(p.timestamp, &p.payload) {
                    digits.push(d);
                }
            }
        }
        assert_eq!(digits, "1#1");
        assert_eq!(ToneEvent::decode(&[1, 2, 3]), None);
        assert_eq!(digit_to_event('x'), None);
        assert_eq!(event_to_digit(digit_to_event('d').unwrap()), Some('D'));
    }
}
