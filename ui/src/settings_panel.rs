//! The settings tab: the sound devices (microphone, earpiece, ringing device, each by name
//! or the system default, applied at once — in a call too) and the account (address of
//! record, authentication user and password, registrar, outbound proxy, transport), saved
//! to the configuration file by the phone; the window's language and theme, applied at
//! once and saved by the window (`[window]`). The form only edits; the phone decides.

use earshot_engine::phone::Command;
use earshot_engine::phone::api::Account;
use earshot_engine::phone::config::{ThemeChoice, Transport, WindowSettings};
use eframe::egui;

use crate::i18n::{Arg, LANGUAGES, Translator, system_language};
use crate::icons;
use crate::model::PhoneView;
use crate::style::{FIELD_WIDTH, SECTION_GAP};

/// What the settings tab asks for.
#[derive(Debug)]
pub enum SettingsChange {
    /// A command for the phone (devices, account).
    Phone(Command),
    /// The window's language or theme.
    Window(WindowSettings),
}

/// What the form holds while the user edits it.
#[derive(Debug, Default)]
pub struct SettingsForm {
    input: Option<String>,
    output: Option<String>,
    ringing: Option<String>,
    /// The ring volume as the slider holds it.
    ring_volume: Option<u8>,
    /// The devices report the device fields were taken from.
    devices_seen: bool,
    aor: String,
    auth_user: String,
    password: String,
    registrar: String,
    outbound_proxy: String,
    tcp: bool,
    /// The account report the account fields were taken from.
    account_seen: Option<Option<Account>>,
    problem: Option<String>,
}

impl SettingsForm {
    /// Draws the tab; returns the command a button asked for.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        view: &PhoneView,
        window: &WindowSettings,
    ) -> Option<SettingsChange> {
        let mut command = None;
        let mut change = None;
        let mut ring_volume = None;
        self.take_reports(view);
        ui.heading(tr.t("settings-window"));
        egui::Grid::new("window-settings").num_columns(2).show(ui, |ui| {
            let name = ui.label(tr.t("settings-language"));
            let system =
                tr.t_with("language-system", &[("language", Arg::Text(&system_language()))]);
            let shown = window
                .language
                .as_deref()
                .and_then(|l| LANGUAGES.iter().find(|(tag, _, _)| *tag == l))
                .map_or(system.clone(), |(_, name, _)| (*name).to_owned());
            let mut language = window.language.clone();
            egui::ComboBox::from_id_salt("language")
                .selected_text(shown)
                .width(FIELD_WIDTH)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut language, None, system);
                    for (tag, name, _) in LANGUAGES {
                        ui.selectable_value(&mut language, Some(tag.to_owned()), name);
                    }
                })
                .response
                .labelled_by(name.id);
            ui.end_row();
            let name = ui.label(tr.t("settings-theme"));
            let mut theme = window.theme;
            ui.horizontal(|ui| {
                ui.radio_value(&mut theme, ThemeChoice::System, tr.t("theme-system"));
                ui.radio_value(&mut theme, ThemeChoice::Light, tr.t("theme-light"));
                ui.radio_value(&mut theme, ThemeChoice::Dark, tr.t("theme-dark"));
            })
            .response
            .labelled_by(name.id);
            ui.end_row();
            if language != window.language || theme != window.theme {
                let translations = window.translations.clone();
                change =
                    Some(SettingsChange::Window(WindowSettings { language, theme, translations }));
            }
        });
        ui.add_space(SECTION_GAP);
        ui.heading(tr.t("settings-audio"));
        match &view.devices {
            None => {
                ui.weak(tr.t("settings-looking"));
            }
            Some(d) => {
                ui.label(tr.t_with("settings-in-use", &[("name", Arg::Text(&d.using))]));
                egui::Grid::new("devices").num_columns(2).show(ui, |ui| {
                    let default = tr.t("settings-system-default");
                    let missing =
                        |name: &str| tr.t_with("device-not-found", &[("name", Arg::Text(name))]);
                    device_choice(
                        ui,
                        &tr.t("settings-microphone"),
                        &default,
                        &d.inputs,
                        &mut self.input,
                        &missing,
                    );
                    device_choice(
                        ui,
                        &tr.t("settings-earpiece"),
                        &default,
                        &d.outputs,
                        &mut self.output,
                        &missing,
                    );
                    // No ringing device: incoming calls ring in the earpiece.
                    let earpiece = tr.t("settings-ringing-earpiece");
                    device_choice(
                        ui,
                        &tr.t("settings-ringing"),
                        &earpiece,
                        &d.outputs,
                        &mut self.ringing,
                        &missing,
                    );
                });
                // The ring volume applies as the slider is let go (and rings the sound of a
                // call ringing now at the new level).
                ui.horizontal(|ui| {
                    let name = ui.label(tr.t("settings-ring-volume"));
                    let mut volume = self.ring_volume.unwrap_or(d.ring_volume);
                    let slider = ui
                        .add(egui::Slider::new(&mut volume, 0..=100).suffix(" %"))
                        .labelled_by(name.id);
                    self.ring_volume = Some(volume);
                    if slider.drag_stopped() || (slider.changed() && !slider.dragged()) {
                        ring_volume = Some(volume);
                    }
                });
                let changed =
                    self.input != d.input || self.output != d.output || self.ringing != d.ringing;
                if icons::button_enabled(
                    ui,
                    changed,
                    icons::ICON_HEADSET_MIC,
                    &tr.t("settings-use-devices"),
                    None,
                )
                .clicked()
                {
                    command = Some(Command::SetDevices {
                        input: self.input.clone(),
                        output: self.output.clone(),
                        ringing: self.ringing.clone(),
                    });
                }
            }
        }
        ui.add_space(SECTION_GAP);
        ui.heading(tr.t("settings-account"));
        ui.weak(tr.t("settings-account-p2p"));
        egui::Grid::new("account").num_columns(2).show(ui, |ui| {
            field(ui, &tr.t("field-address"), &tr.t("hint-address"), &mut self.aor, false);
            field(ui, &tr.t("field-user"), &tr.t("hint-user"), &mut self.auth_user, false);
            field(ui, &tr.t("field-password"), "", &mut self.password, true);
            field(
                ui,
                &tr.t("field-registrar"),
                &tr.t("hint-registrar"),
                &mut self.registrar,
                false,
            );
            field(ui, &tr.t("field-proxy"), &tr.t("hint-proxy"), &mut self.outbound_proxy, false);
            ui.label(tr.t("field-transport"));
            ui.horizontal(|ui| {
                ui.radio_value(&mut self.tcp, false, "UDP");
                ui.radio_value(&mut self.tcp, true, "TCP");
            });
            ui.end_row();
        });
        if icons::button(ui, icons::ICON_SAVE, &tr.t("settings-save-account"), None).clicked() {
            match self.account(tr) {
                Ok(account) => {
                    self.problem = None;
                    command = Some(Command::SetAccount { account });
                }
                Err(p) => self.problem = Some(p),
            }
        }
        if let Some(p) = &self.problem {
            ui.colored_label(ui.visuals().error_fg_color, p);
        }
        let volume = ring_volume.map(|percent| Command::SetRingVolume { percent });
        change.or(command.or(volume).map(SettingsChange::Phone))
    }

    /// Takes the phone's reports into the fields, once each (the user's edits stay).
    fn take_reports(&mut self, view: &PhoneView) {
        if let Some(d) = view.devices.as_ref().filter(|_| !self.devices_seen) {
            self.input = d.input.clone();
            self.output = d.output.clone();
            self.ringing = d.ringing.clone();
            self.ring_volume = Some(d.ring_volume);
            self.devices_seen = true;
        }
        if self.account_seen.as_ref() != Some(&view.account) {
            let a = view.account.clone();
            self.aor = a.as_ref().map(|a| a.aor.clone()).unwrap_or_default();
            self.auth_user = a.as_ref().and_then(|a| a.auth_user.clone()).unwrap_or_default();
            self.password = a.as_ref().map(|a| a.password.clone()).unwrap_or_default();
            self.registrar = a.as_ref().and_then(|a| a.registrar.clone()).unwrap_or_default();
            self.outbound_proxy =
                a.as_ref().and_then(|a| a.outbound_proxy.clone()).unwrap_or_default();
            self.tcp = a.as_ref().is_some_and(|a| a.transport == Transport::Tcp);
            self.account_seen = Some(a);
        }
    }

    /// Forgets the device fields so the next report fills them (after the tab reopens).
    pub fn refresh_devices(&mut self) {
        self.devices_seen = false;
    }

    /// The account the fields describe; none when the address is empty.
    fn account(&self, tr: &Translator) -> Result<Option<Account>, String> {
        let aor = self.aor.trim();
        if aor.is_empty() {
            return Ok(None);
        }
        let aor = if aor.starts_with("sip:") || aor.starts_with("sips:") {
            aor.to_owned()
        } else {
            format!("sip:{aor}")
        };
        if !aor.contains('@') {
            return Err(tr.t_with("account-no-user-host", &[("aor", Arg::Text(&aor))]));
        }
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(Some(Account {
            aor,
            auth_user: some(&self.auth_user),
            password: self.password.clone(),
            registrar: some(&self.registrar),
            outbound_proxy: some(&self.outbound_proxy),
            transport: if self.tcp { Transport::Tcp } else { Transport::Udp },
            expires: 600,
        }))
    }
}

/// A labelled drop-down (one grid row) of device names, `none` (no device named) first.
fn device_choice(
    ui: &mut egui::Ui,
    label: &str,
    none: &str,
    names: &[String],
    chosen: &mut Option<String>,
    missing: &dyn Fn(&str) -> String,
) {
    let name = ui.label(label);
    let shown = chosen.clone().unwrap_or_else(|| none.to_owned());
    let combo = egui::ComboBox::from_id_salt(label).selected_text(shown).width(240.0);
    combo
        .show_ui(ui, |ui| {
            ui.selectable_value(chosen, None, none);
            for n in names {
                ui.selectable_value(chosen, Some(n.clone()), n);
            }
            // A device chosen before and not plugged in now stays choosable.
            if let Some(c) = chosen.clone().filter(|c| !names.contains(c)) {
                ui.selectable_value(chosen, Some(c.clone()), missing(&c));
            }
        })
        .response
        .labelled_by(name.id);
    ui.end_row();
}

fn field(ui: &mut egui::Ui, label: &str, hint: &str, text: &mut String, password: bool) {
    let name = ui.label(label);
    ui.add(
        egui::TextEdit::singleline(text)
            .hint_text(hint)
            .password(password)
            .desired_width(FIELD_WIDTH),
    )
    .labelled_by(name.id);
    ui.end_row();
}
