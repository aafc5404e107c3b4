//! Desktop notifications for offers the agent may not see: while the window is not in
//! front (behind the CRM, minimised), each new offer is announced once by the desktop
//! (freedesktop Notifications over D-Bus on Linux, the system's own elsewhere, through
//! `notify-rust`), with who, which channel and which queue. Sent from a thread of its
//! own: the window never waits for the desktop.

use std::collections::BTreeSet;

use crate::desk_panel::channel_text;
use crate::i18n::{Arg, Translator};
use crate::model::PhoneView;

/// What has been announced.
#[derive(Debug, Default)]
pub struct Notifier {
    announced: BTreeSet<u64>,
}

/// One notification: its title and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopNotice {
    pub title: String,
    pub body: String,
}

impl Notifier {
    /// The offers to announce now: offered, not announced before, and the window not in
    /// front. Offers seen while the window is in front count as seen.
    pub fn due(&mut self, tr: &Translator, view: &PhoneView, in_front: bool) -> Vec<DesktopNotice> {
        let offered: Vec<_> = view.interactions.values().filter(|i| i.state == "offered").collect();
        self.announced.retain(|id| offered.iter().any(|i| i.id == *id));
        let mut due = Vec::new();
        for i in offered {
            if !self.announced.insert(i.id) || in_front {
                continue;
            }
            let who = i.contact_name.as_deref().unwrap_or(&i.contact);
            let key = match i.channel.as_str() {
                "chat" => "preview-chat",
                "email" => "preview-email",
                _ => "preview-voice",
            };
            let title = tr.t_with(key, &[("who", Arg::Text(who))]);
            let mut body = channel_text(tr, &i.channel);
            if let Some(q) = &i.queue {
                body.push_str(" · ");
                body.push_str(q);
            }
            due.push(DesktopNotice { title, body });
        }
        due
    }
}

/// Shows `notice` on the desktop, from a thread of its own; a desktop without a
/// notification service just does not show it.
pub fn show(notice: DesktopNotice) {
    let _ = std::thread::Builder::new().name("notify".into()).spawn(move || {
        let _ = notify_rust::Notification::new()
            .appname("Earshot")
            .summary(&notice.title)
            .body(&notice.body)
            .icon("call-start")
            .show();
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_engine::phone::api::InteractionView;

    fn offer(id: u64, state: &str) -> InteractionView {
        InteractionView {
            id,
            channel: "voice".into(),
            state: state.into(),
            direction: "inbound".into(),
            contact: "sip:c@h".into(),
            contact_name: Some("Marie Tremblay".into()),
            queue: Some("support".into()),
            case: Default::default(),
            fields: Vec::new(),
            call: None,
            held: false,
            disposition: None,
            note: String::new(),
            wrap_up: "optional".into(),
            may_finish: true,
            link: None,
            offered_ms: 0,
            accepted_ms: None,
            ended_ms: None,
            done_ms: None,
            screen_pops: Vec::new(),
            chat: None,
        }
    }

    #[test]
    fn each_offer_is_announced_once_and_only_behind_other_windows() {
        let tr = Translator::new("fr-CA");
        let mut view = PhoneView::default();
        let mut n = Notifier::default();
        view.interactions.insert(1, offer(1, "offered"));
        assert!(n.due(&tr, &view, true).is_empty(), "in front: the preview is enough");
        assert!(n.due(&tr, &view, false).is_empty(), "already seen");
        view.interactions.insert(2, offer(2, "offered"));
        let due = n.due(&tr, &view, false);
        assert_eq!(
            due,
            [DesktopNotice {
                title: "Appel entrant de Marie Tremblay".into(),
                body: "Appel · support".into()
            }]
        );
        assert!(n.due(&tr, &view, false).is_empty(), "once");
        view.interactions.insert(2, offer(2, "active"));
        assert!(n.due(&tr, &view, false).is_empty());
        assert!(n.announced.len() == 1, "finished offers are forgotten");
    }
}
