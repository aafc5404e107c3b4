//! The `earshot` binary: the desktop softphone, or with `--headless` the same engine
//! driven by one command per line on stdin, reporting one JSON event per line on stdout.

mod headless;
mod window;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use earshot_engine::phone::{AudioChoice, Config, StartOptions};

/// Earshot, the agent softphone.
#[derive(Debug, Parser)]
#[command(name = "earshot", version, about)]
pub struct Cli {
    /// No window: commands on stdin (one per line), JSON events on stdout.
    #[arg(long)]
    pub headless: bool,
    /// Configuration file (default: the platform's config directory, created with
    /// commented defaults on first start).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Speak this WAV file (16-bit) into each call from its answer, instead of the
    /// microphone.
    #[arg(long, value_name = "FILE.wav", conflicts_with = "audio_in_live")]
    pub audio_in: Option<PathBuf>,
    /// Use this WAV file as the microphone itself: it plays once from the start of the
    /// process, in calls or not, as a live microphone would (scripts that line up what was
    /// said with what was heard on one timeline).
    #[arg(long, value_name = "FILE.wav")]
    pub audio_in_live: Option<PathBuf>,
    /// Write what the earpiece plays to this WAV file (mono, 48 kHz, 16-bit).
    #[arg(long, value_name = "FILE.wav")]
    pub audio_out: Option<PathBuf>,
    /// Answer every incoming call.
    #[arg(long)]
    pub auto_answer: bool,
    /// Listen for SIP on this port (default: the configured one, or the first free one
    /// from 5060).
    #[arg(long, value_name = "N")]
    pub sip_port: Option<u16>,
    /// A demonstration: no site and no configuration needed; simulated customers call the
    /// desk's queues every half-minute or so (the configuration file is not read).
    #[arg(long)]
    pub demo: bool,
    /// With --demo: seconds between the customers' calls.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, requires = "demo")]
    pub demo_every: u64,
}

impl Cli {
    /// How the phone starts for these flags and this configuration; `no_card` keeps it
    /// off the sound card where no file is given.
    pub fn start_options(&self, config: &Config, no_card: bool) -> StartOptions {
        StartOptions {
            audio: AudioChoice {
                input_file: self.audio_in.clone().or_else(|| self.audio_in_live.clone()),
                input_from_answer: self.audio_in.is_some(),
                output_file: self.audio_out.clone(),
                input_device: config.audio.input.clone(),
                output_device: config.audio.output.clone(),
                ringing_device: config.audio.ringing.clone(),
                no_card,
            },
            sip_port: self.sip_port,
            auto_answer: self.auto_answer,
            // A demonstration leaves the configuration file alone.
            config_path: (!self.demo).then(|| self.config_path()),
            // Headless reports screen pops as events; the window opens them.
            open_links: !self.headless,
        }
    }
}

impl Cli {
    /// The configuration to run with: the demonstration's (with its folder and the
    /// agent's port, for the simulated line), else the file's.
    pub fn load_config(&self) -> Result<(Config, Option<(PathBuf, u16)>), String> {
        if self.demo {
            let (dir, port) = earshot_ui::demo::prepare().map_err(|e| e.to_string())?;
            return Ok((earshot_ui::demo::agent_config(&dir, port), Some((dir, port))));
        }
        Config::load_or_create(&self.config_path()).map(|c| (c, None)).map_err(|e| e.to_string())
    }

    /// The configuration file: `--config`, else the platform's place for it.
    pub fn config_path(&self) -> PathBuf {
        self.config.clone().unwrap_or_else(Config::default_path)
    }
}

/// The phone's tokio runtime (two workers: signalling and storage are light).
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(
        |e| {
            eprintln!("earshot: cannot start: {e}");
            ExitCode::FAILURE
        },
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.headless {
        return headless::run(&cli);
    }
    window::run(&cli)
}
