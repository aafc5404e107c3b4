//! The settings tab: the sound devices (microphone, earpiece, ringing device, each by name
//! or the system default, applied at once — in a call too) and the account (address of
//! record, authentication user and password, registrar, outbound proxy, transport), saved
//! to the configuration file by the phone. The form only edits; the phone decides.

use earshot_engine::phone::Command;
use earshot_engine::phone::api::Account;
use earshot_engine::phone::config::Transport;
use eframe::egui;

use crate::model::PhoneView;

/// What the form holds while the user edits it.
#[derive(Debug, Default)]
pub struct SettingsForm {
    input: Option<String>,
    output: Option<String>,
    ringing: Option<String>,
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
    pub fn show(&mut self, ui: &mut egui::Ui, view: &PhoneView) -> Option<Command> {
        let mut command = None;
        self.take_reports(view);
        ui.heading("Audio");
        match &view.devices {
            None => {
                ui.label("Looking for sound devices…");
            }
            Some(d) => {
                ui.label(format!("In use: {}", d.using));
                egui::Grid::new("devices").num_columns(2).show(ui, |ui| {
                    let default = "System default";
                    device_choice(ui, "Microphone", default, &d.inputs, &mut self.input);
                    device_choice(ui, "Earpiece", default, &d.outputs, &mut self.output);
                    // No ringing device: incoming calls ring in the earpiece.
                    device_choice(ui, "Ringing", "In the earpiece", &d.outputs, &mut self.ringing);
                });
                let changed =
                    self.input != d.input || self.output != d.output || self.ringing != d.ringing;
                if ui.add_enabled(changed, egui::Button::new("Use these devices")).clicked() {
                    command = Some(Command::SetDevices {
                        input: self.input.clone(),
                        output: self.output.clone(),
                        ringing: self.ringing.clone(),
                    });
                }
            }
        }
        ui.separator();
        ui.heading("Account");
        ui.weak("Leave the address empty for a peer-to-peer phone (no server).");
        egui::Grid::new("account").num_columns(2).show(ui, |ui| {
            field(ui, "Address", "sip:1001@pbx.example.com", &mut self.aor, false);
            field(ui, "User", "1001 (the address's user)", &mut self.auth_user, false);
            field(ui, "Password", "", &mut self.password, true);
            field(
                ui,
                "Registrar",
                "pbx.example.com:5060 (the address's host)",
                &mut self.registrar,
                false,
            );
            field(ui, "Outbound proxy", "host:port (none)", &mut self.outbound_proxy, false);
            ui.label("Transport");
            ui.horizontal(|ui| {
                ui.radio_value(&mut self.tcp, false, "UDP");
                ui.radio_value(&mut self.tcp, true, "TCP");
            });
            ui.end_row();
        });
        if ui.button("Save account").clicked() {
            match self.account() {
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
        command
    }

    /// Takes the phone's reports into the fields, once each (the user's edits stay).
    fn take_reports(&mut self, view: &PhoneView) {
        if let Some(d) = view.devices.as_ref().filter(|_| !self.devices_seen) {
            self.input = d.input.clone();
            self.output = d.output.clone();
            self.ringing = d.ringing.clone();
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
    fn account(&self) -> Result<Option<Account>, String> {
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
            return Err(format!("{aor} has no user@host"));
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
                ui.selectable_value(chosen, Some(c.clone()), format!("{c} (not found)"));
            }
        })
        .response
        .labelled_by(name.id);
    ui.end_row();
}

fn field(ui: &mut egui::Ui, label: &str, hint: &str, text: &mut String, password: bool) {
    ui.label(label);
    ui.add(
        egui::TextEdit::singleline(text).hint_text(hint).password(password).desired_width(260.0),
    );
    ui.end_row();
}
