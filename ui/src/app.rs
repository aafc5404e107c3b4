//! The desktop window: the top bar (agent state, address, state controls), the tabs —
//! Desk (dial field, calls and their controls, interactions and the selected one's
//! context), History, the supervisor's Team, Settings —, the previews of offered
//! interactions over everything, the phone's notices at the foot, and the keys. It
//! renders [`PhoneView`] in the agent's language and sends commands; the phone runs on its
//! own tokio runtime. Keys: Ctrl+Shift+A accept or answer, D decline, H hang up, M mute,
//! O hold or resume, R Ready, N Not Ready, E Done; Alt+digit a disposition.

use std::time::Duration;

use earshot_engine::phone::config::WindowSettings;
use earshot_engine::phone::{CallState, Command, Event, PhoneHandle};
use eframe::egui::{self, RichText};
use jiff::tz::TimeZone;

use crate::call_panel::CallPanel;
use crate::chat_panel::{self, ChatPanel};
use crate::desk_panel::{DeskPanel, open, unix_ms};
use crate::i18n::{Arg, Translator};
use crate::model::{Notice, PhoneView};
use crate::notify::{self, Notifier};
use crate::settings_panel::{SettingsChange, SettingsForm};
use crate::style::{self, GAP, SECTION_GAP};
use crate::team_communicator::TeamCommunicator;
use crate::team_panel::TeamPanel;
use crate::time_text::agent_zone;
use crate::{history_panel, icons, preview, top_bar};

pub struct EarshotApp {
    phone: PhoneHandle,
    /// Keeps the phone's tasks running while the window is open.
    _runtime: Option<tokio::runtime::Runtime>,
    pub view: PhoneView,
    pub tab: Tab,
    calls: CallPanel,
    settings: SettingsForm,
    team: TeamPanel,
    /// The search box at the top of the desk (Ctrl+K).
    communicator: TeamCommunicator,
    pub desk: DeskPanel,
    pub chat: ChatPanel,
    pub email: crate::email_panel::EmailPanel,
    /// A new email being written (opened from Team Communicator).
    pub new_email: Option<crate::email_composer::NewEmail>,
    /// The new email kept before a restart was opened again (once).
    new_email_restored: bool,
    /// The new email last sent, until the phone takes or refuses it.
    new_email_sent: Option<crate::email_composer::NewEmail>,
    /// The window's language and theme, as configured (changed in Settings).
    pub window: WindowSettings,
    /// Where `[window]` is saved (none: not saved, e.g. in tests).
    config_path: Option<std::path::PathBuf>,
    /// The agent's language.
    pub tr: Translator,
    zone: TimeZone,
    /// Calls ended since the history was last asked for.
    history_stale: bool,
    /// Notices the agent has dismissed (how many of `view.messages`).
    dismissed: usize,
    /// The window's style is installed on the first frame (it needs the context).
    styled: bool,
    /// Offers announced on the desktop.
    notifier: Notifier,
    /// When the process started, if the first frame's time is to be reported.
    report_first_frame: Option<std::time::Instant>,
}

/// The window's tabs; the previews show on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Desk,
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
    /// The window over `phone`, in the language and theme of `window` (the system's
    /// where it names none).
    pub fn new(phone: PhoneHandle, runtime: Option<tokio::runtime::Runtime>) -> EarshotApp {
        EarshotApp::with_settings(phone, runtime, WindowSettings::default(), None)
    }

    /// [`EarshotApp::new`] with the `[window]` settings, saved to `config_path` when the
    /// agent changes them.
    pub fn with_settings(
        phone: PhoneHandle,
        runtime: Option<tokio::runtime::Runtime>,
        window: WindowSettings,
        config_path: Option<std::path::PathBuf>,
    ) -> EarshotApp {
        let mut app = EarshotApp {
            desk: DeskPanel::new(phone.desk.clone()),
            chat: ChatPanel::new(phone.quick_replies.clone()),
            email: crate::email_panel::EmailPanel::default(),
            new_email: None,
            new_email_restored: false,
            new_email_sent: None,
            phone,
            _runtime: runtime,
            view: PhoneView::default(),
            tab: Tab::Desk,
            calls: CallPanel::default(),
            settings: SettingsForm::default(),
            team: TeamPanel::default(),
            communicator: TeamCommunicator::default(),
            tr: Translator::default(),
            window,
            config_path,
            zone: agent_zone(),
            history_stale: true,
            dismissed: 0,
            styled: false,
            report_first_frame: None,
            notifier: Notifier::default(),
        };
        app.load_language();
        app
    }

    /// The agent's language with the site's own files over it; what they lack or get
    /// wrong is said at the foot of the window.
    fn load_language(&mut self) {
        self.tr = Translator::for_agent(self.window.language.as_deref());
        if let Some(dir) = self.window.translations.clone() {
            for (file, why) in self.tr.add_site_files(&dir) {
                let args = vec![("file", file), ("why", why)];
                self.view
                    .messages
                    .push(Notice::WindowError { key: "error-site-translation", args });
            }
        }
    }

    /// Prints on stderr how long after `started` the first frame was laid out.
    pub fn report_first_frame_since(&mut self, started: std::time::Instant) {
        self.report_first_frame = Some(started);
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
        let now = std::time::Instant::now();
        while let Ok(e) = self.phone.events.try_recv() {
            if matches!(&e, Event::CallState { state: CallState::Ended, .. }) {
                self.history_stale = true;
            }
            self.view.apply(e, now);
        }
        self.dismissed = self.dismissed.min(self.view.messages.len());
    }

    pub fn send(&self, c: Command) {
        self.phone.send(c);
    }

    /// When the window must next repaint by itself: in a second while a clock that
    /// counts seconds is on show (a call's or an interaction's timer, an offer's
    /// countdown, the team's times, the first minute in a state); at the next minute of
    /// the time in state when nothing else moves (it then counts minutes, see
    /// [`state_clock`]); never without a desk. The phone's events wake it in between.
    pub fn next_repaint(&self, now_ms: u64) -> Option<Duration> {
        let seconds_on_show = self.view.calls.values().any(|c| c.answered.is_some())
            || self.view.interactions.values().any(open)
            || (self.tab == Tab::Team && !self.view.team_states.is_empty());
        let state = self.view.agent_state.as_ref()?;
        let in_state = now_ms.saturating_sub(state.since_ms);
        if seconds_on_show || self.busy() || in_state < 60_000 {
            return Some(Duration::from_secs(1));
        }
        Some(Duration::from_millis(60_000 - in_state % 60_000))
    }

    /// Whether something is going on that counts seconds (a call, open work).
    fn busy(&self) -> bool {
        !self.view.calls.is_empty() || self.view.interactions.values().any(open)
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
        let target = self.calls.target(&self.view).and_then(|id| self.view.calls.get(&id).cloned());
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
        if !self.styled {
            self.styled = true;
            style::install(ui.ctx(), self.window.theme);
        }
        self.poll();
        self.attention(ui.ctx());
        self.desk.tidy(&self.view);
        self.shortcuts(ui);
        // Ctrl+K from any tab: to the desk, where the search box takes it.
        if self.tab != Tab::Desk && ui.input(|i| i.modifiers.ctrl && i.key_pressed(egui::Key::K)) {
            self.open_tab(Tab::Desk);
        }
        let now_ms = unix_ms();
        let minutes = !self.busy();
        let reasons = self.desk.reasons();
        if let Some(c) = top_bar::show(ui, &self.tr, &self.view, reasons, now_ms, minutes) {
            self.send(c);
        }
        ui.add_space(GAP);
        self.tabs(ui);
        ui.add_space(GAP);
        for c in preview::show(ui.ctx(), &self.tr, &self.desk.config, &self.view, now_ms) {
            if matches!(c, Command::Accept { .. } | Command::Answer { .. }) {
                self.tab = Tab::Desk;
            }
            if let Command::Accept { id } = c {
                self.desk.select(id);
            }
            self.send(c);
        }
        match self.tab {
            Tab::Desk => self.desk_tab(ui, now_ms),
            Tab::History => {
                if self.history_stale {
                    self.history_stale = false;
                    self.send(Command::History { limit: 50 });
                }
                let now = now_ms as i64;
                if let Some(c) = history_panel::show(ui, &self.tr, &self.zone, &self.view, now) {
                    if matches!(c, Command::Call { .. }) {
                        self.tab = Tab::Desk;
                    }
                    self.send(c);
                }
            }
            Tab::Team => {
                if let Some(c) = self.team.show(ui, &self.tr, &self.view) {
                    self.send(c);
                }
            }
            Tab::Settings => match self.settings.show(ui, &self.tr, &self.view, &self.window) {
                Some(SettingsChange::Phone(c)) => self.send(c),
                Some(SettingsChange::Window(w)) => self.set_window(ui.ctx(), w),
                None => {}
            },
        }
        self.notices(ui);
        ui.add_space(SECTION_GAP);
        ui.label(
            RichText::new(self.tr.t("shortcuts")).small().color(ui.visuals().weak_text_color()),
        );
    }

    /// A new offer while the window is behind others: announced on the desktop, and the
    /// window asks for the agent's attention (its taskbar entry flashes).
    fn attention(&mut self, ctx: &egui::Context) {
        let (focused, minimized) = ctx.input(|i| (i.viewport().focused, i.viewport().minimized));
        let in_front = focused.unwrap_or(true) && !minimized.unwrap_or(false);
        let due = self.notifier.due(&self.tr, &self.view, in_front);
        if !due.is_empty() {
            ctx.send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(
                egui::UserAttentionType::Critical,
            ));
        }
        for notice in due {
            notify::show(notice);
        }
    }

    /// The tab strip.
    fn tabs(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            for (tab, glyph, key) in [
                (Tab::Desk, icons::ICON_SUPPORT_AGENT, "tab-desk"),
                (Tab::History, icons::ICON_HISTORY, "tab-history"),
                (Tab::Team, icons::ICON_GROUPS, "tab-team"),
                (Tab::Settings, icons::ICON_SETTINGS, "tab-settings"),
            ] {
                if icons::toggle(ui, self.tab == tab, glyph, &self.tr.t(key)).clicked()
                    && self.tab != tab
                {
                    self.open_tab(tab);
                }
            }
        });
        ui.separator();
    }

    /// The dial field, the calls and their controls, the interactions and the selected
    /// one's context.
    fn desk_tab(&mut self, ui: &mut egui::Ui, now_ms: u64) {
        let target = self.calls.target(&self.view);
        // The selected chat, if active and a customer's (not a consultation itself).
        self.communicator.chat = self
            .desk
            .selected()
            .and_then(|id| self.view.interactions.get(&id))
            .filter(|i| i.channel == "chat" && i.state == "active" && i.link.is_none())
            .map(|i| i.id);
        let context = (&self.desk.config, &self.zone);
        for c in self.communicator.show(ui, &self.tr, context, &self.view, target) {
            self.send(c);
        }
        if let Some(to) = self.communicator.email_to.take() {
            self.new_email = Some(crate::email_composer::NewEmail::to(&to));
        }
        if let Some(d) = self.view.drafts.get(&0)
            && self.new_email.is_none()
            && !self.new_email_restored
        {
            self.new_email = Some(crate::email_composer::NewEmail::restored(d));
            self.email.drafts.known(0, d.clone());
        }
        self.new_email_restored |= self.view.drafts.contains_key(&0);
        if std::mem::take(&mut self.view.new_email_refused) && self.new_email.is_none() {
            self.new_email = self.new_email_sent.take();
        }
        if let Some(new) = &mut self.new_email {
            ui.add_space(GAP);
            let mut outcome = crate::email_composer::NewEmailOutcome::Writing;
            style::card(ui).show(ui, |ui| {
                ui.set_width(ui.available_width());
                outcome = new.show(ui, &self.tr);
            });
            let typed = new.typed();
            match outcome {
                crate::email_composer::NewEmailOutcome::Send(c) => {
                    // The phone forgets the draft once the email is its interaction's; if
                    // it refuses it, it is opened again as written.
                    self.new_email_sent = self.new_email.take();
                    self.email.drafts.known(0, Default::default());
                    self.send(c);
                }
                crate::email_composer::NewEmailOutcome::Writing => {
                    if let Some(c) = self.email.drafts.check(ui.ctx(), 0, typed) {
                        self.send(c);
                    }
                }
                crate::email_composer::NewEmailOutcome::Cancel => {
                    self.new_email = None;
                    if let Some(c) = self.email.drafts.forget(0) {
                        self.send(c);
                    }
                }
            }
        }
        ui.add_space(GAP);
        for c in self.calls.calls(ui, &self.tr, &self.view) {
            self.send(c);
        }
        ui.add_space(SECTION_GAP);
        ui.label(RichText::new(self.tr.t("interactions-title")).strong());
        self.desk.list(ui, &self.tr, &self.view, now_ms);
        // A chat selected: its transcript and compose box first, its context under them.
        let chat = self
            .desk
            .selected()
            .and_then(|id| self.view.interactions.get(&id))
            .filter(|i| i.channel == "chat");
        if let Some(i) = chat {
            ui.add_space(GAP);
            let (tr, zone, view) = (&self.tr, &self.zone, &self.view);
            let chat = &mut self.chat;
            for c in chat_panel::card(ui, |ui| chat.show(ui, tr, zone, view, i)) {
                self.send(c);
            }
        }
        // An email selected: its thread and composer, its context under them.
        let email = self
            .desk
            .selected()
            .and_then(|id| self.view.interactions.get(&id))
            .filter(|i| i.channel == "email");
        if let Some(i) = email {
            ui.add_space(GAP);
            let (tr, zone, view) = (&self.tr, &self.zone, &self.view);
            let panel = &mut self.email;
            let now = now_ms as i64;
            for c in chat_panel::card(ui, |ui| panel.show(ui, tr, zone, view, i, now)) {
                self.send(c);
            }
        }
        for c in self.desk.context(ui, &self.tr, &self.zone, &self.view) {
            self.send(c);
        }
    }

    /// The newest notice not dismissed, small, with Dismiss (older ones counted).
    fn notices(&mut self, ui: &mut egui::Ui) {
        let waiting = self.view.messages.get(self.dismissed..).unwrap_or(&[]);
        let Some(last) = waiting.last() else { return };
        let text = notice_text(&self.tr, last);
        let earlier = waiting.len() - 1;
        ui.add_space(SECTION_GAP);
        style::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                let tone = match last {
                    Notice::Error { .. } | Notice::WindowError { .. } | Notice::Security(_) => {
                        style::Tone::Bad
                    }
                    _ => style::Tone::Quiet,
                };
                ui.label(icons::icon(ui, icons::ICON_INFO, Some(tone)));
                ui.label(RichText::new(text).small());
                if earlier > 0 {
                    let more =
                        self.tr.t_with("messages-more", &[("count", Arg::Number(earlier as f64))]);
                    ui.weak(RichText::new(more).small());
                }
                if icons::button(ui, icons::ICON_CLOSE, &self.tr.t("message-dismiss"), None)
                    .clicked()
                {
                    self.dismissed = self.view.messages.len();
                }
            });
        });
    }

    /// Applies a new language or theme at once and saves it.
    fn set_window(&mut self, ctx: &egui::Context, window: WindowSettings) {
        let language_changed = window.language != self.window.language;
        if window.theme != self.window.theme {
            style::install(ctx, window.theme);
        }
        self.window = window;
        if language_changed {
            self.load_language();
        }
        if let Some(path) = &self.config_path
            && let Err(e) = earshot_engine::phone::config_file::save_window(path, &self.window)
        {
            let args = vec![("why", e.to_string())];
            self.view.messages.push(Notice::WindowError { key: "error-window-not-saved", args });
        }
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
            Tab::Desk | Tab::Team => {}
        }
    }

    /// Hangs up and stops the phone (bounded).
    pub fn quit(&self) {
        self.send(Command::Quit);
    }
}

/// A notice in the agent's language.
fn notice_text(tr: &Translator, notice: &Notice) -> String {
    match notice {
        Notice::Error { message, problem } => {
            problem.as_ref().and_then(|p| tr.problem(p)).unwrap_or_else(|| message.clone())
        }
        Notice::WindowError { key, args } => {
            let args: Vec<(&str, Arg<'_>)> =
                args.iter().map(|(name, value)| (*name, Arg::Text(value))).collect();
            tr.t_with(key, &args)
        }
        Notice::Transfer { call, status, reason } => tr.t_with(
            "message-transfer",
            &[
                ("id", Arg::Text(&call.to_string())),
                ("status", Arg::Text(status)),
                ("reason", Arg::Text(reason)),
            ],
        ),
        Notice::Security(message) => {
            tr.t_with("message-security", &[("message", Arg::Text(message))])
        }
        Notice::PromptStopped { call, file } => tr.t_with(
            "message-prompt-stopped",
            &[("id", Arg::Text(&call.to_string())), ("file", Arg::Text(file))],
        ),
        Notice::ScreenPop { interaction, url } => tr.t_with(
            "message-screen-pop",
            &[("id", Arg::Text(&interaction.to_string())), ("url", Arg::Text(url))],
        ),
        Notice::Imported { file, added, merged, rejected } => tr.t_with(
            "message-contacts-imported",
            &[
                ("file", Arg::Text(file)),
                ("added", Arg::Number(*added as f64)),
                ("merged", Arg::Number(*merged as f64)),
                ("refused", Arg::Number(rejected.len() as f64)),
                ("lines", Arg::Text(&rejected.join(", "))),
            ],
        ),
        Notice::Exported { file, count } => tr.t_with(
            "message-contacts-exported",
            &[("file", Arg::Text(file)), ("count", Arg::Number(*count as f64))],
        ),
    }
}

impl eframe::App for EarshotApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        // The theme's panel colour behind everything (eframe gives a bare Ui).
        let frame = egui::Frame::central_panel(ui.style()).inner_margin(0);
        egui::CentralPanel::default().frame(frame).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::Frame::new().inner_margin(style::WINDOW_MARGIN).show(ui, |ui| self.show(ui));
            });
        });
        // The phone's events wake the window (`wake_on_events`); the clocks on show move
        // once a second, or once a minute when the agent is between interactions.
        if let Some(after) = self.next_repaint(unix_ms()) {
            ui.ctx().request_repaint_after(after);
        }
        if let Some(started) = self.report_first_frame.take() {
            eprintln!("earshot: first frame {} ms after start", started.elapsed().as_millis());
        }
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.quit();
        std::thread::sleep(Duration::from_millis(300));
    }
}
