//! The chat panel in the window over a real phone (egui_kittest), with customers on real
//! Earshot phones (headless, peer to peer) writing to the agent's support queue: the
//! preview shows the first message; accepted, the transcript shows it as text (markup and
//! escapes shown, never acted on); Enter sends, Shift+Enter makes a new line, a quick
//! reply sends in one click — each checked on the customer's side, byte for byte; a
//! second chat that is not selected shows its unread count; End chat moves it to wrap-up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::desk_window::{queue_agent, unnamed_controls, until, window};
use common::{Headless, temp_dir};
use eframe::egui::accesskit::Role;
use eframe::egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;

/// The customer's `message` event with `text`, sent to it (direction in).
fn received(c: &mut Headless, text: &str) {
    c.wait_for(&format!("{text:?} received"), |e| {
        e["event"] == "message" && e["direction"] == "in" && e["text"] == text
    });
}

#[test]
fn a_chat_in_the_window_preview_transcript_enter_shift_enter_quick_reply_badge_and_end() {
    let dir = temp_dir("chat-window");
    let mut config = queue_agent(&dir, "Support line", vec![]);
    config.chat.quick_replies = vec!["One moment please, I am looking into it.".into()];
    let mut harness = window(config, [480.0, 1500.0]);
    until(&mut harness, "the desk", |h| h.state().view.agent_state.is_some());
    harness.get_by_label("Ready").click();
    until(&mut harness, "Ready", |h| {
        h.state().view.agent_state.as_ref().is_some_and(|s| s.state == "ready")
    });
    let listen = harness.state().view.uri.clone();
    let host = listen.trim_start_matches("sip:").split('@').nth(1).unwrap().to_owned();
    let queue = format!("sip:support@{host}");

    let mut ann = Headless::start(&dir, "ann", r#"["PCMU"]"#, &[]);
    let hello = "Hello <b>there</b> \u{1b}[31m 👋 مرحبا";
    ann.send(&format!("chat {queue} {hello}"));
    until(&mut harness, "the preview", |h| h.query_by_label("Accept").is_some());
    harness.get_by_label("First message");
    // Shown as text: the tags as typed, the escape character replaced, never acted on.
    // (In the preview and in the transcript under it.)
    assert!(harness.get_all_by_label_contains("Hello <b>there</b> \u{fffd}[31m 👋").count() >= 1);
    harness.get_by_label("Accept").click();
    until(&mut harness, "the chat active", |h| {
        h.state().view.interactions.get(&1).is_some_and(|i| i.state == "active")
    });
    until(&mut harness, "the transcript", |h| h.query_by_label("Send").is_some());
    assert!(unnamed_controls(&harness).is_empty(), "{:?}", unnamed_controls(&harness));

    // Enter sends what was typed.
    let compose = harness.get_by_label("Message");
    compose.focus();
    compose.type_text("Thanks, Ann — let me check 🙂");
    harness.run_steps(2);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    received(&mut ann, "Thanks, Ann — let me check 🙂");
    until(&mut harness, "sent", |h| {
        h.state().view.chats[&1].lines.iter().any(|l| l.outgoing && l.delivery == "sent")
    });
    // Shift+Enter is a new line; Enter then sends both lines as one message.
    let compose = harness.get_by_label("Message");
    compose.focus();
    compose.type_text("Line one");
    harness.run_steps(1);
    harness.key_press_modifiers(Modifiers::SHIFT, Key::Enter);
    harness.run_steps(1);
    harness.get_by_label("Message").type_text("line two");
    harness.run_steps(1);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    received(&mut ann, "Line one\nline two");
    // (Clicked where the window has it: once the line is shown and the layout settled.)
    until(&mut harness, "line two shown", |h| {
        h.state().view.chats[&1]
            .lines
            .iter()
            .any(|l| l.text == "Line one\nline two" && l.delivery == "sent")
    });
    harness.run_steps(2);
    // A quick reply in one click.
    harness.get_by_label("One moment please, I am looking into it.").click();
    harness.run_steps(2);
    received(&mut ann, "One moment please, I am looking into it.");

    // A second customer's chat, not selected: its row counts what it has not seen.
    let mut bob = Headless::start(&dir, "bob", r#"["PCMU"]"#, &[]);
    bob.send(&format!("chat {queue} Bob here"));
    until(&mut harness, "Bob's preview", |h| h.query_by_label("Accept").is_some());
    harness.get_by_label("Accept").click();
    until(&mut harness, "Bob's chat active", |h| {
        h.state().view.interactions.get(&2).is_some_and(|i| i.state == "active")
    });
    // Bob's chat, just accepted, is selected; Ann writes into hers.
    ann.send(&format!("chat {queue} Are you still there?"));
    until(&mut harness, "Ann's unread badge", |h| h.query_by_label_contains("1 new").is_some());
    harness.get_by_label_contains("1 new").click();
    until(&mut harness, "Ann's chat shown", |h| {
        h.query_by_label_contains("Are you still there?").is_some()
    });
    until(&mut harness, "read", |h| {
        h.state().view.interactions[&1].chat.as_ref().is_some_and(|c| c.unread == 0)
    });

    harness.get_by_label("End chat").click();
    until(&mut harness, "the wrap-up", |h| {
        h.state().view.interactions.get(&1).is_some_and(|i| i.state == "wrap-up")
    });
    harness.run_steps(2);
    harness.get_by_label("You ended the chat");
    assert!(harness.query_by_label("Send").is_none(), "nothing more is written into it");
    // The wrap-up's note is the one text box left.
    assert_eq!(harness.get_all_by_role(Role::MultilineTextInput).count(), 1);
    ann.quit();
    bob.quit();
}

/// A chat beside a call: the agent talking to a caller accepts a customer's chat, writes
/// in it, and the call's controls stay there and work (hold, resume, hang up) — each
/// checked on the other side.
#[test]
fn a_chat_beside_a_call_keeps_the_calls_controls() {
    let dir = temp_dir("chat-beside-call");
    let mut harness = window(queue_agent(&dir, "Support line", vec![]), [480.0, 1500.0]);
    until(&mut harness, "the desk", |h| h.state().view.agent_state.is_some());
    harness.get_by_label("Ready").click();
    until(&mut harness, "Ready", |h| {
        h.state().view.agent_state.as_ref().is_some_and(|s| s.state == "ready")
    });
    let ours = harness.state().view.uri.clone();
    let host = ours.split('@').nth(1).unwrap().to_owned();
    let mut caller = Headless::start(&dir, "caller", r#"["PCMU"]"#, &[]);
    caller.send(&format!("call {ours}"));
    until(&mut harness, "the call's offer", |h| h.query_by_label("Accept").is_some());
    harness.get_by_label("Accept").click();
    harness.run_steps(2);
    caller.wait_state(1, "active");

    let mut ann = Headless::start(&dir, "ann", r#"["PCMU"]"#, &[]);
    ann.send(&format!("chat sip:support@{host} Hello while you are on the phone"));
    until(&mut harness, "the chat's offer", |h| h.query_by_label("Accept").is_some());
    harness.run_steps(2);
    harness.get_by_label("Accept").click();
    until(&mut harness, "the chat shown", |h| h.query_by_label("Send").is_some());
    harness.run_steps(2);
    let compose = harness.get_by_label("Message");
    compose.focus();
    compose.type_text("One moment, I am finishing a call");
    harness.run_steps(2);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    received(&mut ann, "One moment, I am finishing a call");

    // The call's controls are still there, and act on the call.
    until(&mut harness, "the chat line shown", |h| {
        h.state().view.chats.values().any(|c| c.lines.iter().any(|l| l.delivery == "sent"))
    });
    harness.run_steps(2);
    harness.get_by_label("Hold").click();
    harness.run_steps(2);
    caller.wait_state(1, "remote-held");
    until(&mut harness, "Resume", |h| h.query_by_label("Resume").is_some());
    harness.run_steps(2);
    harness.get_by_label("Resume").click();
    harness.run_steps(2);
    caller.wait_state(1, "active");
    until(&mut harness, "Hang up", |h| h.query_by_label("Hang up").is_some());
    harness.run_steps(2);
    harness.get_by_label("Hang up").click();
    harness.run_steps(2);
    caller.wait_state(1, "ended");
    assert!(harness.query_by_label("Send").is_some(), "the chat goes on");
    ann.quit();
    caller.quit();
}
