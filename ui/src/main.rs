//! The `earshot` binary: the desktop softphone, or with `--headless` the same engine
//! driven by one command per line on stdin, reporting one JSON event per line on stdout.

mod headless;
mod window;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

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
    /// Speak this WAV file (16-bit) into calls instead of the microphone.
    #[arg(long, value_name = "FILE.wav")]
    pub audio_in: Option<PathBuf>,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.headless {
        return headless::run(&cli);
    }
    window::run(&cli)
}
