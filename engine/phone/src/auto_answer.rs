//! Whether to answer an incoming call by itself: always (the setting or `--auto-answer`),
//! by caller, or by the caller's own request (`Call-Info: ;answer-after=`, `Alert-Info`
//! auto-answer) — the latter only when enabled and only from a trusted host, judged by
//! the hop the request came from (its top Via, with the `received` address our transport
//! stamped, RFC 3261 §18.2.1), never by the From header, which anyone can write.

use earshot_sip::message::{HeaderName, Request};

use super::config::AutoAnswer;
use super::core::Phone;
use super::identity::{hop, is_trusted};

impl Phone {
    pub(super) fn should_auto_answer(&self, request: &Request) -> bool {
        wanted(self.auto_answer, &self.config.auto_answer, request)
    }

    /// The desk's rules for taking a call, from the settings of the moment.
    pub(super) fn take_policy(&self) -> earshot_desk::TakePolicy {
        earshot_desk::TakePolicy {
            do_not_disturb: self.dnd,
            max_calls: self.config.calls.max,
            in_call_auto_answer: self.config.auto_answer.in_call,
        }
    }

    /// The calls the phone holds now, for the desk's decision.
    pub(super) fn load(&self) -> earshot_desk::Load {
        earshot_desk::Load {
            calls: self.calls.len(),
            talking: self.calls.values().filter(|c| c.is_up() && !c.local_hold).count(),
        }
    }
}

/// The decision, from the settings and the INVITE.
pub fn wanted(always: bool, rules: &AutoAnswer, request: &Request) -> bool {
    if always || rules.always {
        return true;
    }
    let from = request.headers.from().ok().map(|f| f.uri.to_string());
    let by_caller = from.is_some_and(|uri| {
        rules.from.iter().any(|rule| {
            uri.eq_ignore_ascii_case(rule)
                || uri.to_ascii_lowercase().starts_with(&format!("{};", rule.to_ascii_lowercase()))
        })
    });
    if by_caller {
        return true;
    }
    if !rules.honour_headers {
        return false;
    }
    if !is_trusted(hop(request).as_deref(), &rules.trusted_hosts) {
        return false;
    }
    let has = |name: &HeaderName, what: &[&str]| {
        request.headers.iter().filter(|h| &h.name == name).any(|h| {
            let v = h.value().to_ascii_lowercase();
            what.iter().any(|w| v.contains(w))
        })
    };
    has(&HeaderName::CallInfo, &["answer-after="])
        || has(&HeaderName::AlertInfo, &["auto-answer", "autoanswer", "answer-after="])
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_sip::message::{Message, parse_datagram};

    fn invite(via: &str, from: &str, extra: &str) -> Request {
        let text = format!(
            "INVITE sip:agent@10.0.0.5 SIP/2.0\r\nVia: SIP/2.0/UDP {via};branch=z9hG4bK1\r\n\
             From: <{from}>;tag=1\r\nTo: <sip:agent@10.0.0.5>\r\nCall-ID: c1\r\n\
             CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n{extra}Content-Length: 0\r\n\r\n"
        );
        match parse_datagram(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    fn rules() -> AutoAnswer {
        AutoAnswer {
            honour_headers: true,
            trusted_hosts: vec!["10.0.0.1".into()],
            from: vec!["sip:queue@pbx.example.com".into()],
            ..AutoAnswer::default()
        }
    }

    #[test]
    fn answer_after_is_honoured_only_from_a_trusted_hop_and_only_when_enabled() {
        let asks = "Call-Info: <sip:10.0.0.1>;answer-after=0\r\n";
        let r = rules();
        assert!(wanted(false, &r, &invite("10.0.0.1:5060", "sip:x@y", asks)));
        // The same request through an untrusted hop, even claiming a trusted From host.
        assert!(!wanted(false, &r, &invite("10.9.9.9:5060", "sip:boss@10.0.0.1", asks)));
        // A Via that lies about its host is judged by the address it came from.
        assert!(!wanted(false, &r, &invite("10.0.0.1:5060;received=10.9.9.9", "sip:x@y", asks)));
        assert!(wanted(false, &r, &invite("pbx;received=10.0.0.1", "sip:x@y", asks)));
        let off = AutoAnswer { honour_headers: false, ..rules() };
        assert!(!wanted(false, &off, &invite("10.0.0.1:5060", "sip:x@y", asks)));
        let alert = "Alert-Info: <http://x>;info=alert-autoanswer\r\n";
        assert!(wanted(false, &r, &invite("10.0.0.1", "sip:x@y", alert)));
        assert!(!wanted(false, &r, &invite("10.0.0.1", "sip:x@y", "")), "no request, no answer");
    }

    #[test]
    fn always_and_by_caller() {
        let r = AutoAnswer::default();
        assert!(wanted(true, &r, &invite("10.9.9.9", "sip:x@y", "")));
        assert!(wanted(
            false,
            &AutoAnswer { always: true, ..r.clone() },
            &invite("a", "sip:x@y", "")
        ));
        let by = rules();
        assert!(wanted(false, &by, &invite("10.9.9.9", "sip:queue@pbx.example.com", "")));
        assert!(!wanted(false, &by, &invite("10.9.9.9", "sip:queue2@pbx.example.com", "")));
    }
}
