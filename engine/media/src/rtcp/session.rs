//! The RTCP session of one leg: what we report, what we learn from the peer's reports.

use bytes::Bytes;
use rtc_rtcp::extended_report::{ExtendedReport, VoIPMetricsReportBlock};
use rtc_rtcp::goodbye::Goodbye;
use rtc_rtcp::packet::{self, Packet};
use rtc_rtcp::receiver_report::ReceiverReport;
use rtc_rtcp::reception_report::ReceptionReport;
use rtc_rtcp::sender_report::SenderReport;
use rtc_rtcp::source_description::{
    SdesType, SourceDescription, SourceDescriptionChunk, SourceDescriptionItem,
};

use super::time::{NtpTime, compact, compact_secs};

/// What we sent since the start (for an SR).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalCounters {
    pub packets: u32,
    pub octets: u32,
    /// The RTP timestamp that corresponds to `now` in the report.
    pub rtp_time: u32,
}

/// What we received from the peer (for the report block and XR).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RemoteCounters {
    pub ssrc: u32,
    pub fraction_lost: u8,
    pub cumulative_lost: u32,
    pub extended_max_seq: u32,
    /// Interarrival jitter in RTP units.
    pub jitter: u32,
    /// Jitter-buffer nominal and maximum delay (ms), for RTCP-XR.
    pub jb_nominal_ms: u16,
    pub jb_max_ms: u16,
    /// R factor and MOS×10 estimates, for RTCP-XR.
    pub r_factor: u8,
    pub mos_x10: u8,
}

/// What a received compound packet told us.
#[derive(Debug, Clone, PartialEq)]
pub enum RtcpEvent {
    /// Round-trip time from a report block about our stream.
    RoundTrip {
        rtt_ms: f64,
    },
    /// The peer's reception of our stream (fraction lost 0–255, jitter in RTP units).
    PeerReception {
        fraction_lost: u8,
        cumulative_lost: u32,
        jitter: u32,
    },
    /// The peer's own VoIP metrics (RFC 3611 §4.7).
    PeerMetrics {
        mos_lq_x10: u8,
        r_factor: u8,
        round_trip_ms: u16,
    },
    Bye,
}

#[derive(Debug, Clone)]
pub struct RtcpSession {
    ssrc: u32,
    cname: String,
    /// The peer's last SR: its compact NTP time and when we got it.
    last_sr: Option<(u32, NtpTime)>,
    sending: bool,
    /// The latest round-trip measurement, reported in XR.
    rtt_ms: Option<f64>,
}

impl RtcpSession {
    pub fn new(ssrc: u32, cname: &str) -> Self {
        RtcpSession { ssrc, cname: cname.to_owned(), last_sr: None, sending: true, rtt_ms: None }
    }

    /// Whether we send RTP (SR) or only receive (RR).
    pub fn set_sending(&mut self, sending: bool) {
        self.sending = sending;
    }

    /// The deterministic part of the report interval (RFC 3550 §6.2: 5 s minimum for a
    /// two-party session), to be randomised by the caller in [0.5, 1.5].
    pub fn interval_secs() -> f64 {
        5.0
    }

    fn report_block(&self, r: &RemoteCounters, now: NtpTime) -> ReceptionReport {
        let (lsr, dlsr) = match self.last_sr {
            Some((lsr, at)) => (lsr, compact(now.saturating_sub(at))),
            None => (0, 0),
        };
        ReceptionReport {
            ssrc: r.ssrc,
            fraction_lost: r.fraction_lost,
            total_lost: r.cumulative_lost & 0x00FF_FFFF,
            last_sequence_number: r.extended_max_seq,
            jitter: r.jitter,
            last_sender_report: lsr,
            delay: dlsr,
        }
    }

    /// A compound report: SR (or RR), SDES CNAME, and XR VoIP metrics when a peer is
    /// known. `now` is NTP time.
    pub fn report(
        &self,
        now: NtpTime,
        local: LocalCounters,
        remote: Option<RemoteCounters>,
    ) -> Vec<u8> {
        let blocks: Vec<ReceptionReport> =
            remote.iter().map(|r| self.report_block(r, now)).collect();
        let mut packets = vec![self.head(now, local, blocks)];
        packets.push(Box::new(SourceDescription {
            chunks: vec![SourceDescriptionChunk {
                source: self.ssrc,
                items: vec![SourceDescriptionItem {
                    sdes_type: SdesType::SdesCname,
                    text: Bytes::from(self.cname.clone()),
                }],
            }],
        }));
        if let Some(r) = remote {
            packets.push(Box::new(ExtendedReport {
                sender_ssrc: self.ssrc,
                reports: vec![Box::new(VoIPMetricsReportBlock {
                    ssrc: r.ssrc,
                    loss_rate: r.fraction_lost,
                    round_trip_delay: self
                        .rtt_ms
                        .map_or(0, |r| r.round().clamp(0.0, 65535.0) as u16),
                    rfactor: r.r_factor,
                    mos_lq: r.mos_x10,
                    mos_cq: r.mos_x10,
                    jb_nominal: r.jb_nominal_ms,
                    jb_maximum: r.jb_max_ms,
                    jb_abs_max: r.jb_max_ms,
                    ..Default::default()
                })],
            }));
        }
        packet::marshal(&packets).map(|b| b.to_vec()).unwrap_or_default()
    }

    /// The SR while we send, else the RR, that every compound packet starts with
    /// (RFC 3550 §6.1, §6.4).
    fn head(
        &self,
        now: NtpTime,
        local: LocalCounters,
        reports: Vec<ReceptionReport>,
    ) -> Box<dyn Packet> {
        if self.sending {
            Box::new(SenderReport {
                ssrc: self.ssrc,
                ntp_time: now,
                rtp_time: local.rtp_time,
                packet_count: local.packets,
                octet_count: local.octets,
                reports,
                profile_extensions: Bytes::new(),
            })
        } else {
            Box::new(ReceiverReport { ssrc: self.ssrc, reports, profile_extensions: Bytes::new() })
        }
    }

    /// A BYE (RFC 3550 §6.6) with SR/RR first, as a compound packet must start.
    pub fn bye(&self, now: NtpTime, local: LocalCounters) -> Vec<u8> {
        let mut packets = vec![self.head(now, local, Vec::new())];
        packets.push(Box::new(Goodbye { sources: vec![self.ssrc], reason: Bytes::new() }));
        packet::marshal(&packets).map(|b| b.to_vec()).unwrap_or_default()
    }

    /// Reads a received compound packet at `now`; malformed input yields nothing.
    pub fn receive(&mut self, datagram: &[u8], now: NtpTime) -> Vec<RtcpEvent> {
        let mut buf = datagram;
        let Ok(packets) = packet::unmarshal(&mut buf) else { return Vec::new() };
        let mut events = Vec::new();
        for p in &packets {
            let any = p.as_any();
            let blocks: &[ReceptionReport] = if let Some(sr) = any.downcast_ref::<SenderReport>() {
                self.last_sr = Some((compact(sr.ntp_time), now));
                &sr.reports
            } else if let Some(rr) = any.downcast_ref::<ReceiverReport>() {
                &rr.reports
            } else {
                if any.downcast_ref::<Goodbye>().is_some() {
                    events.push(RtcpEvent::Bye);
                } else if let Some(xr) = any.downcast_ref::<ExtendedReport>() {
                    for b in &xr.reports {
                        if let Some(vm) = b.as_any().downcast_ref::<VoIPMetricsReportBlock>() {
                            events.push(RtcpEvent::PeerMetrics {
                                mos_lq_x10: vm.mos_lq,
                                r_factor: vm.rfactor,
                                round_trip_ms: vm.round_trip_delay,
                            });
                        }
                    }
                }
                continue;
            };
            for b in blocks.iter().filter(|b| b.ssrc == self.ssrc) {
                events.push(RtcpEvent::PeerReception {
                    fraction_lost: b.fraction_lost,
                    cumulative_lost: b.total_lost,
                    jitter: b.jitter,
                });
                if b.last_sender_report != 0 {
                    // RFC 3550 §6.4.1: RTT = A − LSR − DLSR (compact NTP).
                    let a = compact(now);
                    let rtt = a.wrapping_sub(b.last_sender_report).wrapping_sub(b.delay);
                    if rtt < 0x8000_0000 {
                        let rtt_ms = compact_secs(rtt) * 1000.0;
                        self.rtt_ms = Some(rtt_ms);
                        events.push(RtcpEvent::RoundTrip { rtt_ms });
                    }
                }
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::super::time::from_secs;
    use super::*;

    #[test]
    fn round_trip_from_sr_and_rr() {
        let mut alice = RtcpSession::new(0xA, "alice@earshot");
        let mut bob = RtcpSession::new(0xB, "bob@earshot");
        bob.set_sending(false);
        // Alice's SR leaves at 10.000 s and arrives at Bob at 10.040 s (40 ms one way).
        let sr = alice.report(
            from_secs(10.0),
            LocalCounters { packets: 500, octets: 80_000, rtp_time: 80_000 },
            None,
        );
        assert!(bob.receive(&sr, from_secs(10.040)).is_empty());
        // Bob answers 1 s later; it arrives at 11.080 s: RTT = 1.080 − 10.000 − 1.000 = 80 ms.
        let remote = RemoteCounters {
            ssrc: 0xA,
            fraction_lost: 13,
            cumulative_lost: 7,
            extended_max_seq: 600,
            jitter: 24,
            jb_nominal_ms: 40,
            jb_max_ms: 200,
            r_factor: 90,
            mos_x10: 42,
        };
        let rr = bob.report(from_secs(11.040), LocalCounters::default(), Some(remote));
        let events = alice.receive(&rr, from_secs(11.080));
        let rtt = events
            .iter()
            .find_map(
                |e| if let RtcpEvent::RoundTrip { rtt_ms } = e { Some(*rtt_ms) } else { None },
            )
            .unwrap();
        assert!((rtt - 80.0).abs() < 0.1, "rtt {rtt}");
        assert!(events.contains(&RtcpEvent::PeerReception {
            fraction_lost: 13,
            cumulative_lost: 7,
            jitter: 24
        }));
        assert!(
            events
                .iter()
                .any(|e| matches!(e, RtcpEvent::PeerMetrics { mos_lq_x10: 42, r_factor: 90, .. }))
        );
        let bye = bob.bye(from_secs(12.0), LocalCounters::default());
        assert_eq!(alice.receive(&bye, from_secs(12.04)), [RtcpEvent::Bye]);
        assert!(
            alice.receive(&[0x80, 0xC8, 0, 1, 2], from_secs(13.0)).is_empty(),
            "malformed input is ignored"
        );
    }
}
