//! Sound cards through cpal: the ALSA host (the default on Linux) or a JACK server; listing
//! devices, choosing one by name (or the default), opening a capture and a playback stream
//! wired to the lock-free rings of `sound_ring`, noticing when a stream fails (a headset
//! unplugged, the JACK server gone) and when devices come and go.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, ErrorKind, FromSample, HostId, SampleFormat, SizedSample, StreamConfig};

use super::sound_ring::{CaptureFeed, DeviceHealth, PlaybackFeed, sound_rings};
use crate::media_loop::Devices;

/// Which audio system to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioHost {
    /// ALSA: every card and the PulseAudio/PipeWire bridges configured in ALSA.
    Alsa,
    /// A running JACK server (its system ports, connected automatically).
    Jack,
}

impl AudioHost {
    fn id(self) -> HostId {
        match self {
            AudioHost::Alsa => HostId::Alsa,
            AudioHost::Jack => HostId::Jack,
        }
    }

    pub(super) fn open(self) -> Result<cpal::Host, DeviceError> {
        cpal::host_from_id(self.id()).map_err(|e| DeviceError::Host(self, e.to_string()))
    }
}

impl std::str::FromStr for AudioHost {
    type Err = DeviceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "alsa" => Ok(AudioHost::Alsa),
            "jack" => Ok(AudioHost::Jack),
            _ => Err(DeviceError::UnknownHost(s.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error("audio host {0:?} is not available: {1}")]
    Host(AudioHost, String),
    #[error("unknown audio host {0:?} (alsa or jack)")]
    UnknownHost(String),
    #[error("no {0} device")]
    NoDevice(&'static str),
    #[error("{direction} device {name:?}: {reason}")]
    Device { direction: &'static str, name: String, reason: String },
}

/// One device as a user picks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub host: AudioHost,
    /// Stable identifier (`HOST:ID`), for configuration files.
    pub id: String,
    /// What to show.
    pub name: String,
    pub input: bool,
    pub output: bool,
    pub default_input: bool,
    pub default_output: bool,
}

impl DeviceInfo {
    /// Whether `wanted` names this device: its id, or its name (case-insensitive).
    pub fn matches(&self, wanted: &str) -> bool {
        self.id == wanted || self.name.eq_ignore_ascii_case(wanted)
    }
}

pub(super) fn describe(host: AudioHost, d: &cpal::Device) -> Option<DeviceInfo> {
    let id = d.id().ok()?.to_string();
    let name = d.description().map(|n| n.name().to_owned()).unwrap_or_else(|_| id.clone());
    Some(DeviceInfo {
        host,
        id,
        name,
        input: d.supports_input(),
        output: d.supports_output(),
        default_input: false,
        default_output: false,
    })
}

/// Every device of `host`, defaults marked.
pub fn list_devices(host: AudioHost) -> Result<Vec<DeviceInfo>, DeviceError> {
    let h = host.open()?;
    let default_in = h.default_input_device().and_then(|d| d.id().ok()).map(|i| i.to_string());
    let default_out = h.default_output_device().and_then(|d| d.id().ok()).map(|i| i.to_string());
    let devices = h.devices().map_err(|e| DeviceError::Host(host, e.to_string()))?;
    Ok(devices
        .filter_map(|d| describe(host, &d))
        .map(|mut info| {
            info.default_input = default_in.as_deref() == Some(info.id.as_str());
            info.default_output = default_out.as_deref() == Some(info.id.as_str());
            info
        })
        .collect())
}

/// Which device to open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CardChoice {
    /// The host's default.
    #[default]
    Default,
    /// A device by id or name; the default if it is not there (and the card says so).
    Named(String),
}

pub(super) fn find(
    host: &cpal::Host,
    which: AudioHost,
    choice: &CardChoice,
    input: bool,
) -> Result<(cpal::Device, bool), DeviceError> {
    let direction = if input { "input" } else { "output" };
    let default = || {
        if input { host.default_input_device() } else { host.default_output_device() }
            .ok_or(DeviceError::NoDevice(direction))
    };
    match choice {
        CardChoice::Default => Ok((default()?, false)),
        CardChoice::Named(wanted) => {
            let found = host.devices().ok().and_then(|mut all| {
                all.find(|d| {
                    (if input { d.supports_input() } else { d.supports_output() })
                        && describe(which, d).is_some_and(|i| i.matches(wanted))
                })
            });
            match found {
                Some(d) => Ok((d, false)),
                None => Ok((default()?, true)),
            }
        }
    }
}

/// A stream configuration near 10 ms periods at the device's own rate, and the period in
/// samples.
pub(super) fn config_for(
    d: &cpal::Device,
    input: bool,
    name: &str,
) -> Result<(StreamConfig, SampleFormat, usize), DeviceError> {
    let direction = if input { "input" } else { "output" };
    let err = |reason: String| DeviceError::Device { direction, name: name.to_owned(), reason };
    let supported = if input { d.default_input_config() } else { d.default_output_config() }
        .map_err(|e| err(e.to_string()))?;
    let rate = supported.sample_rate();
    let wanted = rate / 100;
    // 10 ms periods where the device allows them; a JACK server dictates its own.
    let (buffer_size, period) = match supported.buffer_size() {
        cpal::SupportedBufferSize::Range { min, max } if (*min..=*max).contains(&wanted) => {
            (BufferSize::Fixed(wanted), wanted)
        }
        cpal::SupportedBufferSize::Range { min, max } if min == max => (BufferSize::Default, *min),
        _ => (BufferSize::Default, wanted),
    };
    let config = StreamConfig { channels: supported.channels(), sample_rate: rate, buffer_size };
    Ok((config, supported.sample_format(), period as usize))
}

/// A stream error: the device gone (unplugged, server shut down, stream invalidated) marks
/// the card failed; an xrun is only counted.
fn on_error(health: &Arc<DeviceHealth>) -> impl FnMut(cpal::Error) + Send + 'static {
    let health = Arc::clone(health);
    move |e| match e.kind() {
        ErrorKind::Xrun | ErrorKind::DeviceChanged => {
            health.xruns.fetch_add(1, Ordering::Relaxed);
        }
        _ => health.failed.store(true, Ordering::Relaxed),
    }
}

fn build_input<T>(
    d: &cpal::Device,
    config: StreamConfig,
    mut feed: CaptureFeed,
    health: &Arc<DeviceHealth>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    d.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _| feed.push(data.iter().map(|&s| f32::from_sample_(s))),
        on_error(health),
        Some(Duration::from_secs(2)),
    )
}

fn build_output<T>(
    d: &cpal::Device,
    config: StreamConfig,
    mut feed: PlaybackFeed,
    health: &Arc<DeviceHealth>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = usize::from(config.channels.max(1));
    d.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _| {
            feed.pull(data.len() / channels, |i, v| {
                if let Some(s) = data.get_mut(i) {
                    *s = T::from_sample_(v);
                }
            });
        },
        on_error(health),
        Some(Duration::from_secs(2)),
    )
}

fn stream_error(direction: &'static str, info: &DeviceInfo, reason: String) -> DeviceError {
    DeviceError::Device { direction, name: info.name.clone(), reason }
}

/// A capture stream in the device's own sample format, feeding `feed`.
fn open_input(
    d: &cpal::Device,
    config: StreamConfig,
    format: SampleFormat,
    feed: CaptureFeed,
    health: &Arc<DeviceHealth>,
    info: &DeviceInfo,
) -> Result<cpal::Stream, DeviceError> {
    match format {
        SampleFormat::F32 => build_input::<f32>(d, config, feed, health),
        SampleFormat::I16 => build_input::<i16>(d, config, feed, health),
        SampleFormat::I32 => build_input::<i32>(d, config, feed, health),
        other => {
            return Err(stream_error(
                "input",
                info,
                format!("sample format {other} is not supported"),
            ));
        }
    }
    .map_err(|e| stream_error("input", info, e.to_string()))
}

/// A playback stream in the device's own sample format, drained from `feed`.
pub(super) fn open_output(
    d: &cpal::Device,
    config: StreamConfig,
    format: SampleFormat,
    feed: PlaybackFeed,
    health: &Arc<DeviceHealth>,
    info: &DeviceInfo,
) -> Result<cpal::Stream, DeviceError> {
    match format {
        SampleFormat::F32 => build_output::<f32>(d, config, feed, health),
        SampleFormat::I16 => build_output::<i16>(d, config, feed, health),
        SampleFormat::I32 => build_output::<i32>(d, config, feed, health),
        other => {
            return Err(stream_error(
                "output",
                info,
                format!("sample format {other} is not supported"),
            ));
        }
    }
    .map_err(|e| stream_error("output", info, e.to_string()))
}

/// An open capture and playback pair; the streams run until this is dropped.
pub struct SoundCard {
    _input: cpal::Stream,
    _output: cpal::Stream,
    pub health: Arc<DeviceHealth>,
    pub input: DeviceInfo,
    pub output: DeviceInfo,
    /// A named device was not there and the default was opened instead.
    pub fell_back: bool,
    /// The capture and playback rates.
    pub rates: (u32, u32),
    /// The playback period in samples (what the playback ring is primed with).
    pub period: usize,
}

impl std::fmt::Debug for SoundCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoundCard")
            .field("input", &self.input.name)
            .field("output", &self.output.name)
            .field("fell_back", &self.fell_back)
            .field("rates", &self.rates)
            .finish()
    }
}

impl SoundCard {
    /// Opens `input` and `output` of `host` for a loop at `loop_rate` Hz in `frame_ms`
    /// frames, and the loop's source and sink on their rings. A named device that is not
    /// there falls back to the default (`fell_back`).
    pub fn open(
        host: AudioHost,
        input: &CardChoice,
        output: &CardChoice,
        loop_rate: u32,
        frame_ms: u32,
    ) -> Result<(SoundCard, Devices), DeviceError> {
        let h = host.open()?;
        let (in_dev, in_fell) = find(&h, host, input, true)?;
        let (out_dev, out_fell) = find(&h, host, output, false)?;
        let in_info = describe(host, &in_dev).ok_or(DeviceError::NoDevice("input"))?;
        let out_info = describe(host, &out_dev).ok_or(DeviceError::NoDevice("output"))?;
        let (in_cfg, in_fmt, _) = config_for(&in_dev, true, &in_info.name)?;
        let (out_cfg, out_fmt, period) = config_for(&out_dev, false, &out_info.name)?;
        let rings = sound_rings(
            (in_cfg.sample_rate, usize::from(in_cfg.channels)),
            (out_cfg.sample_rate, usize::from(out_cfg.channels)),
            loop_rate,
            frame_ms,
            period,
        )
        .map_err(|e| DeviceError::Device {
            direction: "input",
            name: in_info.name.clone(),
            reason: e.to_string(),
        })?;
        let health = rings.health;
        let input_stream = open_input(&in_dev, in_cfg, in_fmt, rings.capture, &health, &in_info)?;
        let output_stream =
            open_output(&out_dev, out_cfg, out_fmt, rings.playback, &health, &out_info)?;
        input_stream.play().map_err(|e| stream_error("input", &in_info, e.to_string()))?;
        output_stream.play().map_err(|e| stream_error("output", &out_info, e.to_string()))?;
        let card = SoundCard {
            _input: input_stream,
            _output: output_stream,
            health,
            input: in_info,
            output: out_info,
            fell_back: in_fell || out_fell,
            rates: (in_cfg.sample_rate, out_cfg.sample_rate),
            period,
        };
        Ok((card, (Box::new(rings.source), Box::new(rings.sink))))
    }

    /// The card's stream reported an error: open another and hand the loop its devices.
    pub fn failed(&self) -> bool {
        self.health.failed.load(Ordering::Relaxed)
    }
}

/// What changed in a host's device list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceChange {
    Added(DeviceInfo),
    Removed(DeviceInfo),
}

/// Notices devices plugged in and out by listing them again (call every second or two,
/// off the loop).
#[derive(Debug)]
pub struct DeviceWatch {
    host: AudioHost,
    known: Vec<DeviceInfo>,
}

impl DeviceWatch {
    pub fn new(host: AudioHost) -> DeviceWatch {
        DeviceWatch { host, known: list_devices(host).unwrap_or_default() }
    }

    /// The devices now.
    pub fn devices(&self) -> &[DeviceInfo] {
        &self.known
    }

    /// Lists again; what appeared and what went away since the last call.
    pub fn poll(&mut self) -> Vec<DeviceChange> {
        let now = list_devices(self.host).unwrap_or_default();
        let mut changes: Vec<DeviceChange> = now
            .iter()
            .filter(|d| !self.known.iter().any(|k| k.id == d.id))
            .cloned()
            .map(DeviceChange::Added)
            .collect();
        changes.extend(
            self.known
                .iter()
                .filter(|k| !now.iter().any(|d| d.id == k.id))
                .cloned()
                .map(DeviceChange::Removed),
        );
        self.known = now;
        changes
    }
}
