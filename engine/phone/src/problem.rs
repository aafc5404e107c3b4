//! What went wrong, as a typed problem: the English sentence of an `error` event (`Display`)
//! and, beside it, a code with named values (`serde`) that the window looks up in the
//! agent's language (`error-<code>` in `ui/locales/*/earshot.ftl`).

use serde::{Deserialize, Serialize};

use super::api::CallId;

/// One thing that went wrong. Each field is a value the translated sentence may show; the
/// `why` fields carry a lower layer's own words (an operating-system or SIP detail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Problem {
    // --- Commands refused (`CommandError`) ---
    #[error("no call {call}")]
    NoCall { call: CallId },
    #[error("call {call} is not ringing here")]
    NotRinging { call: CallId },
    #[error("call {call} is not answered")]
    NotAnswered { call: CallId },
    #[error("call {call} is not a monitoring call")]
    NotMonitoring { call: CallId },
    #[error("call {call} has no audio to play into")]
    NoAudioToPlayInto { call: CallId },
    #[error(
        "{text:?}: give a SIP URI such as sip:user@host:port (no account to call numbers through)"
    )]
    NoAccountForNumber { text: String },
    #[error("{text:?} is not a SIP address: {why}")]
    NotAnAddress { text: String, why: String },
    #[error("{text:?}: listen, whisper or barge")]
    BadMonitorMode { text: String },
    #[error("{agent} is not watched here (watch it first)")]
    NotWatched { agent: String },
    #[error("{agent} has no call in progress")]
    AgentIdle { agent: String },
    #[error("{agent} did not say which dialog")]
    NoDialog { agent: String },
    #[error("not watching {agent}")]
    NotWatching { agent: String },
    #[error("call {call}: cannot answer its offer ({why}): rejected with 488")]
    Unanswerable { call: CallId, why: String },
    #[error("{why}")]
    Sip { why: String },
    #[error("{why}")]
    Audio { why: String },
    #[error("{file}: {why}")]
    Play { file: String, why: String },
    #[error("{why}")]
    Account { why: String },
    #[error("{why}")]
    Desk { why: String },
    #[error("looking up {name} in DNS")]
    Locating { name: String },
    #[error("DNS: {why}")]
    Dns { why: String },

    // --- Starting and saving ---
    #[error("{why}; calls are not kept in the history")]
    HistoryUnavailable { why: String },
    #[error("{why}; interactions are not kept")]
    DeskUnavailable { why: String },
    #[error("{why}; the desk's last change is not saved")]
    DeskNotSaved { why: String },
    #[error("the call history was not written: {why}")]
    HistoryNotWritten { why: String },
    #[error("no call history")]
    NoHistory,
    #[error("the call history cannot be read: {why}")]
    HistoryNotRead { why: String },
    #[error("devices in use, but not saved: {why}")]
    DevicesNotSaved { why: String },
    #[error("account in use, but not saved: {why}")]
    AccountNotSaved { why: String },
    #[error("cannot open {url}: {why}")]
    CannotOpenLink { url: String, why: String },

    // --- Names and accounts ---
    #[error("cannot find {name}: {why}")]
    NameNotFound { name: String, why: String },
    #[error("account {account}: cannot find {name}: {why}")]
    RegistrarNotFound { account: String, name: String, why: String },
    #[error("account {account}: no registrar")]
    NoRegistrar { account: String },
    #[error("account {account}: {why}")]
    AccountFailed { account: String, why: String },
    #[error("account {account}: {why}; registering again")]
    RegisteringAgain { account: String, why: String },
    #[error("cannot publish the agent state: {why}")]
    StateNotPublishable { why: String },
    #[error(
        "the agent state was not published ({why}): the site does not take it; supervisors watching us directly still see it"
    )]
    StateRefusedBySite { why: String },
    #[error("the agent state was not published ({why}): trying again in a minute")]
    StateNotPublished { why: String },

    // --- Calls ---
    #[error("a call from {from} was refused with {why}")]
    OfferRefused { from: String, why: String },
    #[error("call {call}: {why}")]
    CallFailed { call: CallId, why: String },
    #[error("call {call}: unusable SDP answer: {why}")]
    BadAnswer { call: CallId, why: String },
    #[error("call {call}: re-INVITE answered {status}")]
    ReInviteAnswered { call: CallId, status: u16 },
    #[error("call {call}: re-INVITE refused: {why}")]
    ReInviteRefused { call: CallId, why: String },
    #[error("call {call}: the other side refused the hold ({status}); the call stays active")]
    HoldRefused { call: CallId, status: u16 },
    #[error("call {call}: the other side refused the resume ({status}); the call stays on hold")]
    ResumeRefused { call: CallId, status: u16 },
    #[error("call {call}: transfer to {to} failed: {why}")]
    TransferFailed { call: CallId, to: String, why: String },
    #[error("call {call}: no audio: {why}")]
    CallWithoutAudio { call: CallId, why: String },

    // --- Audio ---
    #[error("audio device {wanted} not found; using {using}")]
    DeviceMissing { wanted: String, using: String },
    #[error("audio device {lost} failed; now using {using}")]
    DeviceFailed { lost: String, using: String },
    #[error("no sound device works ({why}); calls go on without audio")]
    NoSoundDevice { why: String },
    #[error("ringing device: {why}; ringing in the earpiece")]
    RingingDeviceFailed { why: String },
    #[error("the audio runs without real-time priority: {why}")]
    NoRealTime { why: String },
    #[error("mix: {why}")]
    Mix { why: String },

    // --- Contacts ---
    #[error("directory: {why}")]
    Directory { why: String },
    #[error("no contact {id}")]
    NoContact { id: u64 },
    #[error("contact {id} cannot be merged into itself")]
    MergeSelf { id: u64 },
    #[error("{address} is not a favourite")]
    NotFavourite { address: String },
    #[error("no chat {interaction}")]
    NoChat { interaction: u64 },
    #[error("chat {interaction} has ended")]
    ChatClosed { interaction: u64 },
    #[error("chat: {why}")]
    Chat { why: String },
    #[error("a message from {from} could not be read ({why}); it was refused")]
    ChatUnreadable { from: String, why: String },
    #[error("{from} sends too many messages: the rest of them are refused for a few seconds")]
    ChatFlood { from: String },
    #[error("{target} did not take the chat ({why})")]
    ChatHandover { target: String, why: String },
    #[error("{agent}'s chats: {why}")]
    ChatSupervision { agent: String, why: String },
    #[error("no email {interaction}")]
    NoEmail { interaction: u64 },
    #[error("email: {why}")]
    Email { why: String },
    /// `what` names the job: `release` (a message back to the queue), `finish` (a thread
    /// filed in Done), `flag`, `keep-sent` (the copy in Sent), `return-claimed` (mail
    /// claimed before a restart back to the queue).
    #[error("the {queue} mailbox could not do {what}: {why}")]
    MailboxFailed { queue: String, what: String, why: String },
    #[error("the attachment was not saved to {path}: {why}")]
    AttachmentNotSaved { path: String, why: String },
    #[error("contacts: {why}")]
    ContactStore { why: String },
    #[error("cannot import {file}: {why}")]
    ImportFailed { file: String, why: String },
    #[error("cannot export the contacts to {file}: {why}")]
    ExportFailed { file: String, why: String },

    // --- The team ---
    #[error("watch {agent}: {why}")]
    WatchFailed { agent: String, why: String },
    #[error("agent {agent}: unreadable presence: {why}")]
    UnreadablePresence { agent: String, why: String },
    #[error("agent {agent}: unreadable dialog state: {why}")]
    UnreadableDialog { agent: String, why: String },
    #[error("agent {agent}: its state is not shown ({why})")]
    StateNotShown { agent: String, why: String },
}

impl Problem {
    /// Its code (`no-call`, `no-sound-device`, …): the translation key is `error-<code>`.
    pub fn code(&self) -> String {
        self.fields().0
    }

    /// Its named values, as text (the translation's `$call`, `$why`, …).
    pub fn args(&self) -> Vec<(String, String)> {
        self.fields().1
    }

    fn fields(&self) -> (String, Vec<(String, String)>) {
        let Ok(serde_json::Value::Object(map)) = serde_json::to_value(self) else {
            return (String::new(), Vec::new());
        };
        let mut code = String::new();
        let mut args = Vec::new();
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            if k == "code" {
                code = text;
            } else {
                args.push((k, text));
            }
        }
        (code, args)
    }

    /// One problem of every kind, for the test that every language words each of them.
    pub fn every_kind() -> Vec<Problem> {
        let s = || "x".to_owned();
        let call: CallId = 1;
        vec![
            Problem::NoCall { call },
            Problem::NotRinging { call },
            Problem::NotAnswered { call },
            Problem::NotMonitoring { call },
            Problem::NoAudioToPlayInto { call },
            Problem::NoAccountForNumber { text: s() },
            Problem::NotAnAddress { text: s(), why: s() },
            Problem::BadMonitorMode { text: s() },
            Problem::NotWatched { agent: s() },
            Problem::AgentIdle { agent: s() },
            Problem::NoDialog { agent: s() },
            Problem::NotWatching { agent: s() },
            Problem::Unanswerable { call, why: s() },
            Problem::Sip { why: s() },
            Problem::Audio { why: s() },
            Problem::Play { file: s(), why: s() },
            Problem::Account { why: s() },
            Problem::Desk { why: s() },
            Problem::NoChat { interaction: 1 },
            Problem::ChatClosed { interaction: 1 },
            Problem::Chat { why: s() },
            Problem::ChatUnreadable { from: s(), why: s() },
            Problem::ChatFlood { from: s() },
            Problem::ChatHandover { target: s(), why: s() },
            Problem::ChatSupervision { agent: s(), why: s() },
            Problem::Locating { name: s() },
            Problem::Dns { why: s() },
            Problem::HistoryUnavailable { why: s() },
            Problem::DeskUnavailable { why: s() },
            Problem::DeskNotSaved { why: s() },
            Problem::HistoryNotWritten { why: s() },
            Problem::NoHistory,
            Problem::HistoryNotRead { why: s() },
            Problem::DevicesNotSaved { why: s() },
            Problem::AccountNotSaved { why: s() },
            Problem::CannotOpenLink { url: s(), why: s() },
            Problem::NameNotFound { name: s(), why: s() },
            Problem::RegistrarNotFound { account: s(), name: s(), why: s() },
            Problem::NoRegistrar { account: s() },
            Problem::AccountFailed { account: s(), why: s() },
            Problem::RegisteringAgain { account: s(), why: s() },
            Problem::StateNotPublishable { why: s() },
            Problem::StateRefusedBySite { why: s() },
            Problem::StateNotPublished { why: s() },
            Problem::OfferRefused { from: s(), why: s() },
            Problem::CallFailed { call, why: s() },
            Problem::BadAnswer { call, why: s() },
            Problem::ReInviteAnswered { call, status: 500 },
            Problem::ReInviteRefused { call, why: s() },
            Problem::HoldRefused { call, status: 488 },
            Problem::ResumeRefused { call, status: 488 },
            Problem::TransferFailed { call, to: s(), why: s() },
            Problem::CallWithoutAudio { call, why: s() },
            Problem::DeviceMissing { wanted: s(), using: s() },
            Problem::DeviceFailed { lost: s(), using: s() },
            Problem::NoSoundDevice { why: s() },
            Problem::RingingDeviceFailed { why: s() },
            Problem::NoRealTime { why: s() },
            Problem::Mix { why: s() },
            Problem::Directory { why: s() },
            Problem::NoContact { id: 1 },
            Problem::MergeSelf { id: 1 },
            Problem::NotFavourite { address: s() },
            Problem::NoEmail { interaction: 1 },
            Problem::Email { why: s() },
            Problem::MailboxFailed { queue: s(), what: s(), why: s() },
            Problem::AttachmentNotSaved { path: s(), why: s() },
            Problem::ContactStore { why: s() },
            Problem::ImportFailed { file: s(), why: s() },
            Problem::ExportFailed { file: s(), why: s() },
            Problem::WatchFailed { agent: s(), why: s() },
            Problem::UnreadablePresence { agent: s(), why: s() },
            Problem::UnreadableDialog { agent: s(), why: s() },
            Problem::StateNotShown { agent: s(), why: s() },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_lists_each_variant_once() {
        let source = include_str!("problem.rs");
        let needle = format!("{}#[error(", " ".repeat(4));
        let variants = source.matches(needle.as_str()).count();
        let kinds = Problem::every_kind();
        let mut codes: Vec<String> = kinds.iter().map(Problem::code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), kinds.len(), "a kind listed twice");
        assert_eq!(kinds.len(), variants, "a variant missing from every_kind");
    }

    #[test]
    fn code_and_values_come_from_the_variant() {
        let p = Problem::HoldRefused { call: 4, status: 488 };
        assert_eq!(p.code(), "hold-refused");
        assert_eq!(p.args(), [("call".into(), "4".into()), ("status".into(), "488".into())]);
        assert_eq!(
            p.to_string(),
            "call 4: the other side refused the hold (488); the call stays active"
        );
        assert_eq!(Problem::NoHistory.code(), "no-history");
        assert!(Problem::NoHistory.args().is_empty());
    }
}
