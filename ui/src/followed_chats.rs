//! A supervisor's view of one agent's chats in the team tab (issue 16 point 6): Follow
//! chats / Stop following, then each chat the agent has — the customer, the transcript as
//! it goes (read-only: the customer is not told) — with a box to coach the agent (only
//! the agent sees it) or barge in (the customer gets it, signed with our name).

use std::collections::{BTreeMap, BTreeSet};

use earshot_engine::phone::Command;
use eframe::egui::{self, RichText};

use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::model::{FollowedChat, PhoneView};
use crate::style::{GAP, Tone, colour};

/// How many of a followed chat's newest lines show.
const SHOWN_LINES: usize = 12;

/// What the supervisor asked to follow, and what is being typed for each chat.
#[derive(Debug, Default)]
pub struct FollowedChats {
    following: BTreeSet<String>,
    drafts: BTreeMap<(String, u64), String>,
}

impl FollowedChats {
    /// Follow / Stop following `agent`'s chats, and its chats when followed.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        view: &PhoneView,
        agent: &str,
    ) -> Option<Command> {
        let mut command = None;
        let following = self.following.contains(agent);
        let (glyph, key) = if following {
            (icons::ICON_VISIBILITY_OFF, "team-chats-unfollow")
        } else {
            (icons::ICON_FORUM, "team-chats-follow")
        };
        if icons::button(ui, glyph, &tr.t(key), None).clicked() {
            let agent = agent.to_owned();
            if following {
                self.following.remove(&agent);
                command = Some(Command::ChatUnfollow { agent });
            } else {
                self.following.insert(agent.clone());
                command = Some(Command::ChatFollow { agent });
            }
        }
        if !following {
            return command;
        }
        let chats: Vec<(&(String, u64), &FollowedChat)> =
            view.followed.iter().filter(|((a, _), c)| a == agent && !c.ended).collect();
        if chats.is_empty() {
            ui.weak(tr.t("team-chats-none"));
        }
        for ((agent, id), chat) in chats {
            ui.push_id(("followed", agent, *id), |ui| {
                if let Some(c) = self.chat(ui, tr, agent, *id, chat) {
                    command = Some(c);
                }
            });
        }
        command
    }

    /// One followed chat: whom with, its newest lines, the coach box.
    fn chat(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        agent: &str,
        id: u64,
        chat: &FollowedChat,
    ) -> Option<Command> {
        let mut command = None;
        ui.add_space(GAP / 2.0);
        let who = chat.name.clone().unwrap_or_else(|| chat.customer.clone());
        ui.horizontal_wrapped(|ui| {
            ui.label(icons::icon(ui, icons::ICON_CHAT, Some(Tone::Quiet)));
            ui.strong(tr.t_with("team-chat-with", &[("who", Arg::Text(&who))]));
        });
        let skip = chat.lines.len().saturating_sub(SHOWN_LINES);
        for (from, name, text, _) in chat.lines.iter().skip(skip) {
            let sender = name.clone().unwrap_or_else(|| short(from));
            ui.horizontal_wrapped(|ui| {
                let tone = if *from == chat.customer { Tone::Good } else { Tone::Accent };
                ui.label(RichText::new(sender).small().strong().color(colour(ui, tone)));
                // As text, never interpreted.
                let text: String = text
                    .chars()
                    .map(|c| if c.is_control() && c != '\n' { '\u{fffd}' } else { c })
                    .collect();
                ui.add(egui::Label::new(text).wrap());
            });
        }
        let draft = self.drafts.entry((agent.to_owned(), id)).or_default();
        ui.add(
            egui::TextEdit::singleline(draft)
                .hint_text(tr.t("team-coach-hint"))
                .desired_width(f32::INFINITY),
        )
        .accessible_name(tr.t_with("team-coach-name", &[("who", Arg::Text(&who))]));
        let text = draft.trim().to_owned();
        ui.horizontal_wrapped(|ui| {
            let ready = !text.is_empty();
            if icons::button_enabled(ui, ready, icons::ICON_SCHOOL, &tr.t("team-coach"), None)
                .clicked()
            {
                command =
                    Some(Command::ChatCoach { agent: agent.to_owned(), id, text: text.clone() });
            }
            if icons::button_enabled(
                ui,
                ready,
                icons::ICON_CAMPAIGN,
                &tr.t("team-chat-barge"),
                None,
            )
            .clicked()
            {
                command =
                    Some(Command::ChatBarge { agent: agent.to_owned(), id, text: text.clone() });
            }
        });
        if command.is_some() {
            draft.clear();
        }
        command
    }
}

/// `sip:user@host` → `user`.
fn short(address: &str) -> String {
    let user = address.split_once(':').map_or(address, |(_, r)| r);
    user.split('@').next().unwrap_or(user).to_owned()
}
