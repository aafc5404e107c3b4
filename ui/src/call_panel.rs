//! The voice channel's part of the desk (dialling is Team Communicator's box): the calls with their state,
//! timer and quality, and the controls of the call acted on — answer, hang up, hold,
//! mute, keypad (DTMF), blind and attended transfer, consultation, conference. It holds
//! only what is typed; the phone decides and reports.

use std::time::Instant;

use earshot_engine::phone::{CallId, CallState, Command};
use eframe::egui::{self, AtomExt, RichText};

use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::model::{CallRow, PhoneView, quality_word, timer};
use crate::style::{FIELD_WIDTH, GAP, Tone};

/// What the call panel holds between frames.
#[derive(Debug, Default)]
pub struct CallPanel {
    transfer_to: String,
    /// The call picked in the list (else the current one).
    pub selected: Option<CallId>,
    show_pad: bool,
}

/// How a call's state reads.
pub fn call_state_text(tr: &Translator, s: CallState) -> String {
    tr.t(match s {
        CallState::Dialing => "call-dialing",
        CallState::Ringing => "call-ringing",
        CallState::Incoming => "call-incoming",
        CallState::Active => "call-active",
        CallState::Held => "call-held",
        CallState::RemoteHeld => "call-remote-held",
        CallState::Ended => "call-ended",
    })
}

/// A call's row: "sip:… — talking 1:05 · muted · good (MOS 4.3, loss 0.0 %)".
fn row_text(tr: &Translator, view: &PhoneView, c: &CallRow, now: Instant) -> String {
    // Who it is: the contact's name its interaction carries, else the address.
    let who = view
        .interactions
        .values()
        .filter(|i| i.call == Some(c.id))
        .find_map(|i| i.contact_name.as_deref())
        .unwrap_or(&c.remote);
    let mut text = format!("{who} — {} {}", call_state_text(tr, c.state), timer(c.answered, now));
    if c.muted {
        text.push_str(&format!(" · {}", tr.t("call-muted")));
    }
    if c.conference {
        text.push_str(&format!(" · {}", tr.t("call-conference")));
    }
    if let Some(m) = c.mos {
        let word = tr.t(&format!("quality-{}", quality_word(m)));
        let (mos, loss) = (format!("{m:.1}"), format!("{:.1}", c.loss_pct.unwrap_or(0.0)));
        text.push_str(" · ");
        text.push_str(&tr.t_with(
            "call-quality",
            &[("word", Arg::Text(&word)), ("mos", Arg::Text(&mos)), ("loss", Arg::Text(&loss))],
        ));
    }
    text
}

impl CallPanel {
    /// The call the controls act on: the one picked in the list, else the current one.
    pub fn target(&self, view: &PhoneView) -> Option<CallId> {
        self.selected
            .filter(|id| view.calls.contains_key(id))
            .or_else(|| view.current().map(|c| c.id))
    }

    /// The calls, one row each (a click picks the one the controls act on), and the
    /// controls.
    pub fn calls(&mut self, ui: &mut egui::Ui, tr: &Translator, view: &PhoneView) -> Vec<Command> {
        let now = Instant::now();
        if self.selected.is_some_and(|id| !view.calls.contains_key(&id)) {
            self.selected = None;
        }
        if view.calls.is_empty() {
            ui.weak(tr.t("calls-none"));
            return Vec::new();
        }
        let target = self.target(view);
        for c in view.calls.values() {
            let text = row_text(tr, view, c, now);
            let tone = match c.state {
                CallState::Active => Tone::Accent,
                CallState::Held | CallState::RemoteHeld | CallState::Incoming => Tone::Busy,
                _ => Tone::Quiet,
            };
            let glyph = match c.state {
                CallState::Held | CallState::RemoteHeld => icons::ICON_PAUSE,
                CallState::Incoming | CallState::Ringing | CallState::Dialing => {
                    icons::ICON_RING_VOLUME
                }
                _ => icons::ICON_PHONE_IN_TALK,
            };
            let row = ui.add(
                egui::Button::selectable(
                    target == Some(c.id),
                    (icons::icon(ui, glyph, Some(tone)), RichText::new(&text).atom_shrink(true)),
                )
                .wrap(),
            );
            row.widget_info(|| {
                egui::WidgetInfo::selected(egui::Role::Button, true, target == Some(c.id), &text)
            });
            if row.clicked() {
                self.selected = Some(c.id);
            }
        }
        let mut commands = Vec::new();
        if let Some(id) = target {
            commands.extend(self.controls(ui, tr, view, id));
        }
        if !view.digits.is_empty() {
            ui.weak(tr.t_with("digits-received", &[("digits", Arg::Text(&view.digits))]));
        }
        commands
    }

    fn controls(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        view: &PhoneView,
        id: CallId,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(c) = view.calls.get(&id).cloned() else { return commands };
        let up = matches!(c.state, CallState::Active | CallState::Held | CallState::RemoteHeld);
        ui.add_space(GAP);
        ui.horizontal_wrapped(|ui| {
            if c.state == CallState::Incoming
                && icons::button(ui, icons::ICON_CALL, &tr.t("action-answer"), Some(&tr.keys("A")))
                    .clicked()
            {
                commands.push(Command::Answer { id });
            }
            let hang_up = icons::button_toned(
                ui,
                icons::ICON_CALL_END,
                &tr.t("action-hang-up"),
                Some(&tr.keys("H")),
                Some(Tone::Bad),
                true,
            );
            if hang_up.clicked() {
                commands.push(Command::Hangup { id });
            }
            if !up {
                return;
            }
            let held = c.state == CallState::Held;
            let (glyph, label) = if held {
                (icons::ICON_PLAY_ARROW, tr.t("action-resume"))
            } else {
                (icons::ICON_PAUSE, tr.t("action-hold"))
            };
            if icons::button(ui, glyph, &label, Some(&tr.keys("O"))).clicked() {
                commands.push(if held { Command::Resume { id } } else { Command::Hold { id } });
            }
            let (glyph, label) = if c.muted {
                (icons::ICON_MIC, tr.t("action-unmute"))
            } else {
                (icons::ICON_MIC_OFF, tr.t("action-mute"))
            };
            if icons::button(ui, glyph, &label, Some(&tr.keys("M"))).clicked() {
                commands.push(Command::Mute { id, on: !c.muted });
            }
            if icons::toggle(ui, self.show_pad, icons::ICON_DIALPAD, &tr.t("action-keypad"))
                .clicked()
            {
                self.show_pad = !self.show_pad;
            }
            let up_calls: Vec<CallId> = view
                .calls
                .values()
                .filter(|o| {
                    matches!(o.state, CallState::Active | CallState::Held | CallState::RemoteHeld)
                })
                .map(|o| o.id)
                .collect();
            if up_calls.len() >= 2
                && icons::button(ui, icons::ICON_CALL_MERGE, &tr.t("action-conference"), None)
                    .clicked()
            {
                commands.push(Command::Conference { ids: up_calls });
            }
        });
        if !up {
            return commands;
        }
        if self.show_pad {
            egui::Grid::new("keypad").spacing([GAP, GAP]).show(ui, |ui| {
                for row in ["123", "456", "789", "*0#"] {
                    for d in row.chars() {
                        let key =
                            egui::Button::new(RichText::new(d.to_string()).monospace().size(16.0))
                                .min_size(egui::vec2(40.0, 32.0));
                        if ui.add(key).clicked() {
                            commands.push(Command::Dtmf { id, digits: d.to_string() });
                        }
                    }
                    ui.end_row();
                }
            });
        }
        ui.horizontal_wrapped(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.transfer_to)
                    .hint_text(tr.t("transfer-hint"))
                    .desired_width(FIELD_WIDTH),
            )
            .accessible_name(tr.t("transfer-name"));
            let to = self.transfer_to.trim().to_owned();
            let transfer = icons::button_enabled(
                ui,
                !to.is_empty(),
                icons::ICON_PHONE_FORWARDED,
                &tr.t("action-transfer"),
                None,
            );
            if transfer.clicked() {
                commands.push(Command::Transfer { id, uri: to.clone() });
            }
            let consult = icons::button_enabled(
                ui,
                !to.is_empty(),
                icons::ICON_SUPPORT_AGENT,
                &tr.t("action-consult"),
                None,
            );
            if consult.clicked() {
                commands.push(Command::Consult { id, uri: to });
            }
        });
        // Attended transfer: the held call goes to the consultation call's peer.
        let consult = view.calls.values().find(|o| o.id != id && o.state == CallState::Active);
        if c.state == CallState::Held
            && let Some(consult) = consult
        {
            let label = tr.t("action-complete-transfer");
            if icons::button_toned(ui, icons::ICON_MOVE_UP, &label, None, Some(Tone::Accent), true)
                .clicked()
            {
                commands.push(Command::CompleteTransfer { id, consult: consult.id });
            }
        }
        commands
    }
}
