//! The agent's calls, published to its supervisors with the dialog event package (RFC
//! 4235) for their team view: a SUBSCRIBE for `dialog` is accepted only from a supervisor
//! on the configured list, identified by the P-Asserted-Identity of a trusted proxy (RFC
//! 3325) — anyone else gets 403 and a `security` event; each accepted watcher gets the
//! full state at once and again whenever a call changes (§4.1, version + 1 each time).
//! The same supervisors may watch our agent state (`presence`, presence_publisher.rs).

use earshot_sip::event_package::dialog_info::{CONTENT_TYPE, DialogEntry, DialogInfo, DialogState};
use earshot_sip::message::{NameAddr, Request};
use earshot_sip::ua::SubHandle;

use super::api::{CallId, CallState, Direction, Event};
use super::core::Phone;
use super::identity::{asserted_identity, hop, listed};

/// The package served.
pub const PACKAGE: &str = "dialog";
/// The longest subscription granted, in seconds (watchers refresh before it lapses).
const MAX_EXPIRES: u32 = 3600;

/// Who watches, and what they were last told.
#[derive(Debug, Default)]
pub struct Watchers {
    subs: Vec<SubHandle>,
    /// The calls' states last published (a new document goes out when they change).
    published: Vec<(CallId, CallState)>,
    version: u32,
}

impl Phone {
    /// A SUBSCRIBE for a package we serve: accepted from listed supervisors only.
    pub(super) fn subscription_requested(
        &mut self,
        sub: SubHandle,
        package: String,
        from: NameAddr,
        request: Request,
    ) {
        let who = asserted_identity(&request, &self.config.monitoring.trusted_proxies);
        let presence = package.eq_ignore_ascii_case(super::presence_publisher::PACKAGE);
        let allowed = (package.eq_ignore_ascii_case(PACKAGE) || presence)
            && who.as_deref().is_some_and(|w| listed(w, &self.config.monitoring.supervisors));
        if !allowed {
            let _ = self.ua.reject_subscription(sub, 403, self.now);
            let message = format!(
                "refused to show our calls (SUBSCRIBE {package}) to {} from {}: {}",
                from.uri,
                hop(&request).unwrap_or_default(),
                match who {
                    Some(w) => format!("{w} is not one of our supervisors"),
                    None => "no identity asserted by a trusted proxy".to_owned(),
                }
            );
            self.emit(Event::Security { message });
            return;
        }
        if presence {
            self.serve_presence(sub);
            return;
        }
        let body = self.dialog_document().into_bytes();
        let accepted = self.ua.accept_subscription(sub, MAX_EXPIRES, CONTENT_TYPE, body, self.now);
        if accepted.is_ok() {
            self.watchers.subs.push(sub);
        }
    }

    /// A watcher left (unsubscribed, or its subscription lapsed).
    pub(super) fn subscription_ended(&mut self, sub: SubHandle) {
        self.watchers.subs.retain(|s| *s != sub);
        self.presence.watchers.retain(|s| *s != sub);
    }

    /// Sends every watcher the calls again if they changed since the last document.
    pub(super) fn publish_dialogs(&mut self) {
        if self.watchers.subs.is_empty() {
            return;
        }
        let now = self.published_calls();
        if now == self.watchers.published {
            return;
        }
        let body = self.dialog_document();
        for sub in self.watchers.subs.clone() {
            let body = body.clone().into_bytes();
            let sent = self.ua.notify(sub, CONTENT_TYPE, body, self.now);
            if sent.is_err() {
                self.subscription_ended(sub);
            }
        }
    }

    /// Our calls as watchers see them (supervisors' legs are not calls of ours).
    fn published_calls(&self) -> Vec<(CallId, CallState)> {
        self.calls.values().filter(|c| c.monitor.is_none()).map(|c| (c.id, c.state)).collect()
    }

    /// The full state of our calls, as the next version of the document.
    fn dialog_document(&mut self) -> String {
        let mut dialogs = Vec::new();
        for c in self.calls.values().filter(|c| c.monitor.is_none()) {
            let handle = c.handle;
            let ids = self.ua.dialog(handle).map(|d| d.id.clone());
            dialogs.push(DialogEntry {
                id: format!("call-{}", c.id),
                call_id: ids.as_ref().map(|d| d.call_id.clone()),
                local_tag: ids.as_ref().map(|d| d.local_tag.clone()),
                remote_tag: ids.as_ref().map(|d| d.remote_tag.clone()),
                initiator: Some(c.direction == Direction::Outgoing),
                state: match c.state {
                    CallState::Dialing => DialogState::Trying,
                    CallState::Ringing | CallState::Incoming => DialogState::Early,
                    CallState::Active | CallState::Held | CallState::RemoteHeld => {
                        DialogState::Confirmed
                    }
                    CallState::Ended => DialogState::Terminated,
                },
                local_identity: Some(self.local_uri.clone()),
                remote_identity: Some(c.remote.clone()),
            });
        }
        self.watchers.published = self.published_calls();
        let info = DialogInfo {
            version: self.watchers.version,
            full: true,
            entity: self.local_uri.clone(),
            dialogs,
        };
        self.watchers.version += 1;
        info.to_xml()
    }
}
