//! How a monitoring request is written and read (DESIGN.md "Monitoring protocol"): the
//! supervisor's INVITE names the agent's call with Join (RFC 3911 §7.1; to-tag is the
//! agent's tag, from-tag the customer's), and the mode rides in the SDP offer as
//! `a=earshot-monitor:listen|whisper|barge` on the audio stream — so that a mode change is
//! an ordinary re-INVITE with a new offer (RFC 3264 §8), which an unchanged session
//! refresh would not be. In listen mode the supervisor only receives (`a=recvonly`).

use earshot_sip::sdp::{Attribute, Direction, SessionDescription};

use super::api::AgentCall;
use earshot_media::mix::MonitorMode;

/// The SDP attribute that carries the mode.
pub const MODE_ATTRIBUTE: &str = "earshot-monitor";

pub fn mode_name(mode: MonitorMode) -> &'static str {
    match mode {
        MonitorMode::None => "none",
        MonitorMode::Listen => "listen",
        MonitorMode::Whisper => "whisper",
        MonitorMode::Barge => "barge",
    }
}

pub fn parse_mode(s: &str) -> Option<MonitorMode> {
    match s.trim().to_ascii_lowercase().as_str() {
        "listen" => Some(MonitorMode::Listen),
        "whisper" => Some(MonitorMode::Whisper),
        "barge" => Some(MonitorMode::Barge),
        _ => None,
    }
}

/// The mode an offer asks for (first audio stream, else the session); none for an
/// ordinary offer.
pub fn mode_of(sdp: &SessionDescription) -> Option<MonitorMode> {
    let media = sdp.media.iter().find(|m| m.media == "audio");
    media
        .and_then(|m| m.attribute(MODE_ATTRIBUTE))
        .or_else(|| sdp.attribute(MODE_ATTRIBUTE))
        .flatten()
        .and_then(parse_mode)
}

/// Marks a supervisor's offer with `mode`: the attribute on each audio stream, and
/// `recvonly` in listen mode (`sendrecv` otherwise).
pub fn set_mode(sdp: &mut SessionDescription, mode: MonitorMode) {
    let direction =
        if mode == MonitorMode::Listen { Direction::RecvOnly } else { Direction::SendRecv };
    for m in sdp.media.iter_mut().filter(|m| m.media == "audio") {
        m.attributes.retain(|a| a.name != MODE_ATTRIBUTE && Direction::parse(&a.name).is_none());
        m.attributes.push(Attribute::new(MODE_ATTRIBUTE, Some(mode_name(mode))));
        m.attributes.push(Attribute::new(direction.as_str(), None));
    }
}

/// The Join header value for an agent's call as its dialog events described it; none if
/// they did not give the dialog's identifiers.
pub fn join_for(call: &AgentCall) -> Option<String> {
    let (call_id, agent_tag, customer_tag) =
        (call.call_id.as_ref()?, call.local_tag.as_ref()?, call.remote_tag.as_ref()?);
    Some(format!("{call_id};to-tag={agent_tag};from-tag={customer_tag}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_sip::message::DialogRef;

    const OFFER: &str = "v=0\r\no=s 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                         m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";

    #[test]
    fn the_mode_goes_into_the_offer_and_comes_back_out() {
        let plain = SessionDescription::parse(OFFER.as_bytes()).unwrap();
        assert_eq!(mode_of(&plain), None, "an ordinary call");
        for mode in [MonitorMode::Listen, MonitorMode::Whisper, MonitorMode::Barge] {
            let mut sdp = plain.clone();
            set_mode(&mut sdp, mode);
            let again = SessionDescription::parse(&sdp.to_bytes()).unwrap();
            assert_eq!(mode_of(&again), Some(mode));
            let audio = &again.media[0];
            let want =
                if mode == MonitorMode::Listen { Direction::RecvOnly } else { Direction::SendRecv };
            assert_eq!(audio.direction(Direction::SendRecv), want, "{mode:?}");
            let directions =
                audio.attributes.iter().filter(|a| Direction::parse(&a.name).is_some());
            assert_eq!(directions.count(), 1, "one direction attribute");
        }
    }

    #[test]
    fn join_names_the_agents_dialog_from_the_agents_side() {
        let call = AgentCall {
            id: "call-1".into(),
            state: "confirmed".into(),
            remote: "sip:1002@earshot.test".into(),
            incoming: true,
            call_id: Some("abc@127.0.0.1".into()),
            local_tag: Some("agent-tag".into()),
            remote_tag: Some("customer-tag".into()),
        };
        let join = join_for(&call).unwrap();
        let r = DialogRef::parse(&join).unwrap();
        assert_eq!(
            (r.call_id.as_str(), r.to_tag.as_str(), r.from_tag.as_str()),
            ("abc@127.0.0.1", "agent-tag", "customer-tag")
        );
        assert_eq!(join_for(&AgentCall { remote_tag: None, ..call }), None);
    }
}
