//! The phone core's one door to the audio: what it asks of the media engine (sockets for
//! RTP, legs in the mix, tones, prompts, devices) and the reports it reads back. The
//! running phone's door is [`PhoneMedia`] (the media loop, its lock-free command queue and
//! RTCP); the core's unit tests put a recording door in its place.

use std::net::IpAddr;
use std::path::Path;
use std::time::Instant;

use earshot_media::control::MediaEvent;
use earshot_media::device::RouteEvent;
use earshot_media::media_loop::LegId;
use earshot_media::tone::ToneSpec;
use earshot_sip::sdp::Negotiated;

use super::media::{DeviceChoice, MediaError, PhoneMedia};
use super::mix::LegMix;

/// What the phone core asks of its audio.
pub trait MediaPort: Send {
    /// How the media thread is scheduled, once it has started (none before, or for a
    /// port without a thread of its own).
    fn scheduling(&self) -> Option<earshot_media::priority::Scheduling> {
        None
    }
    /// Binds a socket for `leg`'s RTP on `address` and returns its port; the socket waits
    /// for [`MediaPort::add_leg`] (or goes with [`MediaPort::remove_leg`]).
    fn open_rtp(&mut self, leg: LegId, address: IpAddr) -> Result<u16, MediaError>;
    /// Puts an answered call's media in the loop; returns the codec it sends.
    fn add_leg(
        &mut self,
        leg: LegId,
        negotiated: &Negotiated,
        ssrc: u32,
        now: Instant,
    ) -> Result<String, MediaError>;
    /// Takes a leg (or a socket not yet in a leg) out.
    fn remove_leg(&mut self, leg: LegId, now: Instant);
    /// Applies the mix: the legs, and how each takes part.
    fn apply_mix(&mut self, legs: &[(LegId, LegMix)]) -> Result<(), MediaError>;
    /// Plays a WAV file into what `leg` sends; [`MediaEvent::PromptEnded`] says when done.
    fn play(&mut self, leg: LegId, prompt: u64, file: &Path) -> Result<(), MediaError>;
    /// Speaks the input file from its beginning.
    fn restart_input(&mut self);
    /// A tone in the earpiece, or none.
    fn tone(&mut self, spec: Option<ToneSpec>);
    /// Rings with `sound` (the alert of what is offered), or stops; says why the ringing
    /// device could not ring.
    fn ring(&mut self, sound: Option<ToneSpec>) -> Option<String>;
    /// Moves the audio to other devices.
    fn set_devices(&mut self, choice: DeviceChoice) -> Option<RouteEvent>;
    /// The devices chosen.
    fn choice(&self) -> DeviceChoice;
    /// The host's devices (inputs, outputs) and what the audio uses now.
    fn devices(&self) -> (Vec<String>, Vec<String>, String);
    /// Sends a digit (RFC 4733) on `leg`.
    fn dtmf(&mut self, leg: LegId, digit: char) -> Result<(), MediaError>;
    /// RTCP due, the loop's reports, the device route checked.
    fn poll(&mut self, now: Instant) -> (Vec<MediaEvent>, Option<RouteEvent>);
    /// Stops the audio.
    fn stop(&mut self, now: Instant);
}

impl MediaPort for PhoneMedia {
    fn scheduling(&self) -> Option<earshot_media::priority::Scheduling> {
        self.controller.as_ref().and_then(|c| c.scheduling())
    }

    fn open_rtp(&mut self, leg: LegId, address: IpAddr) -> Result<u16, MediaError> {
        PhoneMedia::open_rtp(self, leg, address)
    }
    fn add_leg(
        &mut self,
        leg: LegId,
        negotiated: &Negotiated,
        ssrc: u32,
        now: Instant,
    ) -> Result<String, MediaError> {
        PhoneMedia::add_leg(self, leg, negotiated, ssrc, now)
    }
    fn remove_leg(&mut self, leg: LegId, now: Instant) {
        PhoneMedia::remove_leg(self, leg, now)
    }
    fn apply_mix(&mut self, legs: &[(LegId, LegMix)]) -> Result<(), MediaError> {
        PhoneMedia::apply_mix(self, legs)
    }
    fn play(&mut self, leg: LegId, prompt: u64, file: &Path) -> Result<(), MediaError> {
        let samples = earshot_media::device::read_wav(file, super::media::LOOP_RATE)?;
        PhoneMedia::play(self, leg, prompt, samples)
    }
    fn restart_input(&mut self) {
        PhoneMedia::restart_input(self)
    }
    fn tone(&mut self, spec: Option<ToneSpec>) {
        PhoneMedia::tone(self, spec)
    }
    fn ring(&mut self, sound: Option<ToneSpec>) -> Option<String> {
        PhoneMedia::ring(self, sound)
    }
    fn set_devices(&mut self, choice: DeviceChoice) -> Option<RouteEvent> {
        PhoneMedia::set_devices(self, choice)
    }
    fn choice(&self) -> DeviceChoice {
        self.choice.clone()
    }
    fn devices(&self) -> (Vec<String>, Vec<String>, String) {
        PhoneMedia::devices(self)
    }
    fn dtmf(&mut self, leg: LegId, digit: char) -> Result<(), MediaError> {
        PhoneMedia::dtmf(self, leg, digit)
    }
    fn poll(&mut self, now: Instant) -> (Vec<MediaEvent>, Option<RouteEvent>) {
        PhoneMedia::poll(self, now)
    }
    fn stop(&mut self, now: Instant) {
        PhoneMedia::stop(self, now)
    }
}
