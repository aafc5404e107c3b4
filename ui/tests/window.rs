//! The window, headless (egui_kittest), with a real phone behind it and real peers on
//! loopback: a call comes in and the toast's Accept answers it; Hold and Resume change
//! the call's state at both ends; a URI typed into the transfer field and Transfer send
//! the caller to a third phone (blind transfer), after which the window shows no calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::desk_window::{
    loopback_config, queue_agent, unnamed_controls, until, window, window_in,
};
use common::{Headless, temp_dir};
use earshot_engine::phone::{AudioChoice, Config, StartOptions, start};
use earshot_ui::app::EarshotApp;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

#[test]
fn accept_hold_resume_and_transfer_from_the_window() {
    let dir = temp_dir("window");
    let mut harness = window(loopback_config(&dir, "agent"), [380.0, 640.0]);
    until(&mut harness, "address", |h| !h.state().view.uri.is_empty());
    let ours = harness.state().view.uri.clone();
    harness.get_by_label_contains(&format!("You: {ours}"));

    let mut caller = Headless::start(&dir, "caller", r#"["PCMU"]"#, &[]);
    let target = Headless::start(&dir, "target", r#"["PCMU"]"#, &["--auto-answer"]);
    caller.send(&format!("call {ours}"));
    until(&mut harness, "toast", |h| h.query_by_label("Accept").is_some());
    harness.get_by_label_contains("Incoming call from sip:caller@127.0.0.1");
    harness.get_by_label("Accept").click();
    harness.run_steps(2);
    caller.wait_state(1, "active");
    until(&mut harness, "talking", |h| h.query_by_label_contains("talking").is_some());
    assert!(harness.query_by_label("Accept").is_none(), "the toast is gone");

    harness.get_by_label("Hold").click();
    harness.run_steps(2);
    caller.wait_state(1, "remote-held");
    // The call's row (its interaction's row says "active, on hold").
    until(&mut harness, "on hold", |h| h.query_by_label_contains("— on hold").is_some());
    harness.get_by_label("Resume").click();
    harness.run_steps(2);
    caller.wait_state(1, "active");
    until(&mut harness, "talking again", |h| h.query_by_label_contains("talking").is_some());

    // Blind transfer: type the third phone's address, press Transfer.
    let fields = harness.get_all_by_role(eframe::egui::accesskit::Role::TextInput).count();
    assert_eq!(fields, 3, "the dial field, the transfer field, the disposition search");
    let transfer_field =
        harness.get_all_by_role(eframe::egui::accesskit::Role::TextInput).nth(1).unwrap();
    transfer_field.focus();
    transfer_field.type_text(&target.uri);
    harness.run_steps(2);
    harness.get_by_label("Transfer").click();
    harness.run_steps(2);
    caller.wait_state(2, "active");
    caller.wait_state(1, "ended");
    until(&mut harness, "no calls", |h| h.query_by_label("No calls").is_some());
    harness.state().quit();
    caller.quit();
    target.quit();
    std::fs::remove_dir_all(&dir).ok();
}

/// The History tab lists a call just made, with its party and outcome; the Settings tab
/// lists the sound devices (two test devices from this test's own ALSA configuration),
/// and choosing one and saving an account reach the phone, which reports them back and
/// writes them to its configuration file. ALSA_CONFIG_PATH must be set before alsa-lib
/// starts, and setting the environment of a running process is unsafe: the checks run
/// in a child process of this test binary with its own environment.
#[test]
fn history_and_settings_from_the_window() {
    let dir = temp_dir("window-settings");
    let alsa = dir.join("asound.conf");
    std::fs::write(
        &alsa,
        "pcm.earshot_headset { type null; hint { show on; description \"Earshot test headset\" } }\n\
         pcm.earshot_speaker { type null; hint { show on; description \"Earshot test speaker\" } }\n",
    )
    .unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "settings_in_a_child", "--nocapture"])
        .env("ALSA_CONFIG_PATH", &alsa)
        .env("EARSHOT_SETTINGS_DIR", &dir)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{text}");
    assert!(out.status.success(), "the child's checks failed");
    assert!(text.contains("1 passed"), "the child ran its checks: {text}");
}

/// Run by the test above, in a process with its own ALSA configuration.
#[test]
#[ignore = "run by history_and_settings_from_the_window with its own environment"]
fn settings_in_a_child() {
    let dir = std::path::PathBuf::from(
        std::env::var_os("EARSHOT_SETTINGS_DIR").expect("started by the parent test"),
    );
    let config_path = dir.join("earshot.toml");
    std::fs::write(&config_path, earshot_engine::phone::config::DEFAULT_FILE).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = loopback_config(&dir, "agent");
    let options = StartOptions {
        audio: AudioChoice { no_card: true, ..AudioChoice::default() },
        config_path: Some(config_path.clone()),
        ..StartOptions::default()
    };
    let phone = runtime.block_on(start(config, options)).unwrap();
    let app = EarshotApp::new(phone, Some(runtime));
    let mut harness = Harness::builder()
        .with_size([420.0, 1000.0])
        .build_ui_state(|ui, app: &mut EarshotApp| app.show(ui), app);
    until(&mut harness, "address", |h| !h.state().view.uri.is_empty());
    let ours = harness.state().view.uri.clone();

    // A call comes in, is answered and hung up; the History tab shows it.
    let mut caller = Headless::start(&dir, "caller", r#"["PCMU"]"#, &[]);
    caller.send(&format!("call {ours}"));
    until(&mut harness, "toast", |h| h.query_by_label("Accept").is_some());
    harness.get_by_label("Accept").click();
    harness.run_steps(2);
    caller.wait_state(1, "active");
    std::thread::sleep(Duration::from_millis(1500));
    caller.send("hangup 1");
    caller.wait_state(1, "ended");
    until(&mut harness, "no calls", |h| h.query_by_label("No calls").is_some());
    harness.get_by_label("History").click();
    harness.run_steps(2);
    until(&mut harness, "the call in the history", |h| {
        h.query_by_label_contains("sip:caller@127.0.0.1").is_some()
    });
    harness.get_by_label("In");
    let row = harness.state().view.history.first().cloned().unwrap();
    assert!(row.duration_s() >= 1.0, "{row:?}");
    // In the agent's time zone and language: "Today, 14:05 · 0:01".
    harness.get_by_label_contains("Today, ");
    assert!(harness.query_by_label("Call back").is_some());

    // Settings: the two test devices are offered; pick the speaker as the earpiece.
    harness.get_by_label("Settings").click();
    harness.run_steps(2);
    until(&mut harness, "the devices", |h| h.state().view.devices.is_some());
    harness.run_steps(2);
    let devices = harness.state().view.devices.clone().unwrap();
    eprintln!("devices: {devices:?}");
    assert!(devices.outputs.contains(&"Earshot test speaker".to_owned()), "{devices:?}");
    assert!(devices.inputs.contains(&"Earshot test headset".to_owned()), "{devices:?}");
    assert_eq!(devices.output, None, "the system default to begin with");
    assert!(
        harness.get_by_label("Use these devices").accesskit_node().is_disabled(),
        "nothing changed yet"
    );
    // The third drop-down is the earpiece (language, microphone, earpiece, ringing).
    harness.get_all_by_role(eframe::egui::accesskit::Role::ComboBox).nth(2).unwrap().click();
    harness.run_steps(2);
    harness.get_by_label("Earshot test speaker").click();
    harness.run_steps(2);
    harness.get_by_label("Use these devices").click();
    harness.run_steps(2);
    until(&mut harness, "the earpiece chosen", |h| {
        h.state().view.devices.as_ref().and_then(|d| d.output.clone()).as_deref()
            == Some("Earshot test speaker")
    });
    let saved = std::fs::read_to_string(&config_path).unwrap();
    assert!(saved.contains("output = \"Earshot test speaker\""), "{saved}");
    assert!(saved.contains("# Earshot configuration."), "comments kept: {saved}");

    // Account: an address typed and saved becomes ours and goes into the file.
    let address = harness.get_all_by_role(eframe::egui::accesskit::Role::TextInput).next().unwrap();
    address.focus();
    address.type_text("sip:1001@127.0.0.1:5999");
    harness.run_steps(2);
    harness.get_by_label("Save account").click();
    harness.run_steps(2);
    until(&mut harness, "the account", |h| h.state().view.account.is_some());
    until(&mut harness, "the new address", |h| {
        h.query_by_label("You: sip:1001@127.0.0.1:5999").is_some()
    });
    let saved = earshot_engine::phone::Config::parse(
        &std::fs::read_to_string(&config_path).unwrap(),
        &config_path,
    )
    .unwrap();
    assert_eq!(saved.accounts.len(), 1, "{saved:?}");
    assert_eq!(saved.accounts[0].aor, "sip:1001@127.0.0.1:5999");
    assert_eq!(saved.audio.output.as_deref(), Some("Earshot test speaker"));
    harness.state().quit();
    caller.quit();
}

/// The supervisor's Team tab with a real site (Kamailio), agent and customer: the agent
/// watched shows online with its desk state (Not Ready with its reason, then Ready, each
/// with the time in state), its call appears, Listen starts monitoring, Whisper switches
/// the mode, Stop ends it; "Monitor next call" is offered between calls.
#[test]
fn the_team_tab_monitors_an_agent() {
    use earshot_engine::phone::config::{Account, Monitoring, Transport};
    let dir = temp_dir("window-team");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(earshot_tests::kamailio::Site::start());
    let account = |user: &str, password: &str| {
        format!(
            "[[accounts]]\naor = \"sip:{user}@earshot.test\"\npassword = \"{password}\"\n\
             outbound_proxy = \"{}\"\nexpires = 300\n",
            site.addr
        )
    };
    let registered =
        |e: &serde_json::Value| e["event"] == "registration" && e["state"] == "registered";
    let heard = dir.join("agent-heard.wav");
    let mut agent = Headless::start_with(
        &dir,
        "agent",
        r#"["PCMU"]"#,
        &format!(
            "{}[monitoring]\nsupervisors = [\"sip:2001@earshot.test\"]\ntrusted_proxies = [\"127.0.0.1\"]\n",
            account("1001", "agent-1001")
        ),
        &["--auto-answer", "--audio-out", heard.to_str().unwrap()],
    );
    let heard = dir.join("customer-heard.wav");
    let mut customer = Headless::start_with(
        &dir,
        "customer",
        r#"["PCMU"]"#,
        &account("1002", "agent-1002"),
        &["--audio-out", heard.to_str().unwrap()],
    );
    agent.wait_for("registered", registered);
    customer.wait_for("registered", registered);
    let config = Config {
        accounts: vec![Account {
            aor: "sip:2001@earshot.test".into(),
            auth_user: None,
            password: "supervisor-2001".into(),
            registrar: None,
            outbound_proxy: Some(site.addr.to_string()),
            transport: Transport::Udp,
            expires: 300,
        }],
        monitoring: Monitoring { agents: vec!["1001".into()], ..Monitoring::default() },
        ..loopback_config(&dir, "supervisor")
    };
    let options = StartOptions {
        audio: AudioChoice { no_card: true, ..AudioChoice::default() },
        ..StartOptions::default()
    };
    let phone = runtime.block_on(start(config, options)).unwrap();
    let app = EarshotApp::new(phone, Some(runtime));
    let mut harness = Harness::builder()
        .with_size([420.0, 720.0])
        .build_ui_state(|ui, app: &mut EarshotApp| app.show(ui), app);
    harness.get_by_label("Team").click();
    harness.run_steps(2);
    until(&mut harness, "the agent online", |h| h.query_by_label("online").is_some());
    harness.get_by_label("sip:1001@earshot.test");
    assert!(harness.query_by_label("Monitor next call").is_some(), "offered between calls");
    // The agent's desk state, reason and time in state, as the agent changes it.
    agent.send("state not-ready Lunch");
    until(&mut harness, "Not Ready for lunch", |h| {
        h.query_by_label_contains("Not Ready — Lunch · 0:0").is_some()
    });
    agent.send("state ready");
    until(&mut harness, "Ready", |h| h.query_by_label_contains("Ready · 0:0").is_some());
    assert!(harness.query_by_label_contains("Lunch").is_none(), "the reason went with it");

    customer.send("call 1001");
    customer.wait_state(1, "active");
    until(&mut harness, "the agent's call", |h| h.query_by_label("Listen").is_some());
    harness.get_by_label_contains("from sip:1002@earshot.test");
    harness.get_by_label("Listen").click();
    harness.run_steps(2);
    until(&mut harness, "monitoring", |h| {
        h.state()
            .view
            .monitoring
            .values()
            .any(|(a, m)| a == "sip:1001@earshot.test" && m == "listen")
    });
    harness.get_by_label("Monitoring sip:1001@earshot.test");
    harness.get_by_label("Whisper").click();
    harness.run_steps(2);
    until(&mut harness, "whisper", |h| {
        h.state().view.monitoring.values().any(|(_, m)| m == "whisper")
    });
    harness.get_by_label("Stop").click();
    harness.run_steps(2);
    until(&mut harness, "monitoring stopped", |h| h.state().view.monitoring.is_empty());
    customer.send("hangup 1");
    customer.wait_state(1, "ended");
    until(&mut harness, "next call offered again", |h| {
        h.query_by_label("Monitor next call").is_some()
    });
    harness.state().quit();
    agent.quit();
    customer.quit();
    drop(site);
    std::fs::remove_dir_all(&dir).ok();
}

/// The desk from the window: the agent goes Ready with a click; a SIPp customer calls the
/// queue with case data; the preview shows the case, the queue and the offer's countdown;
/// Ctrl+Shift+A accepts it (the call is answered); the customer hangs up and the mandatory
/// wrap-up keeps Done disabled until Alt+1 picks "Resolved"; the note typed in the window
/// is what the phone saved; Done ends it and the agent is Ready again; Not Ready with a
/// reason from the picker, then Ready by key.
#[test]
fn the_desk_from_the_window_preview_accept_by_key_wrap_up_and_state() {
    use earshot_engine::desk::config::ScreenPopConfig;
    use eframe::egui::{Key, Modifiers, accesskit::Role};
    let dir = temp_dir("window-desk");
    let peers = tokio::runtime::Runtime::new().unwrap();
    let _enter = peers.enter();
    let crm = ScreenPopConfig {
        label: "Open the account in the CRM".into(),
        url: "https://crm.example/find?account={Account-Id}".into(),
        on_accept: false,
    };
    let config = queue_agent(&dir, "Support line", vec![crm]);
    let mut harness = window(config, [420.0, 1400.0]);
    let state = |h: &Harness<'_, EarshotApp>| {
        h.state().view.agent_state.as_ref().map(|s| (s.state.clone(), s.reason.clone()))
    };
    until(&mut harness, "the desk", |h| state(h).is_some());
    harness.get_by_label_contains("Logged out");
    harness.get_by_label("Ready").click();
    until(&mut harness, "Ready", |h| state(h) == Some(("ready".into(), None)));
    let listen = harness.state().view.uri.clone();
    let target = listen.trim_start_matches("sip:").split('@').nth(1).unwrap().to_owned();
    let sent = Instant::now();
    let caller = earshot_tests::sipp_call("uac_queue_case.xml", "support", &target);
    until(&mut harness, "the preview", |h| h.query_by_label("Accept").is_some());
    eprintln!(
        "SIPp started to the preview drawn: {} ms (the window is stepped every 30 ms)",
        sent.elapsed().as_millis()
    );
    harness.get_by_label_contains("Incoming call from");
    harness.get_by_label_contains("Support line · waiting");
    harness.get_by_label_contains("withdrawn in");
    // The case shows in the preview (and in the context panel below it).
    assert!(harness.get_all_by_label_contains("A-77 & Co").count() >= 1);
    assert!(harness.get_all_by_label_contains("gold").count() >= 1);
    harness.key_press_modifiers(Modifiers::CTRL | Modifiers::SHIFT, Key::A);
    until(&mut harness, "the call answered", |h| {
        h.state().view.interactions.get(&1).is_some_and(|i| i.state != "offered")
    });
    assert!(harness.query_by_label("Accept").is_none(), "the preview is gone");
    harness.get_by_label("Open the account in the CRM");
    // The customer hangs up after a second: wrap-up, mandatory.
    until(&mut harness, "the wrap-up", |h| {
        h.state().view.interactions.get(&1).is_some_and(|i| i.state == "wrap-up")
    });
    assert_eq!(state(&harness).unwrap().0, "after-call-work");
    assert!(harness.get_by_label("Done").accesskit_node().is_disabled(), "Done waits for a code");
    harness.key_press_modifiers(Modifiers::ALT, Key::Num1);
    until(&mut harness, "the disposition", |h| {
        h.state().view.interactions[&1].disposition.as_deref() == Some("resolved")
    });
    harness.run_steps(2);
    assert!(!harness.get_by_label("Done").accesskit_node().is_disabled());
    let note = harness.get_by_role(Role::MultilineTextInput);
    note.focus();
    note.type_text("Refund promised for Friday");
    until(&mut harness, "the note saved", |h| {
        h.state().view.interactions[&1].note == "Refund promised for Friday"
    });
    harness.get_by_label("Done").click();
    until(&mut harness, "done and Ready", |h| {
        h.state().view.interactions[&1].state == "done" && state(h) == Some(("ready".into(), None))
    });
    let (code, out) = peers.block_on(caller.finish(30));
    assert_eq!(code, Some(0), "the customer's call went through:\n{out}");
    // Not Ready with a reason from the picker, then Ready by key.
    harness.get_by_label("Not Ready").click();
    harness.run_steps(2);
    harness.get_by_label("Lunch").click();
    until(&mut harness, "Not Ready (Lunch)", |h| {
        state(h) == Some(("not-ready".into(), Some("Lunch".into())))
    });
    harness.get_by_label_contains("Not Ready — Lunch");
    harness.key_press_modifiers(Modifiers::CTRL | Modifiers::SHIFT, Key::R);
    until(&mut harness, "Ready by key", |h| state(h) == Some(("ready".into(), None)));
    harness.state().quit();
    std::fs::remove_dir_all(&dir).ok();
}

/// The desk in Canadian French, by keyboard alone: Prêt by key; a routed call's preview
/// ("Aperçu de l'interaction") declined by key; the next accepted by key; talking, then
/// the wrap-up with its "Code de disposition" chosen by key and "Terminé" by key; Non prêt
/// by key with the first reason in French. In each state, every control the window shows
/// has a name a screen reader can say.
#[test]
fn the_desk_in_french_by_keyboard_alone_with_every_control_named() {
    use eframe::egui::{Key, Modifiers};
    let dir = temp_dir("window-french");
    let peers = tokio::runtime::Runtime::new().unwrap();
    let _enter = peers.enter();
    let config = queue_agent(&dir, "Soutien", Vec::new());
    let mut harness = window_in("fr-CA", config, [420.0, 1400.0]);
    let state = |h: &Harness<'_, EarshotApp>| {
        h.state().view.agent_state.as_ref().map(|s| (s.state.clone(), s.reason.clone()))
    };
    let named = |h: &Harness<'_, EarshotApp>, when: &str| {
        let buttons = h.query_all_by_role(eframe::egui::accesskit::Role::Button).count();
        assert!(buttons >= 5, "{when}: the check sees the window's {buttons} buttons");
        let unnamed = unnamed_controls(h);
        assert!(unnamed.is_empty(), "{when}: controls without a name: {unnamed:?}");
    };
    let keys = Modifiers::CTRL | Modifiers::SHIFT;
    until(&mut harness, "the desk", |h| state(h).is_some());
    harness.get_by_label_contains("Déconnecté");
    harness.get_by_label("Poste");
    harness.get_by_label("Historique");
    named(&harness, "logged out");

    harness.key_press_modifiers(keys, Key::R);
    until(&mut harness, "Prêt", |h| state(h) == Some(("ready".into(), None)));
    // The state's label beside the Ready button's.
    until(&mut harness, "Prêt shown", |h| h.query_all_by_label("Prêt").count() == 2);
    named(&harness, "ready");

    let listen = harness.state().view.uri.clone();
    let target = listen.trim_start_matches("sip:").split('@').nth(1).unwrap().to_owned();
    let declined = earshot_tests::sipp_call("uac_queue_case.xml", "support", &target);
    until(&mut harness, "the preview", |h| h.query_by_label("Accepter").is_some());
    harness.get_by_label("Aperçu de l'interaction");
    harness.get_by_label_contains("Appel entrant de");
    harness.get_by_label_contains("Soutien · attend depuis");
    harness.get_by_label_contains("retiré dans");
    harness.get_by_label("Refuser");
    named(&harness, "preview");
    harness.key_press_modifiers(keys, Key::D);
    until(&mut harness, "declined", |h| {
        h.state().view.interactions.get(&1).is_some_and(|i| i.state == "declined")
    });
    let _ = peers.block_on(declined.finish(30));
    harness.run_steps(2);
    assert!(harness.query_by_label("Accepter").is_none(), "the preview is gone");
    assert!(harness.query_all_by_label_contains("Refusée").count() >= 1);
    if state(&harness).is_some_and(|(s, _)| s != "ready") {
        harness.key_press_modifiers(keys, Key::R);
        until(&mut harness, "Prêt again", |h| state(h) == Some(("ready".into(), None)));
    }

    let accepted = earshot_tests::sipp_call("uac_queue_case.xml", "support", &target);
    until(&mut harness, "the second preview", |h| h.query_by_label("Accepter").is_some());
    harness.key_press_modifiers(keys, Key::A);
    until(&mut harness, "talking", |h| {
        h.state().view.interactions.get(&2).is_some_and(|i| i.state == "active")
    });
    until(&mut harness, "en conversation", |h| {
        h.query_by_label_contains("en conversation").is_some()
    });
    harness.get_by_label("Raccrocher");
    harness.get_by_label("Mettre en attente");
    harness.get_by_label("Couper le micro");
    assert!(harness.query_all_by_label_contains("En cours").count() >= 1);
    named(&harness, "active");

    until(&mut harness, "the wrap-up", |h| {
        h.state().view.interactions.get(&2).is_some_and(|i| i.state == "wrap-up")
    });
    harness.run_steps(2);
    harness.get_by_label_contains("Travail après appel");
    harness.get_by_label("Code de disposition");
    harness.get_by_label("obligatoire");
    harness.get_by_label("Remarque");
    assert!(harness.get_by_label("Terminé").accesskit_node().is_disabled());
    named(&harness, "wrap-up");
    harness.key_press_modifiers(Modifiers::ALT, Key::Num1);
    until(&mut harness, "the disposition", |h| {
        h.state().view.interactions[&2].disposition.as_deref() == Some("resolved")
    });
    until(&mut harness, "Réglé", |h| h.query_all_by_label("Réglé").count() >= 2);
    harness.key_press_modifiers(keys, Key::E);
    until(&mut harness, "terminée", |h| h.state().view.interactions[&2].state == "done");
    let (code, out) = peers.block_on(accepted.finish(30));
    assert_eq!(code, Some(0), "the customer's call went through:\n{out}");

    harness.key_press_modifiers(keys, Key::N);
    until(&mut harness, "Non prêt", |h| {
        state(h) == Some(("not-ready".into(), Some("Break".into())))
    });
    until(&mut harness, "Non prêt — Pause", |h| {
        h.query_by_label_contains("Non prêt — Pause").is_some()
    });
    named(&harness, "not ready");
    // The phone's own errors in French too: an address it cannot read.
    let dial = harness.get_by_label("Rechercher ou composer");
    dial.focus();
    dial.type_text("sip:");
    harness.run_steps(2);
    harness.get_by_label("Appeler").click();
    until(&mut harness, "the error in French", |h| {
        h.query_by_label_contains("« sip: » n'est pas une adresse SIP").is_some()
    });
    // The settings, every control named too (language, theme, devices, ring volume,
    // account).
    harness.get_by_label("Paramètres").click();
    until(&mut harness, "the devices", |h| h.state().view.devices.is_some());
    harness.run_steps(2);
    let slider = harness.get_by_role(eframe::egui::accesskit::Role::Slider);
    assert_eq!(slider.accesskit_node().label().as_deref(), Some("Volume de la sonnerie"));
    named(&harness, "settings");
    harness.state().quit();
    std::fs::remove_dir_all(&dir).ok();
}
