//! Where a call's audio goes, kept working: the chosen sound card, and when it fails
//! mid-call (a headset unplugged, the JACK server gone) the default device of the same
//! host, then ALSA's default, then the null device on the loop's timer — so the call
//! never stops, and the owner is told what happened to show it.

use super::NullDevice;
use super::sound_card::{AudioHost, CardChoice, SoundCard};
use crate::media_loop::Devices;

/// What happened to the audio route, for the window and the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteEvent {
    /// The chosen devices were not there at the start: the defaults are used.
    ChosenMissing { wanted: String, using: String },
    /// The devices in use failed; the call moved to these.
    FellBack { lost: String, using: String },
    /// No sound device works: the call goes on without audio until one is chosen.
    NoDevice { reason: String },
}

/// The audio route of a media loop.
#[derive(Debug)]
pub struct AudioRoute {
    host: AudioHost,
    loop_rate: u32,
    frame_ms: u32,
    card: Option<SoundCard>,
}

impl AudioRoute {
    /// Opens `input` and `output` on `host` for a loop at `loop_rate` in `frame_ms` frames,
    /// falling back as [`AudioRoute::check`] does when they cannot be opened.
    pub fn open(
        host: AudioHost,
        input: &CardChoice,
        output: &CardChoice,
        loop_rate: u32,
        frame_ms: u32,
    ) -> (AudioRoute, Devices, Option<RouteEvent>) {
        let mut route = AudioRoute { host, loop_rate, frame_ms, card: None };
        let (devices, event) = route.switch(input, output);
        (route, devices, event)
    }

    /// Moves to `input` and `output` (the user chose other devices): the card in use is
    /// closed, the new one opened — with the same fallbacks as at the start. Give the
    /// devices to [`crate::control::MediaController::replace_devices`].
    pub fn switch(
        &mut self,
        input: &CardChoice,
        output: &CardChoice,
    ) -> (Devices, Option<RouteEvent>) {
        // One card at a time: ALSA hardware opens once.
        self.card = None;
        match SoundCard::open(self.host, input, output, self.loop_rate, self.frame_ms) {
            Ok((card, devices)) => {
                let event = card.fell_back.then(|| RouteEvent::ChosenMissing {
                    wanted: wanted(input, output),
                    using: describe(&card),
                });
                self.card = Some(card);
                (devices, event)
            }
            Err(e) => {
                let (devices, event) = self.fall_back(e.to_string());
                (devices, Some(event))
            }
        }
    }

    /// The host the route opens devices on.
    pub fn host(&self) -> AudioHost {
        self.host
    }

    /// The card in use, if any.
    pub fn card(&self) -> Option<&SoundCard> {
        self.card.as_ref()
    }

    /// Call a few times a second, off the loop: if the card failed, opens the next device
    /// in line and returns it for [`crate::control::MediaController::replace_devices`].
    pub fn check(&mut self) -> Option<(RouteEvent, Devices)> {
        let failed = self.card.as_ref().filter(|c| c.failed())?;
        let lost = describe(failed);
        // Close the dead streams first (a JACK client of a dead server, an ALSA handle).
        self.card = None;
        let (devices, event) = self.fall_back(lost);
        Some((event, devices))
    }

    fn fall_back(&mut self, lost: String) -> (Devices, RouteEvent) {
        let mut reasons = Vec::new();
        let mut hosts = vec![self.host];
        if self.host != AudioHost::Alsa {
            hosts.push(AudioHost::Alsa);
        }
        for host in hosts {
            match SoundCard::open(
                host,
                &CardChoice::Default,
                &CardChoice::Default,
                self.loop_rate,
                self.frame_ms,
            ) {
                Ok((card, devices)) => {
                    let using = describe(&card);
                    self.card = Some(card);
                    return (devices, RouteEvent::FellBack { lost, using });
                }
                Err(e) => reasons.push(e.to_string()),
            }
        }
        let reason = reasons.join("; ");
        ((Box::new(NullDevice), Box::new(NullDevice)), RouteEvent::NoDevice { reason })
    }
}

fn wanted(input: &CardChoice, output: &CardChoice) -> String {
    let name = |c: &CardChoice| match c {
        CardChoice::Default => "default".to_owned(),
        CardChoice::Named(n) => n.clone(),
    };
    format!("{} / {}", name(input), name(output))
}

fn describe(card: &SoundCard) -> String {
    format!("{:?}: {} / {}", card.input.host, card.input.name, card.output.name)
}
