//! The phone's audio: one media loop for all calls (48 kHz, 20 ms frames, paced by the
//! sound card or, with WAV files or no card, by its timer), each answered call a leg in
//! it, the mix plan rebuilt whenever a call changes; RTCP and statistics through the
//! [`MediaController`]. The SDP capabilities of the configured codecs live here too.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use earshot_sip::sdp::{AudioCapabilities, Direction, Negotiated, PayloadFormat};

use super::mix::{LegMix, Supervision, plan_for};
use earshot_media::codec::{self, OpusParams};
use earshot_media::control::{MediaController, MediaEvent};
use earshot_media::device::{
    AudioHost, AudioRoute, BufferSource, CardChoice, DeviceInfo, NullDevice, Ringer, RouteEvent,
    Sink, Source, list_devices, read_wav, wav_file_sink,
};
use earshot_media::leg::{Leg, LegConfig};
use earshot_media::media_loop::{self, LegId, MAX_LEGS};
use earshot_media::recording::Recorder;
use earshot_media::tone::ToneSpec;

/// The loop's rate: Opus's own, so the wideband and fullband codecs lose nothing.
pub const LOOP_RATE: u32 = 48_000;
pub const FRAME_MS: u32 = 20;

/// Where the phone's audio comes from and goes.
#[derive(Debug, Clone, Default)]
pub struct AudioChoice {
    /// Speak this WAV file instead of a microphone (silence once it has been spoken).
    pub input_file: Option<std::path::PathBuf>,
    /// The file starts over at each call's answer; otherwise it plays once from the start.
    pub input_from_answer: bool,
    /// Write what the earpiece plays to this WAV file.
    pub output_file: Option<std::path::PathBuf>,
    pub input_device: Option<String>,
    pub output_device: Option<String>,
    /// Where incoming calls ring; the earpiece when absent.
    pub ringing_device: Option<String>,
    /// No sound card at all (tests, servers): the null device where no file is given.
    pub no_card: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("audio file: {0}")]
    Wav(#[from] earshot_media::device::WavError),
    #[error("media: {0}")]
    Io(#[from] std::io::Error),
    #[error("media: {0}")]
    Control(#[from] earshot_media::control::ControlError),
    #[error("no codec in common")]
    NoCodec,
    #[error("no RTP socket was opened for this call")]
    NoSocket,
    #[error("more than {MAX_LEGS} calls with media at once")]
    TooManyLegs,
}

/// The running audio of the phone.
#[derive(Debug)]
pub struct PhoneMedia {
    pub(crate) controller: Option<MediaController>,
    out_file: Option<Recorder>,
    route: Option<AudioRoute>,
    /// Which leg sits in which loop slot (the loop fills the first free one, in order).
    slots: [Option<LegId>; MAX_LEGS],
    pub max_delay_ms: u32,
    /// The devices chosen (none: the default); the ringing device rings incoming calls.
    pub choice: DeviceChoice,
    /// The ringtone on the ringing device while a call rings here.
    ringer: Option<Ringer>,
    /// The alert that rings (on the ringing device or in the earpiece).
    ringing: Option<ToneSpec>,
    /// RTP sockets bound for calls whose leg has not started yet.
    sockets: std::collections::BTreeMap<LegId, UdpSocket>,
}

/// The sound devices chosen by name; none: the system default (the earpiece for ringing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceChoice {
    pub input: Option<String>,
    pub output: Option<String>,
    pub ringing: Option<String>,
}

impl PhoneMedia {
    /// Starts the loop on the chosen devices; says what became of a device choice.
    pub fn start(
        audio: &AudioChoice,
        cname: &str,
        max_delay_ms: u32,
    ) -> Result<(PhoneMedia, Option<RouteEvent>), MediaError> {
        let frame = (LOOP_RATE * FRAME_MS / 1000) as usize;
        let wants_card =
            !audio.no_card && (audio.input_file.is_none() || audio.output_file.is_none());
        let (mut route, mut card_source, mut card_sink, mut event) = (None, None, None, None);
        if wants_card {
            let choice =
                |d: &Option<String>| d.clone().map_or(CardChoice::Default, CardChoice::Named);
            let (r, devices, e) = AudioRoute::open(
                AudioHost::Alsa,
                &choice(&audio.input_device),
                &choice(&audio.output_device),
                LOOP_RATE,
                FRAME_MS,
            );
            route = Some(r);
            card_source = Some(devices.0);
            card_sink = Some(devices.1);
            event = e;
        }
        let source: Box<dyn Source> = match (&audio.input_file, card_source) {
            (Some(path), _) => Box::new(BufferSource::new(read_wav(path, LOOP_RATE)?)),
            (None, Some(card)) => card,
            (None, None) => Box::new(NullDevice),
        };
        let mut out_file = None;
        let sink: Box<dyn Sink> = match (&audio.output_file, card_sink) {
            (Some(path), _) => {
                let (sink, writer) = wav_file_sink(path, LOOP_RATE, 4)?;
                out_file = Some(writer);
                Box::new(sink)
            }
            (None, Some(card)) => card,
            (None, None) => Box::new(NullDevice),
        };
        let handle = media_loop::start(source, sink, frame, FRAME_MS)?;
        // Starting the media is the driver's work: the controller's epoch is now.
        #[allow(clippy::disallowed_methods)]
        let controller = MediaController::new(handle, cname, Instant::now());
        Ok((
            PhoneMedia {
                controller: Some(controller),
                out_file,
                route,
                slots: [None; MAX_LEGS],
                max_delay_ms,
                choice: DeviceChoice {
                    input: audio.input_device.clone(),
                    output: audio.output_device.clone(),
                    ringing: audio.ringing_device.clone(),
                },
                ringer: None,
                ringing: None,
                sockets: Default::default(),
            },
            event,
        ))
    }

    /// Binds the RTP socket for call `id` on `address`; returns its port.
    pub fn open_rtp(&mut self, id: LegId, address: IpAddr) -> Result<u16, MediaError> {
        let socket = rtp_socket(address)?;
        let port = socket.local_addr()?.port();
        self.sockets.insert(id, socket);
        Ok(port)
    }

    /// Puts a call's media in the loop, on the RTP socket its SDP named.
    pub fn add_leg(
        &mut self,
        id: LegId,
        negotiated: &Negotiated,
        ssrc: u32,
        now: Instant,
    ) -> Result<String, MediaError> {
        let socket = self.sockets.remove(&id).ok_or(MediaError::NoSocket)?;
        let (pt, format) = negotiated.send_format().ok_or(MediaError::NoCodec)?;
        let remote = negotiated.remote_rtp.ok_or(MediaError::NoCodec)?;
        let config = LegConfig {
            codec: format.encoding.clone(),
            fmtp: format.fmtp.clone(),
            payload_type: *pt,
            telephone_event: negotiated.telephone_event,
            ptime_ms: negotiated.ptime.unwrap_or(20),
            ssrc,
            max_delay_ms: self.max_delay_ms,
        };
        let leg = Leg::new(config).map_err(|_| MediaError::NoCodec)?;
        let slot = self.slots.iter().position(Option::is_none).ok_or(MediaError::TooManyLegs)?;
        let controller = self.controller.as_mut().ok_or(MediaError::TooManyLegs)?;
        controller.add_leg(id, leg, socket, remote, Duration::from_secs(5), now)?;
        if let Some(s) = self.slots.get_mut(slot) {
            *s = Some(id);
        }
        Ok(format.encoding.clone())
    }

    pub fn remove_leg(&mut self, id: LegId, now: Instant) {
        self.sockets.remove(&id);
        if let Some(s) = self.slots.iter_mut().find(|s| **s == Some(id)) {
            *s = None;
            if let Some(c) = self.controller.as_mut() {
                let _ = c.remove_leg(id, now);
            }
        }
    }

    /// The loop slot of a leg.
    pub fn slot_of(&self, id: LegId) -> Option<usize> {
        self.slots.iter().position(|s| *s == Some(id))
    }

    /// Applies the mix for these legs (by id) and how each takes part.
    pub fn apply_mix(&mut self, legs: &[(LegId, LegMix)]) -> Result<(), MediaError> {
        let placed: Vec<LegMix> = legs
            .iter()
            .filter_map(|(id, m)| {
                // A supervisor's leg names the monitored call by leg id: make it a slot
                // (no slot, no call to monitor: it takes part in nothing).
                let supervises = m.supervises.and_then(|s| {
                    let customer = self.slot_of(u32::try_from(s.customer).ok()?)?;
                    Some(Supervision { customer, ..s })
                });
                self.slot_of(*id).map(|slot| LegMix { slot, supervises, ..*m })
            })
            .collect();
        if let Some(c) = self.controller.as_mut() {
            c.set_plan(plan_for(&placed))?;
        }
        Ok(())
    }

    /// Plays a tone into the earpiece, or stops it.
    /// Plays `samples` (at the loop's rate) into what call leg `id` sends.
    pub fn play(&mut self, id: LegId, prompt: u64, samples: Vec<i16>) -> Result<(), MediaError> {
        let controller = self.controller.as_mut().ok_or(MediaError::TooManyLegs)?;
        controller.play(id, prompt, samples)?;
        Ok(())
    }

    /// Speaks the input file from its beginning (each answered call hears it whole).
    pub fn restart_input(&mut self) {
        if let Some(c) = self.controller.as_mut() {
            let _ = c.restart_source();
        }
    }

    pub fn tone(&mut self, spec: Option<ToneSpec>) {
        if let Some(c) = self.controller.as_mut() {
            let _ = c.tone(spec);
        }
    }

    /// Rings with `sound` (the alert of what is offered: a call's ringtone, later a chat's
    /// or an email's chime) or stops: on the ringing device when one is chosen and the
    /// phone is on a sound card, else in the earpiece. Says why the ringing device could
    /// not ring (it rings in the earpiece then).
    pub fn ring(&mut self, sound: Option<ToneSpec>) -> Option<String> {
        if sound == self.ringing {
            return None;
        }
        self.ringing = sound;
        self.ringer = None;
        let Some(spec) = sound else {
            self.tone(None);
            return None;
        };
        let mut problem = None;
        if let (Some(route), Some(device)) = (self.route.as_ref(), self.choice.ringing.clone()) {
            match Ringer::start(route.host(), &CardChoice::Named(device), spec) {
                Ok(r) => {
                    self.ringer = Some(r);
                    self.tone(None);
                    return None;
                }
                Err(e) => problem = Some(e.to_string()),
            }
        }
        self.tone(Some(spec));
        problem
    }

    /// Moves the call audio to other devices now (and remembers the ringing device).
    /// Files and the null device stay as they are: the choice is kept for the next start.
    pub fn set_devices(&mut self, choice: DeviceChoice) -> Option<RouteEvent> {
        let moved = choice.input != self.choice.input || choice.output != self.choice.output;
        self.choice = choice;
        let route = self.route.as_mut().filter(|_| moved)?;
        let card = |d: &Option<String>| d.clone().map_or(CardChoice::Default, CardChoice::Named);
        let (devices, event) = route.switch(&card(&self.choice.input), &card(&self.choice.output));
        if let Some(c) = self.controller.as_mut() {
            let _ = c.replace_devices(devices.0, devices.1);
        }
        event
    }

    /// The sound devices of the phone's host (inputs, outputs), and what the audio uses
    /// now. Lists the devices (tens of milliseconds with ALSA).
    pub fn devices(&self) -> (Vec<String>, Vec<String>, String) {
        let host = self.route.as_ref().map_or(AudioHost::Alsa, AudioRoute::host);
        let list = list_devices(host).unwrap_or_default();
        let names = |f: fn(&DeviceInfo) -> bool| {
            list.iter().filter(|d| f(d)).map(|d| d.name.clone()).collect::<Vec<_>>()
        };
        let using = match self.route.as_ref().and_then(AudioRoute::card) {
            Some(card) => format!("{} / {}", card.input.name, card.output.name),
            None if self.out_file.is_some() => "audio files".to_owned(),
            None => "no sound device".to_owned(),
        };
        (names(|d| d.input), names(|d| d.output), using)
    }

    pub fn dtmf(&mut self, id: LegId, digit: char) -> Result<(), MediaError> {
        if let Some(c) = self.controller.as_mut() {
            c.dtmf(id, digit, 100)?;
        }
        Ok(())
    }

    /// RTCP that is due, the loop's reports, the output file written, the device route
    /// checked: call a few times a second.
    pub fn poll(&mut self, now: Instant) -> (Vec<MediaEvent>, Option<RouteEvent>) {
        if let Some(w) = self.out_file.as_mut() {
            let _ = w.drain();
        }
        let mut route_event = None;
        if let Some((event, devices)) = self.route.as_mut().and_then(AudioRoute::check)
            && let Some(c) = self.controller.as_mut()
        {
            let _ = c.replace_devices(devices.0, devices.1);
            route_event = Some(event);
        }
        let events = self.controller.as_mut().map(|c| c.poll(now)).unwrap_or_default();
        (events, route_event)
    }

    /// Stops the loop and closes the output file.
    pub fn stop(&mut self, now: Instant) {
        let ids: Vec<LegId> = self.slots.iter().flatten().copied().collect();
        for id in ids {
            self.remove_leg(id, now);
        }
        if let Some(c) = self.controller.take() {
            let _ = c.stop();
        }
        if let Some(w) = self.out_file.take() {
            let _ = w.finish();
        }
    }
}

/// What we offer and accept: the configured codecs in order (those Earshot has),
/// telephone-event, 20 ms packets, rtcp-mux.
pub fn audio_caps(
    codecs: &[String],
    address: IpAddr,
    port: u16,
    direction: Direction,
) -> AudioCapabilities {
    let registry = codec::registry();
    let formats = codecs
        .iter()
        .filter_map(|name| registry.iter().find(|d| d.name.eq_ignore_ascii_case(name)))
        .map(|d| {
            if d.name == "opus" {
                // RFC 7587 §7: always opus/48000/2 in SDP, even for mono.
                PayloadFormat::new("opus", 48000, 2, None, Some(&OpusParams::default().to_fmtp()))
            } else {
                PayloadFormat::new(d.name, d.clock_rate, 1, d.static_payload_type, None)
            }
        })
        .collect();
    AudioCapabilities {
        formats,
        telephone_event: true,
        ptime: Some(20),
        rtcp_mux: true,
        address,
        port,
        direction,
        crypto: Vec::new(),
    }
}

/// A socket for a call's RTP on `address`.
pub fn rtp_socket(address: IpAddr) -> std::io::Result<UdpSocket> {
    UdpSocket::bind(SocketAddr::new(address, 0))
}

/// Whether a WAV path can be read before the phone starts (a clear error early).
pub fn check_input_file(path: &Path) -> Result<(), MediaError> {
    read_wav(path, LOOP_RATE).map(|_| ()).map_err(MediaError::from)
}

/// What became of a device choice, as an `error` event.
pub fn route_error(e: &RouteEvent) -> super::api::Event {
    super::api::Event::problem(route_problem(e), None)
}

/// What became of a device choice, as a problem.
pub fn route_problem(e: &RouteEvent) -> super::problem::Problem {
    use super::problem::Problem;
    match e {
        RouteEvent::ChosenMissing { wanted, using } => {
            Problem::DeviceMissing { wanted: wanted.clone(), using: using.clone() }
        }
        RouteEvent::FellBack { lost, using } => {
            Problem::DeviceFailed { lost: lost.clone(), using: using.clone() }
        }
        RouteEvent::NoDevice { reason } => Problem::NoSoundDevice { why: reason.clone() },
    }
}
