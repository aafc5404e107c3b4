//! Whether to answer an incoming call by itself: always (the setting or `--auto-answer`),
//! by caller, or by the caller's own request (`Call-Info: ;answer-after=`, `Alert-Info`
//! auto-answer) — the latter only from trusted hosts and only when enabled.

use earshot_sip::message::{HeaderName, Uri};

use super::core::Phone;

impl Phone {
    pub(super) fn should_auto_answer(&self, request: &earshot_sip::message::Request) -> bool {
        if self.auto_answer {
            return true;
        }
        let aa = &self.config.auto_answer;
        let from = request.headers.from().ok();
        let from_matches = from.is_some_and(|f| {
            let uri = f.uri.to_string();
            aa.from
                .iter()
                .any(|rule| uri.eq_ignore_ascii_case(rule) || uri.starts_with(&format!("{rule};")))
        });
        if from_matches {
            return true;
        }
        if !aa.honour_headers {
            return false;
        }
        // Call-Info answer-after / Alert-Info auto-answer, only from trusted hosts.
        let trusted = from.is_some_and(|f| match &f.uri {
            Uri::Sip(s) => {
                aa.trusted_hosts.iter().any(|h| s.host.to_string().eq_ignore_ascii_case(h))
            }
            _ => false,
        });
        if !trusted {
            return false;
        }
        let call_info = request.headers.get(&HeaderName::CallInfo).unwrap_or_default();
        let alert_info = request.headers.get(&HeaderName::AlertInfo).unwrap_or_default();
        call_info.to_ascii_lowercase().contains("answer-after=")
            || alert_info.to_ascii_lowercase().contains("auto-answer")
            || alert_info.to_ascii_lowercase().contains("autoanswer")
    }
}
