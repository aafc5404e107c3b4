//! `earshot --headless`: the phone with no window. Reads one command per line from stdin
//! (grammar in `earshot_engine::phone::script`), writes one JSON event per line to stdout;
//! a malformed line gets an `error` event and the phone carries on. `quit`, or the end of
//! stdin, stops it (hanging up its calls).

use std::io::Write;
use std::process::ExitCode;

use earshot_engine::phone::script::{event_line, parse_line};
use earshot_engine::phone::{Command, Event, start};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::Cli;

pub fn run(cli: &Cli) -> ExitCode {
    match crate::runtime() {
        Ok(runtime) => runtime.block_on(headless(cli)),
        Err(code) => code,
    }
}

fn print(event: &Event) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", event_line(event));
    let _ = out.flush();
}

async fn headless(cli: &Cli) -> ExitCode {
    let (config, demo) = match cli.load_config() {
        Ok(c) => c,
        Err(message) => {
            print(&Event::Error { message, command: None, problem: None });
            return ExitCode::from(2);
        }
    };
    // With a file on one side, the other side is silent rather than a sound card.
    let files = cli.audio_in.is_some() || cli.audio_in_live.is_some() || cli.audio_out.is_some();
    let options = cli.start_options(&config, files);
    let mut phone = match start(config, options).await {
        Ok(p) => p,
        Err(e) => {
            print(&Event::Error { message: e.to_string(), command: None, problem: None });
            return ExitCode::from(2);
        }
    };
    // A demonstration: its customers call; the agent (the script) goes Ready itself.
    if let Some((dir, port)) = demo {
        let every = std::time::Duration::from_secs(cli.demo_every.max(1));
        tokio::spawn(earshot_ui::demo::run_line(dir, port, every));
    }
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            line = lines.next_line(), if stdin_open => match line {
                Ok(Some(line)) => match parse_line(&line) {
                    Ok(Some(c)) => {
                        let quit = c == Command::Quit;
                        phone.send(c);
                        if quit {
                            stdin_open = false;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        print(&Event::Error { message: e.to_string(), command: Some(line), problem: None })
                    }
                },
                _ => {
                    stdin_open = false;
                    phone.send(Command::Quit);
                }
            },
            event = phone.events.recv() => match event {
                Some(e) => {
                    let stopped = e == Event::Stopped;
                    print(&e);
                    if stopped {
                        return ExitCode::SUCCESS;
                    }
                }
                None => return ExitCode::SUCCESS,
            },
        }
    }
}
