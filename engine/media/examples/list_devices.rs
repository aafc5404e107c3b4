//! Lists the sound devices Earshot sees: `cargo run -p earshot-engine --example
//! list_devices [alsa|jack] [--watch]` (with `--watch`, then reports devices plugged in and
//! out every second for a minute).

use earshot_media::device::{AudioHost, DeviceWatch, list_devices};

fn main() {
    let mut args = std::env::args().skip(1);
    let host: AudioHost =
        args.next().as_deref().unwrap_or("alsa").parse().unwrap_or(AudioHost::Alsa);
    let watch = args.next().as_deref() == Some("--watch");
    match list_devices(host) {
        Ok(devices) => {
            for d in devices {
                let mut marks = Vec::new();
                if d.default_input {
                    marks.push("default input");
                }
                if d.default_output {
                    marks.push("default output");
                }
                println!(
                    "{} [{}] {}{}",
                    d.name,
                    d.id,
                    if d.input { "in " } else { "" },
                    if d.output { "out" } else { "" }
                );
                if !marks.is_empty() {
                    println!("    ({})", marks.join(", "));
                }
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    if watch {
        let mut w = DeviceWatch::new(host);
        for _ in 0..60 {
            std::thread::sleep(std::time::Duration::from_secs(1));
            for change in w.poll() {
                println!("{change:?}");
            }
        }
    }
}
