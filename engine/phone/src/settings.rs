//! Settings changed while the phone runs (the window's settings panel, or JSON commands in
//! headless mode): the sound devices, the account, and reading the call history. Each
//! change takes effect at once and is written to the configuration file.

use super::api::{Account, Event};
use super::config::AudioSettings;
use super::config_file;
use super::core::Phone;
use super::identity::address_of_record;
use super::media::DeviceChoice;
use super::start::{route_error, ua_config};

impl Phone {
    /// Reports the devices there are and the ones chosen.
    pub(super) fn devices_event(&self) {
        let (inputs, outputs, using) = self.media.devices();
        let c = &self.media.choice;
        self.emit(Event::Devices {
            inputs,
            outputs,
            input: c.input.clone(),
            output: c.output.clone(),
            ringing: c.ringing.clone(),
            using,
        });
    }

    /// Moves the audio to the chosen devices now and keeps the choice.
    pub(super) fn set_devices(
        &mut self,
        input: Option<String>,
        output: Option<String>,
        ringing: Option<String>,
    ) -> Result<(), String> {
        let choice = DeviceChoice { input, output, ringing };
        if let Some(e) = self.media.set_devices(choice.clone()) {
            self.emit(route_error(&e));
        }
        self.config.audio =
            AudioSettings { input: choice.input, output: choice.output, ringing: choice.ringing };
        self.devices_event();
        match &self.config_path {
            Some(path) => config_file::save_audio(path, &self.config.audio)
                .map_err(|e| format!("devices in use, but not saved: {e}")),
            None => Ok(()),
        }
    }

    /// Switches to `account` (none: the peer-to-peer phone): unregisters the old one,
    /// takes the new identity, registers it, and keeps it in the configuration file.
    pub(super) async fn set_account(&mut self, account: Option<Account>) -> Result<(), String> {
        let local = self.sip.local;
        let cfg = ua_config(&self.config, account.as_ref(), local).map_err(|e| e.to_string())?;
        if let Some(reg) = self.registration.take() {
            let old = self.config.accounts.first().map(|a| address_of_record(&a.aor));
            let same = old.is_some() && old == account.as_ref().map(|a| address_of_record(&a.aor));
            // The same address again (a corrected password): the new REGISTER refreshes
            // the binding, and an un-REGISTER racing it could remove it. Another address:
            // the old binding goes.
            let _ = self
                .sip
                .with(move |ua, now| {
                    if same {
                        ua.forget_registration(reg);
                    } else {
                        let _ = ua.unregister(reg, now);
                    }
                })
                .await;
        }
        let _ = self.sip.with(move |ua, _| ua.reconfigure(cfg)).await;
        match &account {
            Some(a) => match self.config.accounts.first_mut() {
                Some(first) => *first = a.clone(),
                None => self.config.accounts.push(a.clone()),
            },
            None => {
                if !self.config.accounts.is_empty() {
                    self.config.accounts.remove(0);
                }
            }
        }
        self.local_uri = match &account {
            Some(a) => a.aor.clone(),
            None => self.peer_to_peer_uri(),
        };
        self.emit(Event::Ready { uri: self.local_uri.clone(), listen: local.to_string() });
        self.emit(Event::Account { account: account.clone() });
        if let Some(a) = &account {
            self.register(a).await;
        }
        match &self.config_path {
            Some(path) => config_file::save_account(path, account.as_ref())
                .map_err(|e| format!("account in use, but not saved: {e}")),
            None => Ok(()),
        }
    }

    /// The most recent calls, read off the async threads.
    pub(super) fn history_event(&self, limit: usize) {
        let Some(history) = self.history.clone() else {
            self.emit(Event::Error { message: "no call history".into(), command: None });
            return;
        };
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let read = history
                .lock()
                .map_err(|e| e.to_string())
                .and_then(|h| h.recent(limit).map_err(|e| e.to_string()));
            let _ = events.send(match read {
                Ok(calls) => Event::History { calls },
                Err(message) => Event::Error { message, command: None },
            });
        });
    }
}
