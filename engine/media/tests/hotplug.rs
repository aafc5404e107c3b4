//! Devices plugged in and out are noticed: ALSA's configuration is the test's own (a
//! "headset" and later a "speaker", both null devices with hints, in a file named by
//! ALSA_CONFIG_PATH), and `DeviceWatch` reports each one added and removed as the file
//! changes — alsa-lib reloads it when it changes, as it does when a card comes and goes.
//! ALSA_CONFIG_PATH must be set before alsa-lib starts, and setting the environment of a
//! running process is unsafe in Rust: the check runs in a child process of this test
//! binary with its own environment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::Duration;

use earshot_media::device::{AudioHost, DeviceChange, DeviceWatch, list_devices};

const HEADSET: &str =
    "pcm.earshot_headset { type null; hint { show on; description \"Earshot test headset\" } }\n";
const SPEAKER: &str =
    "pcm.earshot_speaker { type null; hint { show on; description \"Earshot test speaker\" } }\n";

#[test]
fn devices_plugged_in_and_out_are_noticed() {
    let dir = std::env::temp_dir().join(format!("earshot-hotplug-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("asound.conf");
    std::fs::write(&conf, HEADSET).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "watch_in_a_child", "--nocapture"])
        .env("ALSA_CONFIG_PATH", &conf)
        .env("EARSHOT_HOTPLUG_CONF", &conf)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{text}");
    assert!(out.status.success(), "the child's checks failed");
    assert!(text.contains("1 passed"), "the child ran its checks: {text}");
}

/// Run by the test above, in a process with its own ALSA configuration.
#[test]
#[ignore = "run by devices_plugged_in_and_out_are_noticed with its own environment"]
fn watch_in_a_child() {
    let conf = std::env::var_os("EARSHOT_HOTPLUG_CONF").expect("started by the parent test");
    let names = |host| list_devices(host).unwrap().into_iter().map(|d| d.name).collect::<Vec<_>>();
    assert_eq!(names(AudioHost::Alsa), ["Earshot test headset"]);
    let mut watch = DeviceWatch::new(AudioHost::Alsa);
    // alsa-lib notices a change by the file's modification time, in whole seconds.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&conf, format!("{HEADSET}{SPEAKER}")).unwrap();
    let added = watch.poll();
    eprintln!("plugged in: {added:?}");
    assert!(
        matches!(added.as_slice(), [DeviceChange::Added(d)] if d.name == "Earshot test speaker"),
        "{added:?}"
    );
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&conf, SPEAKER).unwrap();
    let removed = watch.poll();
    eprintln!("unplugged: {removed:?}");
    assert!(
        matches!(removed.as_slice(), [DeviceChange::Removed(d)] if d.name == "Earshot test headset"),
        "{removed:?}"
    );
    assert!(watch.poll().is_empty(), "nothing more changed");
}
