//! The headless mode's line grammar: one command per line (`call URI`, `answer ID`, …)
//! parsed into a [`Command`], and one JSON object per line for each [`Event`].

use super::api::{CallId, Command, Event};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    #[error(
        "unknown command {0:?} (try: call, answer, reject, hangup, hold, resume, mute, unmute, dtmf, transfer, consult, complete-transfer, conference, split, dnd, list, devices, history, watch, unwatch, monitor, monitor-next, monitor-mode, unmonitor, play, state, accept, decline, case, note, dispose, done, interactions, chat, chat-open, say, typing, chat-read, chat-end, chat-consult, chat-conference, chat-transfer, chat-follow, chat-unfollow, chat-coach, chat-barge, transcript, reply, reply-all, forward, email, email-close, email-retry, save-attachment, quit; or a JSON command)"
    )]
    Unknown(String),
    #[error("{command}: {problem} (usage: {usage})")]
    Usage { command: String, problem: String, usage: &'static str },
}

/// The line after its first `words` words, as typed (inner spaces kept).
fn rest_after(line: &str, words: usize) -> &str {
    let mut rest = line.trim_start();
    for _ in 0..words {
        rest = rest.trim_start();
        rest = rest.find(char::is_whitespace).map_or("", |i| rest.get(i..).unwrap_or(""));
    }
    rest.trim()
}

/// The number at `args[i]` (a contact's id), or the usage.
fn number(
    args: &[&str],
    i: usize,
    u: &'static str,
    usage: &dyn Fn(&'static str, &str) -> ScriptError,
) -> Result<u64, ScriptError> {
    let a = args.get(i).ok_or_else(|| usage(u, "missing id"))?;
    a.parse().map_err(|_| usage(u, &format!("{a:?} is not an id")))
}

/// Parses one line. Blank lines and `#` comments give `None`.
pub fn parse_line(line: &str) -> Result<Option<Command>, ScriptError> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    // Any command of the API as one JSON object, e.g. {"command":"set-devices",...}.
    if line.starts_with('{') {
        return serde_json::from_str(line).map(Some).map_err(|e| ScriptError::Usage {
            command: "json".into(),
            problem: e.to_string(),
            usage: "{\"command\": \"NAME\", ...} as in the README",
        });
    }
    let mut words = line.split_whitespace();
    let verb = words.next().unwrap_or_default().to_ascii_lowercase();
    let args: Vec<&str> = words.collect();
    let usage = |usage: &'static str, problem: &str| ScriptError::Usage {
        command: verb.clone(),
        problem: problem.into(),
        usage,
    };
    let id = |i: usize, u: &'static str| -> Result<CallId, ScriptError> {
        let a = args.get(i).ok_or_else(|| usage(u, "missing call id"))?;
        a.parse().map_err(|_| usage(u, &format!("{a:?} is not a call id")))
    };
    let exact = |n: usize, u: &'static str| -> Result<(), ScriptError> {
        if args.len() == n {
            Ok(())
        } else {
            Err(usage(u, &format!("{} argument(s) given, {n} expected", args.len())))
        }
    };
    let command = match verb.as_str() {
        "call" | "dial" => {
            const U: &str = "call URI";
            exact(1, U)?;
            Command::Call { uri: args.first().copied().unwrap_or_default().into() }
        }
        "answer" => {
            const U: &str = "answer ID";
            exact(1, U)?;
            Command::Answer { id: id(0, U)? }
        }
        "reject" => {
            const U: &str = "reject ID [486|603]";
            if args.is_empty() || args.len() > 2 {
                return Err(usage(U, "wrong number of arguments"));
            }
            let status = match args.get(1) {
                None => None,
                Some(&"486") => Some(486),
                Some(&"603") => Some(603),
                Some(s) => return Err(usage(U, &format!("status {s:?} is neither 486 nor 603"))),
            };
            Command::Reject { id: id(0, U)?, status }
        }
        "hangup" | "cancel" => {
            const U: &str = "hangup ID";
            exact(1, U)?;
            Command::Hangup { id: id(0, U)? }
        }
        "hold" => {
            const U: &str = "hold ID";
            exact(1, U)?;
            Command::Hold { id: id(0, U)? }
        }
        "resume" | "unhold" => {
            const U: &str = "resume ID";
            exact(1, U)?;
            Command::Resume { id: id(0, U)? }
        }
        "mute" | "unmute" => {
            const U: &str = "mute ID";
            exact(1, U)?;
            Command::Mute { id: id(0, U)?, on: verb == "mute" }
        }
        "dtmf" => {
            const U: &str = "dtmf ID DIGITS";
            exact(2, U)?;
            let digits = args.get(1).copied().unwrap_or_default();
            if let Some(bad) = digits.chars().find(|c| !is_dtmf(*c)) {
                return Err(usage(U, &format!("{bad:?} is not a DTMF digit (0-9 * # A-D)")));
            }
            Command::Dtmf { id: id(0, U)?, digits: digits.to_ascii_uppercase() }
        }
        "transfer" => {
            const U: &str = "transfer ID URI";
            exact(2, U)?;
            Command::Transfer {
                id: id(0, U)?,
                uri: args.get(1).copied().unwrap_or_default().into(),
            }
        }
        "consult" => {
            const U: &str = "consult ID URI";
            exact(2, U)?;
            Command::Consult { id: id(0, U)?, uri: args.get(1).copied().unwrap_or_default().into() }
        }
        "complete-transfer" => {
            const U: &str = "complete-transfer ID CONSULT_ID";
            exact(2, U)?;
            Command::CompleteTransfer { id: id(0, U)?, consult: id(1, U)? }
        }
        "conference" => {
            const U: &str = "conference ID ID...";
            if args.len() < 2 {
                return Err(usage(U, "a conference needs at least two calls"));
            }
            let ids = (0..args.len()).map(|i| id(i, U)).collect::<Result<Vec<_>, _>>()?;
            Command::Conference { ids }
        }
        "split" => {
            const U: &str = "split ID";
            exact(1, U)?;
            Command::Split { id: id(0, U)? }
        }
        "play" => {
            const U: &str = "play ID FILE.wav";
            // The file is the rest of the line: a path may hold spaces.
            let rest = line.get(verb.len()..).unwrap_or_default().trim_start();
            let file = rest.split_once(char::is_whitespace).map(|(_, f)| f.trim()).unwrap_or("");
            if file.is_empty() {
                return Err(usage(U, "missing file"));
            }
            Command::Play { id: id(0, U)?, file: file.into() }
        }
        "dnd" => {
            const U: &str = "dnd on|off";
            exact(1, U)?;
            match args.first().copied() {
                Some("on") => Command::DoNotDisturb { on: true },
                Some("off") => Command::DoNotDisturb { on: false },
                _ => return Err(usage(U, "say on or off")),
            }
        }
        "list" => {
            exact(0, "list")?;
            Command::List
        }
        "monitor" => {
            const U: &str = "monitor AGENT_URI listen|whisper|barge";
            exact(2, U)?;
            let agent = args.first().copied().unwrap_or_default().to_owned();
            let mode = mode_arg(args.get(1).copied()).map_err(|p| usage(U, &p))?;
            Command::Monitor { agent, mode }
        }
        "monitor-next" => {
            const U: &str = "monitor-next AGENT_URI listen|whisper|barge";
            exact(2, U)?;
            let agent = args.first().copied().unwrap_or_default().to_owned();
            let mode = mode_arg(args.get(1).copied()).map_err(|p| usage(U, &p))?;
            Command::MonitorNext { agent, mode }
        }
        "monitor-mode" => {
            const U: &str = "monitor-mode ID listen|whisper|barge";
            exact(2, U)?;
            let mode = mode_arg(args.get(1).copied()).map_err(|p| usage(U, &p))?;
            Command::MonitorMode { id: id(0, U)?, mode }
        }
        "unmonitor" => {
            const U: &str = "unmonitor ID";
            exact(1, U)?;
            Command::Unmonitor { id: id(0, U)? }
        }
        "watch" | "unwatch" => {
            const U: &str = "watch AGENT_URI";
            exact(1, U)?;
            let agent = args.first().copied().unwrap_or_default().to_owned();
            if verb == "watch" { Command::Watch { agent } } else { Command::Unwatch { agent } }
        }
        "devices" => {
            exact(0, "devices")?;
            Command::Devices
        }
        "ring-volume" => {
            const U: &str = "ring-volume PERCENT (0-100)";
            exact(1, U)?;
            let n = args.first().copied().unwrap_or_default();
            let percent = n
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= 100)
                .ok_or_else(|| usage(U, &format!("{n:?} is not a percentage")))?;
            Command::SetRingVolume { percent }
        }
        "search" => {
            // The text is the rest of the line, spaces and all.
            let text = line.get(verb.len()..).unwrap_or_default().trim();
            if text.is_empty() {
                return Err(usage("search TEXT", "missing text"));
            }
            Command::Search { text: text.into() }
        }
        "contact" => {
            const U: &str = "contact ID";
            exact(1, U)?;
            Command::Contact { id: number(&args, 0, U, &usage)? }
        }
        "contact-history" => {
            const U: &str = "contact-history ID [N]";
            let limit = match args.get(1) {
                None => 20,
                Some(n) => n.parse().map_err(|_| usage(U, &format!("{n:?} is not a count")))?,
            };
            if args.len() > 2 {
                return Err(usage(U, "at most two arguments"));
            }
            Command::ContactHistory { id: number(&args, 0, U, &usage)?, limit }
        }
        "favourite" | "unfavourite" => {
            let address = line.get(verb.len()..).unwrap_or_default().trim();
            if address.is_empty() {
                let form =
                    if verb == "favourite" { "favourite ADDRESS" } else { "unfavourite ADDRESS" };
                return Err(usage(form, "missing address"));
            }
            let address = address.to_owned();
            if verb == "favourite" {
                Command::Favourite { address }
            } else {
                Command::Unfavourite { address }
            }
        }
        "targets" => Command::Targets,
        "export-contacts" => {
            let file = line.get(verb.len()..).unwrap_or_default().trim();
            if file.is_empty() {
                return Err(usage("export-contacts FILE", "missing file"));
            }
            Command::ExportContacts { file: file.into() }
        }
        "name-contact" => {
            const U: &str = "name-contact ID NAME…";
            if args.len() < 2 {
                return Err(usage(U, "missing name"));
            }
            Command::NameContact {
                id: number(&args, 0, U, &usage)?,
                name: rest_after(line, 2).into(),
            }
        }
        "merge-contacts" => {
            const U: &str = "merge-contacts KEEP GONE";
            exact(2, U)?;
            Command::MergeContacts {
                keep: number(&args, 0, U, &usage)?,
                gone: number(&args, 1, U, &usage)?,
            }
        }
        "import-contacts" => {
            let file = line.get(verb.len()..).unwrap_or_default().trim();
            if file.is_empty() {
                return Err(usage("import-contacts FILE", "missing file"));
            }
            Command::ImportContacts { file: file.into() }
        }
        "history" => {
            const U: &str = "history [N]";
            let limit = match args.as_slice() {
                [] => 20,
                [n] => n.parse().map_err(|_| usage(U, &format!("{n:?} is not a count")))?,
                _ => return Err(usage(U, "at most one argument")),
            };
            Command::History { limit }
        }
        "state" => {
            const U: &str = "state ready|not-ready [REASON]|logout";
            let rest = line.get(verb.len()..).unwrap_or_default().trim();
            let (state, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let state = state.to_ascii_lowercase();
            let reason = reason.trim();
            match state.as_str() {
                "ready" | "logout" if !reason.is_empty() => {
                    return Err(usage(U, &format!("{state} takes no reason")));
                }
                "ready" | "not-ready" | "logout" => {}
                "" => return Err(usage(U, "missing state")),
                other => return Err(usage(U, &format!("{other:?} is not a state"))),
            }
            Command::State { state, reason: (!reason.is_empty()).then(|| reason.to_string()) }
        }
        "accept" => {
            const U: &str = "accept ID";
            exact(1, U)?;
            Command::Accept { id: id(0, U)? }
        }
        "decline" => {
            const U: &str = "decline ID";
            exact(1, U)?;
            Command::Decline { id: id(0, U)? }
        }
        "case" => {
            const U: &str = "case ID FIELD VALUE";
            if args.len() < 2 {
                return Err(usage(U, "missing field"));
            }
            // The value is the rest of the line (it may hold spaces; empty clears it).
            let value = rest_after(line, 3);
            Command::Case {
                id: id(0, U)?,
                field: args.get(1).copied().unwrap_or_default().into(),
                value: value.into(),
            }
        }
        "note" => {
            const U: &str = "note ID TEXT…";
            if args.is_empty() {
                return Err(usage(U, "missing interaction id"));
            }
            Command::Note { id: id(0, U)?, text: rest_after(line, 2).into() }
        }
        "dispose" => {
            const U: &str = "dispose ID CODE";
            exact(2, U)?;
            Command::Dispose {
                id: id(0, U)?,
                code: args.get(1).copied().unwrap_or_default().into(),
            }
        }
        "done" => {
            const U: &str = "done ID";
            exact(1, U)?;
            Command::Done { id: id(0, U)? }
        }
        "interactions" => {
            const U: &str = "interactions";
            exact(0, U)?;
            Command::Interactions
        }
        "chat" => {
            const U: &str = "chat URI TEXT…";
            if args.len() < 2 {
                return Err(usage(U, "missing address or text"));
            }
            // The text is the rest of the line as typed (its inner spaces kept).
            Command::Chat {
                uri: args.first().copied().unwrap_or_default().into(),
                text: rest_after(line, 2).into(),
            }
        }
        "reply" | "reply-all" => {
            const U: &str = "reply ID TEXT… / reply-all ID TEXT…";
            if args.len() < 2 {
                return Err(usage(U, "missing interaction id or text"));
            }
            let (id, text) = (id(0, U)?, rest_after(line, 2).into());
            if verb == "reply" {
                Command::Reply { id, text, attachments: Vec::new(), heads: Default::default() }
            } else {
                Command::ReplyAll { id, text, attachments: Vec::new(), heads: Default::default() }
            }
        }
        "forward" => {
            const U: &str = "forward ID ADDRESS TEXT…";
            if args.len() < 2 {
                return Err(usage(U, "missing interaction id or address"));
            }
            Command::Forward {
                id: id(0, U)?,
                to: args.get(1).copied().unwrap_or_default().into(),
                text: rest_after(line, 3).into(),
                attachments: Vec::new(),
                as_attachment: false,
                cc: String::new(),
                subject: None,
            }
        }
        "email" => {
            const U: &str = "email ADDRESS SUBJECT… -- TEXT…";
            let to = args.first().copied().unwrap_or_default();
            let after = rest_after(line, 2);
            let (subject, text) = after
                .split_once("--")
                .ok_or_else(|| usage(U, "missing \"--\" between the subject and the text"))?;
            if to.is_empty() || subject.trim().is_empty() {
                return Err(usage(U, "missing address or subject"));
            }
            Command::Email {
                to: to.into(),
                subject: subject.trim().into(),
                text: text.trim().into(),
                cc: String::new(),
                attachments: Vec::new(),
                queue: None,
            }
        }
        "email-retry" => {
            const U: &str = "email-retry ID";
            exact(1, U)?;
            Command::EmailRetry { id: id(0, U)? }
        }
        "email-close" => {
            const U: &str = "email-close ID";
            exact(1, U)?;
            Command::EmailClose { id: id(0, U)? }
        }
        "save-attachment" => {
            const U: &str = "save-attachment ID INDEX PATH";
            if args.len() < 3 {
                return Err(usage(U, "missing interaction id, index or path"));
            }
            let index = args
                .get(1)
                .and_then(|a| a.parse().ok())
                .ok_or_else(|| usage(U, "the index is a number"))?;
            Command::SaveAttachment {
                id: id(0, U)?,
                index,
                path: rest_after(line, 3).into(),
                message_id: None,
            }
        }
        "chat-open" => {
            const U: &str = "chat-open URI";
            exact(1, U)?;
            Command::ChatOpen { uri: args.first().copied().unwrap_or_default().into() }
        }
        "say" => {
            const U: &str = "say ID TEXT…";
            if args.len() < 2 {
                return Err(usage(U, "missing interaction id or text"));
            }
            Command::Say { id: id(0, U)?, text: rest_after(line, 2).into() }
        }
        "typing" => {
            const U: &str = "typing ID";
            exact(1, U)?;
            Command::Typing { id: id(0, U)? }
        }
        "chat-read" => {
            const U: &str = "chat-read ID";
            exact(1, U)?;
            Command::ChatRead { id: id(0, U)? }
        }
        "transcript" => {
            const U: &str = "transcript ID [AGENT]";
            if args.is_empty() || args.len() > 2 {
                return Err(usage(U, "wrong number of arguments"));
            }
            Command::Transcript { id: id(0, U)?, agent: args.get(1).map(|a| (*a).to_owned()) }
        }
        "chat-end" => {
            const U: &str = "chat-end ID";
            exact(1, U)?;
            Command::ChatEnd { id: id(0, U)? }
        }
        "chat-consult" => {
            const U: &str = "chat-consult ID TARGET";
            exact(2, U)?;
            Command::ChatConsult {
                id: id(0, U)?,
                target: args.get(1).copied().unwrap_or_default().into(),
            }
        }
        "chat-conference" => {
            const U: &str = "chat-conference ID CONSULT_ID";
            exact(2, U)?;
            Command::ChatConference { id: id(0, U)?, consult: id(1, U)? }
        }
        "chat-transfer" => {
            const U: &str = "chat-transfer ID TARGET";
            exact(2, U)?;
            Command::ChatTransfer {
                id: id(0, U)?,
                target: args.get(1).copied().unwrap_or_default().into(),
            }
        }
        "chat-follow" => {
            const U: &str = "chat-follow AGENT";
            exact(1, U)?;
            Command::ChatFollow { agent: args.first().copied().unwrap_or_default().into() }
        }
        "chat-unfollow" => {
            const U: &str = "chat-unfollow AGENT";
            exact(1, U)?;
            Command::ChatUnfollow { agent: args.first().copied().unwrap_or_default().into() }
        }
        "chat-coach" | "chat-barge" => {
            let coach = verb == "chat-coach";
            let u =
                if coach { "chat-coach AGENT ID TEXT…" } else { "chat-barge AGENT ID TEXT…" };
            if args.len() < 3 {
                return Err(usage(u, "missing agent, chat id or text"));
            }
            let agent: String = args.first().copied().unwrap_or_default().into();
            let (id, text) = (id(1, u)?, rest_after(line, 3).to_owned());
            if coach {
                Command::ChatCoach { agent, id, text }
            } else {
                Command::ChatBarge { agent, id, text }
            }
        }
        "quit" | "exit" => Command::Quit,
        _ => return Err(ScriptError::Unknown(verb)),
    };
    Ok(Some(command))
}

/// A monitoring mode word.
fn mode_arg(word: Option<&str>) -> Result<String, String> {
    let w = word.unwrap_or_default().to_ascii_lowercase();
    if matches!(w.as_str(), "listen" | "whisper" | "barge") {
        Ok(w)
    } else {
        Err(format!("{w:?} is not listen, whisper or barge"))
    }
}

/// RFC 4733 §3.2 events 0–15.
pub fn is_dtmf(c: char) -> bool {
    c.is_ascii_digit() || matches!(c.to_ascii_uppercase(), '*' | '#' | 'A' | 'B' | 'C' | 'D')
}

/// One line of JSON for an event.
pub fn event_line(event: &Event) -> String {
    serde_json::to_string(event).unwrap_or_else(|e| {
        format!("{{\"event\":\"error\",\"message\":\"cannot encode an event: {e}\"}}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_forms_parse() {
        let cases = [
            ("call sip:bob@127.0.0.1:5062", Command::Call { uri: "sip:bob@127.0.0.1:5062".into() }),
            ("answer 1", Command::Answer { id: 1 }),
            ("hangup 2", Command::Hangup { id: 2 }),
            ("hold 1", Command::Hold { id: 1 }),
            ("resume 1", Command::Resume { id: 1 }),
            ("devices", Command::Devices),
            ("watch 1001", Command::Watch { agent: "1001".into() }),
            (
                "monitor sip:1001@pbx Whisper",
                Command::Monitor { agent: "sip:1001@pbx".into(), mode: "whisper".into() },
            ),
            ("monitor-mode 3 barge", Command::MonitorMode { id: 3, mode: "barge".into() }),
            ("unmonitor 3", Command::Unmonitor { id: 3 }),
            (
                "chat sip:ann@site  Hello  👋 مرحبا",
                Command::Chat { uri: "sip:ann@site".into(), text: "Hello  👋 مرحبا".into() },
            ),
            ("say 4 <b>as typed</b>", Command::Say { id: 4, text: "<b>as typed</b>".into() }),
            ("typing 4", Command::Typing { id: 4 }),
            (
                "reply 7 Thanks,  it is on its way.",
                Command::Reply {
                    id: 7,
                    text: "Thanks,  it is on its way.".into(),
                    attachments: vec![],
                    heads: Default::default(),
                },
            ),
            (
                "reply-all 7 ok",
                Command::ReplyAll {
                    id: 7,
                    text: "ok".into(),
                    attachments: vec![],
                    heads: Default::default(),
                },
            ),
            (
                "forward 7 billing@shop.test Please check",
                Command::Forward {
                    id: 7,
                    to: "billing@shop.test".into(),
                    text: "Please check".into(),
                    attachments: vec![],
                    as_attachment: false,
                    cc: String::new(),
                    subject: None,
                },
            ),
            (
                "email anna@example.com Your refund -- It is done.",
                Command::Email {
                    to: "anna@example.com".into(),
                    subject: "Your refund".into(),
                    text: "It is done.".into(),
                    cc: String::new(),
                    attachments: vec![],
                    queue: None,
                },
            ),
            ("email-close 7", Command::EmailClose { id: 7 }),
            ("email-retry 7", Command::EmailRetry { id: 7 }),
            (
                "save-attachment 7 0 /tmp/a file.pdf",
                Command::SaveAttachment {
                    id: 7,
                    index: 0,
                    path: "/tmp/a file.pdf".into(),
                    message_id: None,
                },
            ),
            ("chat-read 4", Command::ChatRead { id: 4 }),
            ("chat-end 4", Command::ChatEnd { id: 4 }),
            ("chat-consult 4 1002", Command::ChatConsult { id: 4, target: "1002".into() }),
            ("chat-conference 4 5", Command::ChatConference { id: 4, consult: 5 }),
            ("chat-follow 1001", Command::ChatFollow { agent: "1001".into() }),
            (
                "chat-coach 1001 3 Offer  the refund 🙂",
                Command::ChatCoach {
                    agent: "1001".into(),
                    id: 3,
                    text: "Offer  the refund 🙂".into(),
                },
            ),
            (
                "chat-transfer 4 sip:1002@site",
                Command::ChatTransfer { id: 4, target: "sip:1002@site".into() },
            ),
            (
                "monitor-next 1001 listen",
                Command::MonitorNext { agent: "1001".into(), mode: "listen".into() },
            ),
            ("unwatch sip:1001@pbx", Command::Unwatch { agent: "sip:1001@pbx".into() }),
            ("history", Command::History { limit: 20 }),
            ("ring-volume 40", Command::SetRingVolume { percent: 40 }),
            ("history 5", Command::History { limit: 5 }),
            (
                r#"{"command":"set-devices","input":"USB Headset","output":null,"ringing":"Speakers"}"#,
                Command::SetDevices {
                    input: Some("USB Headset".into()),
                    output: None,
                    ringing: Some("Speakers".into()),
                },
            ),
            (r#"{"command":"set-account","account":null}"#, Command::SetAccount { account: None }),
            ("dtmf 1 12#*", Command::Dtmf { id: 1, digits: "12#*".into() }),
            ("transfer 1 sip:c@h", Command::Transfer { id: 1, uri: "sip:c@h".into() }),
            ("consult 1 sip:c@h", Command::Consult { id: 1, uri: "sip:c@h".into() }),
            ("complete-transfer 1 2", Command::CompleteTransfer { id: 1, consult: 2 }),
            ("conference 1 2 3", Command::Conference { ids: vec![1, 2, 3] }),
            ("reject 3 603", Command::Reject { id: 3, status: Some(603) }),
            ("mute 1", Command::Mute { id: 1, on: true }),
            ("unmute 1", Command::Mute { id: 1, on: false }),
            ("  quit  ", Command::Quit),
            (
                "play 2 /tmp/my greeting.wav",
                Command::Play { id: 2, file: "/tmp/my greeting.wav".into() },
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_line(line), Ok(Some(expected)), "{line}");
        }
        assert_eq!(parse_line("   "), Ok(None));
        assert_eq!(parse_line("# a comment"), Ok(None));
    }

    #[test]
    fn email_json_forms_carry_changed_heads_and_drafts() {
        let line = r#"{"command":"reply-all","id":4,"text":"Hi","cc":"","subject":"Re: new"}"#;
        assert_eq!(
            parse_line(line),
            Ok(Some(Command::ReplyAll {
                id: 4,
                text: "Hi".into(),
                attachments: vec![],
                heads: crate::api::Heads {
                    to: None,
                    cc: Some(String::new()),
                    subject: Some("Re: new".into())
                },
            }))
        );
        let line = r#"{"command":"email-draft","id":4,"draft":{"mode":"reply","text":"Dear"}}"#;
        let Ok(Some(Command::EmailDraft { id: Some(4), draft })) = parse_line(line) else {
            panic!("{line}")
        };
        assert_eq!((draft.mode.as_str(), draft.text.as_str()), ("reply", "Dear"));
        let line = r#"{"command":"email-draft","draft":{"mode":"new","to":"a@b.example"}}"#;
        assert!(matches!(parse_line(line), Ok(Some(Command::EmailDraft { id: None, .. }))));
    }

    #[test]
    fn malformed_lines_say_what_is_wrong() {
        for (line, needle) in [
            ("fly 1", "unknown command"),
            ("answer", "usage: answer ID"),
            ("answer x", "not a call id"),
            ("answer 1 2", "2 argument(s) given"),
            ("dtmf 1 12x", "not a DTMF digit"),
            ("conference 1", "at least two"),
            ("reject 1 404", "neither 486 nor 603"),
            ("hangup 99999999999999999999999", "not a call id"),
            ("play 1", "missing file"),
            ("play x f.wav", "not a call id"),
        ] {
            let e = parse_line(line).unwrap_err().to_string();
            assert!(e.contains(needle), "{line}: {e}");
        }
    }

    #[test]
    fn events_are_one_json_object_with_an_event_field() {
        let line = event_line(&Event::Dtmf { id: 3, digit: '#' });
        assert_eq!(line, r##"{"event":"dtmf","id":3,"digit":"#"}"##);
        let v: serde_json::Value = serde_json::from_str(&event_line(&Event::Ready {
            uri: "sip:a@127.0.0.1:5060".into(),
            listen: "127.0.0.1:5060".into(),
        }))
        .unwrap();
        assert_eq!(v["event"], "ready");
    }
}
