//! Settings changed while the phone runs (the window's settings panel, or JSON commands in
//! headless mode): the sound devices and the account. Each change takes effect at once
//! and is handed to the driver to be written to the configuration file.

use super::api::{Account, Event};
use super::config::AudioSettings;
use super::core::Phone;
use super::effect::Effect;
use super::errors::CommandError;
use super::identity::address_of_record;
use super::media::DeviceChoice;
use super::media::route_error;
use super::start::ua_config;

impl Phone {
    /// Reports the devices there are and the ones chosen.
    pub(super) fn devices_event(&mut self) {
        let (inputs, outputs, using) = self.media.devices();
        let c = self.media.choice();
        self.emit(Event::Devices {
            inputs,
            outputs,
            input: c.input.clone(),
            output: c.output.clone(),
            ringing: c.ringing.clone(),
            using,
            ring_volume: self.config.audio.ring_volume,
        });
    }

    /// Sets the offer sounds' loudness (a sound ringing now changes at once) and keeps it.
    pub(super) fn set_ring_volume(&mut self, percent: u8) {
        self.config.audio.ring_volume = percent.min(100);
        self.update_ringing();
        self.devices_event();
        self.effects.push_back(Effect::SaveAudio(self.config.audio.clone()));
    }

    /// Moves the audio to the chosen devices now and keeps the choice.
    pub(super) fn set_devices(
        &mut self,
        input: Option<String>,
        output: Option<String>,
        ringing: Option<String>,
    ) -> Result<(), CommandError> {
        let choice = DeviceChoice { input, output, ringing };
        if let Some(e) = self.media.set_devices(choice.clone()) {
            self.emit(route_error(&e));
        }
        self.config.audio = AudioSettings {
            input: choice.input,
            output: choice.output,
            ringing: choice.ringing,
            ring_volume: self.config.audio.ring_volume,
        };
        self.devices_event();
        self.effects.push_back(Effect::SaveAudio(self.config.audio.clone()));
        Ok(())
    }

    /// Switches to `account` (none: the peer-to-peer phone): unregisters the old one,
    /// takes the new identity, registers it, and keeps it in the configuration file.
    pub(super) fn set_account(&mut self, account: Option<Account>) -> Result<(), CommandError> {
        let local = self.ua.config().local;
        let cfg = ua_config(&self.config, account.as_ref(), local)
            .map_err(|e| CommandError::Account(e.to_string()))?;
        if let Some(reg) = self.registration.take() {
            let old = self.config.accounts.first().map(|a| address_of_record(&a.aor));
            let same = old.is_some() && old == account.as_ref().map(|a| address_of_record(&a.aor));
            // The same address again (a corrected password): the new REGISTER refreshes
            // the binding, and an un-REGISTER racing it could remove it. Another address:
            // the old binding goes.
            if same {
                self.ua.forget_registration(reg);
            } else {
                let _ = self.ua.unregister(reg, self.now);
            }
        }
        self.ua.reconfigure(cfg);
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
            self.register(a);
        }
        self.effects.push_back(Effect::SaveAccount(account));
        Ok(())
    }
}
