//! The host's address changed (its default route moved, say from Wi-Fi to a cable): new
//! requests carry the new address in Via and Contact, and every registration is sent
//! again at once with the new Contact and the old one removed (`expires=0`, RFC 3261
//! §10.2.2), so calls reach the phone where it is now.

use std::net::SocketAddr;
use std::time::Instant;

use super::agent::UserAgent;
use super::events::RegHandle;
use crate::message::HeaderName;

impl UserAgent {
    /// Moves the agent to `local` (the same port, the new address) and registers every
    /// binding again from there.
    pub fn change_address(&mut self, local: SocketAddr, now: Instant) {
        if local == self.cfg.local {
            return;
        }
        let moving: Vec<(RegHandle, String, u32)> = self
            .regs
            .iter()
            .filter(|(_, r)| r.is_kept())
            .map(|(h, r)| (*h, self.contact(r.flow().transport), r.expires()))
            .collect();
        self.set_local(local);
        for (reg, old, expires) in moving {
            self.send_register_with(reg, expires, Some(old), now);
        }
    }

    /// The REGISTER of `reg`, with `old_contact` removed in the same request.
    pub(crate) fn send_register_with(
        &mut self,
        reg: RegHandle,
        expires: u32,
        old_contact: Option<String>,
        now: Instant,
    ) {
        self.send_register_headers(reg, expires, now, |req| {
            if let Some(old) = old_contact {
                req.headers.push(HeaderName::Contact, format!("{old};expires=0"));
            }
        });
    }
}
