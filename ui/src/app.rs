//! The desktop window: our address and registration, a dial field, the calls with state,
//! timer and quality, an incoming-call toast with Accept and Reject, the controls for
//! the current call (answer, hang up, hold, mute, DTMF pad, blind and attended transfer,
//! conference), and the last messages; a History tab (history_panel.rs), the supervisor's
//! Team tab (team_panel.rs) and a Settings tab (settings_panel.rs). It renders [`PhoneView`] and sends commands; the
//! phone runs on its own tokio runtime. Shortcuts: Ctrl+Shift+A answer, Ctrl+Shift+H hang
//! up, Ctrl+Shift+M mute, Ctrl+Shift+O hold or resume.

use std::time::{Duration, Instant};

use earshot_engine::phone::{CallId, CallState, Command, Event, PhoneHandle};
use eframe::egui;

use crate::desk_panel::{DeskPanel, unix_ms};
use crate::history_panel;
use crate::model::{PhoneView, quality_word, timer};
use crate::settings_panel::SettingsForm;
use crate::team_panel::TeamPanel;

pub struct EarshotApp {
    phone: PhoneHandle,
    /// Keeps the phone's tasks running while the window is open.
    _runtime: Option<tokio::runtime::Runtime>,
    pub view: PhoneView,
    dial: String,
    transfer_to: String,
    selected: Option<CallId>,
    show_pad: bool,
    pub tab: Tab,
    settings: SettingsForm,
    team: TeamPanel,
    pub desk: DeskPanel,
    /// Calls ended since the history was last asked for.
    history_stale: bool,
}

/// The window's tabs; the incoming-call toast shows on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Phone,
    History,
    Team,
    Settings,
}

impl std::fmt::Debug for EarshotApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EarshotApp").field("view", &self.view).finish()
    }
}

impl EarshotApp {
    pub fn new(phone: PhoneHandle, runtime: Option<tokio::runtime::Runtime>) -> EarshotApp {
        EarshotApp {
            desk: DeskPanel::new(phone.desk.clone()),
            phone,
            _runtime: runtime,
            view: PhoneView::default(),
            dial: String::new(),
            transfer_to: String::new(),
            selected: None,
            show_pad: false,
            tab: Tab::Phone,
            settings: SettingsForm::default(),
            team: TeamPanel::default(),
            history_stale: true,
        }
    }

    /// Wakes the window whenever the phone reports something (a call offered, a state
    /// changed), so that nothing waits for the next timed repaint: the phone's events go
    /// through a relay on the phone's runtime that asks `ctx` to repaint after each.
    pub fn wake_on_events(&mut self, ctx: egui::Context) {
        let Some(runtime) = self._runtime.as_ref() else { return };
        let (relay, events) = tokio::sync::mpsc::unbounded_channel();
        let mut from_phone = std::mem::replace(&mut self.phone.events, events);
        runtime.spawn(async move {
            while let Some(e) = from_phone.recv().await {
                if relay.send(e).is_err() {
                    break;
                }
                ctx.request_repaint();
            }
        });
    }

    /// Takes what the phone reported since the last frame.
    pub fn poll(&mut self) {
        let now = Instant::now();
        while let Ok(e) = self.phone.events.try_recv() {
            if matches!(&e, Event::CallState { state: CallState::Ended, .. }) {
                self.history_stale = true;
            }
            self.view.apply(e, now);
        }
        if self.selected.is_some_and(|id| !self.view.calls.contains_key(&id)) {
            self.selected = None;
        }
    }

    fn send(&self, c: Command) {
        self.phone.send(c);
    }

    /// The call the controls act on: the one picked in the list, else the current one.
    fn target(&self) -> Option<CallId> {
        self.selected
            .filter(|id| self.view.calls.contains_key(id))
            .or_else(|| self.view.current().map(|c| c.id))
    }

    fn shortcuts(&mut self, ui: &egui::Ui) {
        for c in self.desk.shortcuts(ui, &self.view) {
            self.send(c);
        }
        let pressed = |key| {
            ui.input_mut(|i| i.consume_key(egui::Modifiers::CTRL | egui::Modifiers::SHIFT, key))
        };
        if pressed(egui::Key::A)
            && let Some(c) = self.view.incoming()
        {
            self.send(Command::Answer { id: c.id });
        }
        let target = self.target().and_then(|id| self.view.calls.get(&id).cloned());
        let Some(c) = target else { return };
        if pressed(egui::Key::H) {
            self.send(Command::Hangup { id: c.id });
        }
        if pressed(egui::Key::M) {
            self.send(Command::Mute { id: c.id, on: !c.muted });
        }
        if pressed(egui::Key::O) {
            let hold = c.state != CallState::Held;
            self.send(if hold { Command::Hold { id: c.id } } else { Command::Resume { id: c.id } });
        }
    }

    /// The whole window's content.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.poll();
        self.desk.tidy(&self.view);
        self.shortcuts(ui);
        let now = Instant::now();
        let now_ms = unix_ms();
        ui.heading("Earshot");
        ui.label(format!("You: {}", self.view.uri));
        if !self.view.registration.is_empty() {
            ui.label(format!("Registration: {}", self.view.registration));
        }
        if let Some(c) = self.desk.state_bar(ui, &self.view, now_ms) {
            self.send(c);
        }
        ui.horizontal(|ui| {
            for (tab, name) in [
                (Tab::Phone, "Phone"),
                (Tab::History, "History"),
                (Tab::Team, "Team"),
                (Tab::Settings, "Settings"),
            ] {
                if ui.selectable_label(self.tab == tab, name).clicked() && self.tab != tab {
                    self.open_tab(tab);
                }
            }
        });
        ui.separator();
        for c in self.desk.previews(ui, &self.view, now_ms) {
            if matches!(c, Command::Accept { .. }) {
                self.tab = Tab::Phone;
            }
            self.send(c);
        }
        self.toast(ui);
        match self.tab {
            Tab::Phone => {
                self.phone_tab(ui, now);
                ui.separator();
                ui.strong("Interactions");
                self.desk.list(ui, &self.view, now_ms);
                for c in self.desk.context(ui, &self.view) {
                    self.send(c);
                }
            }
            Tab::History => {
                if self.history_stale {
                    self.history_stale = false;
                    self.send(Command::History { limit: 50 });
                }
                if let Some(c) = history_panel::show(ui, &self.view) {
                    if matches!(c, Command::Call { .. }) {
                        self.tab = Tab::Phone;
                    }
                    self.send(c);
                }
            }
            Tab::Team => {
                if let Some(c) = self.team.show(ui, &self.view) {
                    self.send(c);
                }
            }
            Tab::Settings => {
                if let Some(c) = self.settings.show(ui, &self.view) {
                    self.send(c);
                }
            }
        }
        if !self.view.messages.is_empty() {
            ui.separator();
            for m in self.view.messages.iter().rev().take(3) {
                ui.colored_label(ui.visuals().warn_fg_color, m);
            }
        }
        ui.add_space(4.0);
        ui.weak("Ctrl+Shift+A accept · D decline · H hang up · M mute · O hold · R ready · N not ready · E done");
    }

    /// Switches tabs, asking the phone for what the tab shows.
    pub fn open_tab(&mut self, tab: Tab) {
        self.tab = tab;
        match tab {
            Tab::Settings => {
                self.settings.refresh_devices();
                self.send(Command::Devices);
            }
            Tab::History => self.history_stale = true,
            Tab::Phone | Tab::Team => {}
        }
    }

    /// An incoming call the desk has no interaction for (its preview shows otherwise),
    /// with Accept and Reject, whatever the tab.
    fn toast(&mut self, ui: &mut egui::Ui) {
        if let Some(c) = self.view.incoming().cloned()
            && !self.view.interactions.values().any(|i| i.call == Some(c.id))
        {
            egui::Frame::group(ui.style())
                .fill(ui.visuals().selection.bg_fill.gamma_multiply(0.3))
                .show(ui, |ui| {
                    ui.label(format!("Incoming call from {}", c.remote));
                    ui.horizontal(|ui| {
                        if ui.button("Accept").clicked() {
                            self.send(Command::Answer { id: c.id });
                            self.tab = Tab::Phone;
                        }
                        if ui.button("Reject").clicked() {
                            self.send(Command::Reject { id: c.id, status: None });
                        }
                    });
                });
        }
    }

    /// The dial field, the calls and the controls.
    fn phone_tab(&mut self, ui: &mut egui::Ui, now: Instant) {
        ui.horizontal(|ui| {
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.dial)
                    .hint_text("sip:user@host:port or a number")
                    .desired_width(220.0),
            );
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Call").clicked() || enter) && !self.dial.trim().is_empty() {
                self.send(Command::Call { uri: self.dial.trim().to_owned() });
            }
        });
        ui.separator();
        if self.view.calls.is_empty() {
            ui.label("No calls");
        }
        let rows: Vec<_> = self.view.calls.values().cloned().collect();
        for c in &rows {
            let quality = c
                .mos
                .map(|m| {
                    format!(
                        " · {} (MOS {m:.1}, loss {:.1} %)",
                        quality_word(m),
                        c.loss_pct.unwrap_or(0.0)
                    )
                })
                .unwrap_or_default();
            let flags = format!(
                "{}{}",
                if c.muted { " · muted" } else { "" },
                if c.conference { " · conference" } else { "" }
            );
            let text = format!(
                "{} — {} {}{}{}",
                c.remote,
                state_word(c.state),
                timer(c.answered, now),
                flags,
                quality
            );
            if ui.selectable_label(self.target() == Some(c.id), text).clicked() {
                self.selected = Some(c.id);
            }
        }
        if let Some(id) = self.target() {
            self.controls(ui, id);
        }
        if !self.view.digits.is_empty() {
            ui.label(format!("Digits received: {}", self.view.digits));
        }
    }

    fn controls(&mut self, ui: &mut egui::Ui, id: CallId) {
        let Some(c) = self.view.calls.get(&id).cloned() else { return };
        let up = matches!(c.state, CallState::Active | CallState::Held | CallState::RemoteHeld);
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            if c.state == CallState::Incoming && ui.button("Answer").clicked() {
                self.send(Command::Answer { id });
            }
            if ui.button("Hang up").clicked() {
                self.send(Command::Hangup { id });
            }
            if up {
                let held = c.state == CallState::Held;
                if ui.button(if held { "Resume" } else { "Hold" }).clicked() {
                    self.send(if held { Command::Resume { id } } else { Command::Hold { id } });
                }
                if ui.button(if c.muted { "Unmute" } else { "Mute" }).clicked() {
                    self.send(Command::Mute { id, on: !c.muted });
                }
                if ui.selectable_label(self.show_pad, "Keypad").clicked() {
                    self.show_pad = !self.show_pad;
                }
                let others: Vec<CallId> = self
                    .view
                    .calls
                    .values()
                    .filter(|o| {
                        matches!(
                            o.state,
                            CallState::Active | CallState::Held | CallState::RemoteHeld
                        )
                    })
                    .map(|o| o.id)
                    .collect();
                if others.len() >= 2 && ui.button("Conference").clicked() {
                    self.send(Command::Conference { ids: others });
                }
            }
        });
        if up && self.show_pad {
            egui::Grid::new("keypad").show(ui, |ui| {
                for row in ["123", "456", "789", "*0#"] {
                    for d in row.chars() {
                        if ui.button(d.to_string()).clicked() {
                            self.send(Command::Dtmf { id, digits: d.to_string() });
                        }
                    }
                    ui.end_row();
                }
            });
        }
        if up {
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut self.transfer_to)
                        .hint_text("transfer to")
                        .desired_width(160.0),
                );
                let to = self.transfer_to.trim().to_owned();
                if ui.button("Transfer").clicked() && !to.is_empty() {
                    self.send(Command::Transfer { id, uri: to.clone() });
                }
                if ui.button("Consult").clicked() && !to.is_empty() {
                    self.send(Command::Consult { id, uri: to });
                }
            });
            // Attended transfer: the held call goes to the consultation call's peer.
            let consult = self
                .view
                .calls
                .values()
                .find(|o| o.id != id && o.state == CallState::Active)
                .map(|o| o.id);
            if c.state == CallState::Held
                && let Some(consult) = consult
                && ui.button("Complete transfer").clicked()
            {
                self.send(Command::CompleteTransfer { id, consult });
            }
        }
    }

    /// Hangs up and stops the phone (bounded).
    pub fn quit(&self) {
        self.send(Command::Quit);
    }
}

fn state_word(s: CallState) -> &'static str {
    match s {
        CallState::Dialing => "calling",
        CallState::Ringing => "ringing",
        CallState::Incoming => "incoming",
        CallState::Active => "talking",
        CallState::Held => "on hold",
        CallState::RemoteHeld => "held by the other side",
        CallState::Ended => "ended",
    }
}

impl eframe::App for EarshotApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::ScrollArea::vertical().show(ui, |ui| self.show(ui));
        // The phone's events wake the window (`wake_on_events`); the clocks shown (time in
        // state, call and offer timers) move once a second.
        ui.ctx().request_repaint_after(Duration::from_secs(1));
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.quit();
        std::thread::sleep(Duration::from_millis(300));
    }
}
