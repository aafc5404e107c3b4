//! The one command/event API of the softphone core (DESIGN.md §2): the window, the
//! headless mode and the tests all send [`Command`]s and read [`Event`]s. Both are serde
//! enums; an event serialises to one JSON object with an `"event"` field.

use serde::{Deserialize, Serialize};

use super::problem::Problem;

pub use super::config::Account;
pub use super::history::CallRecord;

/// A call, numbered by the phone from 1 in the order calls appear.
pub type CallId = u64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum Command {
    /// Call a SIP URI (`sip:user@host[:port]`), or a number/user at the account's domain.
    Call {
        uri: String,
    },
    Answer {
        id: CallId,
    },
    /// Decline an incoming call: 486 Busy Here by default, or 603 Decline.
    Reject {
        id: CallId,
        status: Option<u16>,
    },
    /// End a call in any state (CANCEL before it is answered).
    Hangup {
        id: CallId,
    },
    Hold {
        id: CallId,
    },
    Resume {
        id: CallId,
    },
    Mute {
        id: CallId,
        on: bool,
    },
    /// Send digits (0-9, *, #, A-D) as RFC 4733 events, or SIP INFO when the peer has none.
    Dtmf {
        id: CallId,
        digits: String,
    },
    /// Blind transfer (REFER).
    Transfer {
        id: CallId,
        uri: String,
    },
    /// A consultation call to `uri`, holding `id` first.
    Consult {
        id: CallId,
        uri: String,
    },
    /// Attended transfer: `id`'s peer is referred to `consult`'s, with Replaces.
    CompleteTransfer {
        id: CallId,
        consult: CallId,
    },
    /// Merge calls into a local conference: each party hears all the others.
    Conference {
        ids: Vec<CallId>,
    },
    /// Take a call back out of the conference (it stays up, held).
    Split {
        id: CallId,
    },
    DoNotDisturb {
        on: bool,
    },
    /// Report the state of every call (one `call` event each).
    List,
    /// Report the sound devices and which are chosen (a `devices` event).
    Devices,
    /// Use these devices (by name; none: the system default) from now on, in calls too,
    /// and keep the choice in the configuration file.
    SetDevices {
        input: Option<String>,
        output: Option<String>,
        /// Where incoming calls ring; none: in the earpiece (the output device).
        ringing: Option<String>,
    },
    /// The loudness of the offer sounds and the missed-offer beep, in percent (0–100),
    /// applied at once and kept in the configuration file (`[audio] ring_volume`).
    SetRingVolume {
        percent: u8,
    },
    /// Use this account from now on (none: the peer-to-peer phone): the old one is
    /// unregistered, the new one registered, the configuration file updated.
    SetAccount {
        account: Option<Account>,
    },
    /// Report the most recent calls of the history (a `history` event), newest first.
    History {
        limit: usize,
    },
    /// Team Communicator: the agents, queues and contacts that match `text` (a `results`
    /// event).
    Search {
        text: String,
    },
    /// Makes a target (an agent's address, a queue, a contact's number or address) a
    /// favourite: a `targets` event.
    Favourite {
        address: String,
    },
    /// Takes a target out of the favourites: a `targets` event.
    Unfavourite {
        address: String,
    },
    /// The favourites and recent targets (a `targets` event).
    Targets,
    /// A contact with its identities and fields (a `contact` event).
    Contact {
        id: u64,
    },
    /// A contact's earlier interactions by any agent, newest first (`contact-history`).
    ContactHistory {
        id: u64,
        #[serde(default = "twenty")]
        limit: usize,
    },
    /// Contacts from a CSV or vCard file (`contacts-imported`).
    ImportContacts {
        file: String,
    },
    /// Every contact into a CSV file (the columns `import-contacts` reads):
    /// `contacts-exported`.
    ExportContacts {
        file: String,
    },
    /// Saves a contact as given (its name, organisation, identities, fields): a `contact`
    /// event with it as stored.
    SaveContact {
        contact: earshot_directory::Contact,
    },
    /// Names a contact (one made for an unknown caller, say): a `contact` event.
    NameContact {
        id: u64,
        name: String,
    },
    /// `gone` taken into `keep` (its identities, fields and interactions); `gone` is no
    /// more: a `contacts-merged` event.
    MergeContacts {
        keep: u64,
        gone: u64,
    },
    /// Supervisor: follow an agent's calls (its dialog events, RFC 4235): `agent` events.
    Watch {
        agent: String,
    },
    Unwatch {
        agent: String,
    },
    /// Supervisor: join `agent`'s current call (watched first) in `mode`: `listen`
    /// (hear both sides), `whisper` (the agent hears us too), `barge` (both do).
    Monitor {
        agent: String,
        mode: String,
    },
    /// Supervisor: monitor `agent`'s next call (or its current one) in `mode` as soon as
    /// it is answered.
    MonitorNext {
        agent: String,
        mode: String,
    },
    /// Supervisor: switch a monitoring call to another mode.
    MonitorMode {
        id: CallId,
        mode: String,
    },
    /// Supervisor: stop monitoring (hangs the monitoring call up).
    Unmonitor {
        id: CallId,
    },
    /// Play a WAV file (16-bit, any rate) into one answered call: the other side hears it
    /// over the microphone, once (a `play-ended` event follows). A new one replaces it.
    Play {
        id: CallId,
        file: String,
    },
    /// Desk: the agent's state — `ready`, `not-ready` (with one of the configured
    /// reasons), `logout`. In After-Call Work it is taken when the wrap-up ends.
    State {
        state: String,
        reason: Option<String>,
    },
    /// Desk: accept an offered interaction (a call: answered).
    Accept {
        id: InteractionNumber,
    },
    /// Desk: decline an offered interaction (a routed call: 480, the site offers it to
    /// the next agent; a direct one: 603).
    Decline {
        id: InteractionNumber,
    },
    /// Desk: change an editable case field.
    Case {
        id: InteractionNumber,
        field: String,
        value: String,
    },
    /// Desk: the interaction's note as typed so far (saved at once).
    Note {
        id: InteractionNumber,
        text: String,
    },
    /// Desk: a disposition code of the catalogue.
    Dispose {
        id: InteractionNumber,
        code: String,
    },
    /// Desk: finish the wrap-up.
    Done {
        id: InteractionNumber,
    },
    /// Desk: report every interaction of this run and those taken up after a restart
    /// (one `interaction` event each) and the agent's state.
    Interactions,
    /// Chat: write `text` to `uri` — into the open chat with that address, or a new
    /// outbound chat interaction.
    Chat {
        uri: String,
        text: String,
    },
    /// Chat: open a chat with `uri` (a colleague from Team Communicator, a contact) to
    /// write into — the open one with that address, or a new outbound chat interaction.
    ChatOpen {
        uri: String,
    },
    /// Chat: write `text` into chat interaction `id`.
    Say {
        id: InteractionNumber,
        text: String,
    },
    /// Chat: the agent is typing in chat `id` (is-composing, RFC 3994, to peers that use it).
    Typing {
        id: InteractionNumber,
    },
    /// Chat: the agent has seen chat `id` (its unread count cleared; read notices, RFC
    /// 5438, to peers that asked for them).
    ChatRead {
        id: InteractionNumber,
    },
    /// Chat: the agent ends chat `id` (to wrap-up).
    ChatEnd {
        id: InteractionNumber,
    },
    /// Chat: a consultation chat with `target` (a colleague) about chat `id`; they get
    /// its transcript so far and its case.
    ChatConsult {
        id: InteractionNumber,
        target: String,
    },
    /// Chat: the colleague of consultation chat `consult` joins chat `id` (a conference).
    ChatConference {
        id: InteractionNumber,
        consult: InteractionNumber,
    },
    /// Chat: chat `id` handed to `target` (a colleague) with its transcript and case.
    ChatTransfer {
        id: InteractionNumber,
        target: String,
    },
    /// Supervisor: follow `agent`'s chats (`followed-chat`, `followed-message` events);
    /// read-only, the customers are not told.
    ChatFollow {
        agent: String,
    },
    /// Supervisor: stop following `agent`'s chats.
    ChatUnfollow {
        agent: String,
    },
    /// Supervisor: a coaching message in `agent`'s chat `id`: only the agent sees it.
    ChatCoach {
        agent: String,
        id: InteractionNumber,
        text: String,
    },
    /// Supervisor: a message to the customer of `agent`'s chat `id`, signed with our name.
    ChatBarge {
        agent: String,
        id: InteractionNumber,
        text: String,
    },
    /// Chat: the transcript of chat `id` as kept in the store — this agent's, or `agent`'s
    /// (a colleague's chat in a contact's history) from the team store.
    Transcript {
        id: InteractionNumber,
        #[serde(default)]
        agent: Option<String>,
    },
    /// Email: reply to email interaction `id` — to its customer (Reply-To or From), `text`
    /// above the quoted message, the files `attachments` attached; sent From the queue.
    /// `to`, `cc` (addresses, comma-separated) and `subject` replace the computed ones
    /// when given (the agent changed them).
    Reply {
        id: InteractionNumber,
        text: String,
        #[serde(default)]
        attachments: Vec<String>,
        #[serde(default, flatten)]
        heads: Heads,
    },
    /// Email: reply to everyone email `id`'s last message was addressed to (never us).
    ReplyAll {
        id: InteractionNumber,
        text: String,
        #[serde(default)]
        attachments: Vec<String>,
        #[serde(default, flatten)]
        heads: Heads,
    },
    /// Email: forward email `id`'s last message to `to` (addresses, comma-separated),
    /// inline with its attachments, or attached whole (`as_attachment`); `cc` and
    /// `subject` as the agent wrote them (else none and `Fwd: …`).
    Forward {
        id: InteractionNumber,
        to: String,
        text: String,
        #[serde(default)]
        attachments: Vec<String>,
        #[serde(default)]
        as_attachment: bool,
        #[serde(default)]
        cc: String,
        #[serde(default)]
        subject: Option<String>,
    },
    /// Email: what the agent is writing in email `id` (none: the new email not yet sent),
    /// saved as it is typed so that a restart gives it back (`email-draft`); an empty
    /// draft forgets it.
    EmailDraft {
        #[serde(default)]
        id: Option<InteractionNumber>,
        draft: super::email_drafts::TypedDraft,
    },
    /// Email: a new email to `to` (a new outbound interaction) from queue `queue`'s
    /// mailbox (the first configured by default).
    Email {
        to: String,
        subject: String,
        text: String,
        #[serde(default)]
        cc: String,
        #[serde(default)]
        attachments: Vec<String>,
        #[serde(default)]
        queue: Option<String>,
    },
    /// Email: send again what email `id` last failed to send (kept after `email-failed`).
    EmailRetry {
        id: InteractionNumber,
    },
    /// Email: close email `id` without sending (to wrap-up).
    EmailClose {
        id: InteractionNumber,
    },
    /// Email: save attachment `index` of email `id`'s message (`message_id`, or the
    /// newest with that attachment) to the file `path`.
    SaveAttachment {
        id: InteractionNumber,
        index: u32,
        path: String,
        #[serde(default)]
        message_id: Option<String>,
    },
    Quit,
}

/// The recipients and subject of an answer, as the agent changed them (`None`: as
/// computed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heads {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// An interaction, numbered by the desk (unique in its store).
pub type InteractionNumber = u64;

/// Where a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallState {
    /// Our INVITE is on its way.
    Dialing,
    /// The peer is alerting (180/183).
    Ringing,
    /// Someone calls us; answer or reject.
    Incoming,
    Active,
    /// We put it on hold.
    Held,
    /// The peer put us on hold.
    RemoteHeld,
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Incoming,
    Outgoing,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// The phone is up: where it listens and how others call it.
    Ready {
        uri: String,
        listen: String,
    },
    /// Registration of an account: `registered`, `failed` (with status), `unregistered`.
    Registration {
        account: String,
        state: String,
        status: Option<u16>,
        reason: Option<String>,
        expires: Option<u32>,
    },
    IncomingCall {
        id: CallId,
        from: String,
        to: String,
        /// Every header of the INVITE, in order, as (name, value).
        headers: Vec<(String, String)>,
    },
    CallState {
        id: CallId,
        state: CallState,
        direction: Direction,
        remote: String,
        /// Why it ended (`local`, `remote`, `486 Busy Here`, …), with `state: ended`.
        reason: Option<String>,
        muted: bool,
        /// Seconds since it was answered.
        duration_s: Option<f64>,
        /// The local conference it is part of.
        conference: bool,
    },
    Dtmf {
        id: CallId,
        digit: char,
    },
    /// A few times a second per answered call.
    Quality {
        id: CallId,
        codec: String,
        packets_received: u64,
        lost: i64,
        loss_pct: f64,
        jitter_ms: f64,
        rtt_ms: Option<f64>,
        jitter_buffer_ms: u32,
        concealed_ms: u64,
        mos: f64,
    },
    /// A transfer we started: the peer's NOTIFY progress.
    Transfer {
        id: CallId,
        status: u16,
        reason: String,
        done: bool,
    },
    /// The sound devices there are (names as the user picks them) and the ones chosen
    /// (none: the system default).
    Devices {
        inputs: Vec<String>,
        outputs: Vec<String>,
        input: Option<String>,
        output: Option<String>,
        ringing: Option<String>,
        /// Where the audio goes now (a card, or files/null in tests and servers).
        using: String,
        /// The offer sounds' loudness, in percent.
        ring_volume: u8,
    },
    /// The account in use (none: peer-to-peer), after start and after `set-account`.
    Account {
        account: Option<Account>,
    },
    /// The most recent calls, newest first.
    History {
        calls: Vec<CallRecord>,
    },
    /// Supervisor: an agent watched — `asking` (no answer yet), `online` (with its
    /// calls), `offline` (not registered; asked again every 30 s) or `refused` (we are not
    /// its supervisor).
    /// With its desk state, from its presence: `state` (`ready`, `not-ready`,
    /// `after-call-work`, `logged-out`; `open`/`closed` for other presence sources), the
    /// `reason`, since when (Unix ms) and busy (Ready at capacity); none until it is known.
    Agent {
        agent: String,
        presence: String,
        calls: Vec<AgentCall>,
        state: Option<String>,
        reason: Option<String>,
        since_ms: Option<u64>,
        busy: bool,
    },
    /// Supervisor: monitoring call `id` listens to `agent` in `mode` (at the start and
    /// at each switch).
    Monitoring {
        id: CallId,
        agent: String,
        mode: String,
    },
    /// A request refused for security (an unknown watcher or supervisor, no asserted
    /// identity): what, who and from where.
    Security {
        message: String,
    },
    /// A `play` ended: the whole file played (`completed`), or it was cut short by
    /// another `play` or the end of the call.
    PlayEnded {
        id: CallId,
        file: String,
        completed: bool,
    },
    /// Desk: the agent's state at each change: `ready`, `not-ready` (with `reason`),
    /// `after-call-work`, `logged-out`; since when (Unix ms); the state asked for after
    /// the wrap-up; busy (Ready with no capacity left).
    AgentState {
        state: String,
        reason: Option<String>,
        since_ms: u64,
        next: Option<String>,
        next_reason: Option<String>,
        busy: bool,
    },
    /// Desk: an interaction at each change.
    Interaction(Box<InteractionView>),
    /// Desk: a screen-pop link opened on accept.
    ScreenPop {
        id: InteractionNumber,
        url: String,
    },
    /// Team Communicator's answer to `search`: grouped (agents, queues, contacts), best
    /// first in each group.
    Results {
        query: String,
        items: Vec<earshot_directory::Hit>,
    },
    /// A contact (`contact`), with its identities and fields.
    Contact {
        contact: earshot_directory::Contact,
    },
    /// The agent's favourites and recent targets, newest first, each as the directory has
    /// it now (an agent with its live state): after `targets`, and when either changes.
    Targets {
        favourites: Vec<earshot_directory::Hit>,
        recent: Vec<earshot_directory::Hit>,
    },
    /// A colleague's live state changed (presence, RFC 3856), as Team Communicator follows
    /// it: `ready`, `not-ready`, `after-call-work`, `busy`, `logged-out`, `open` or
    /// `closed`; none when it is not known (any more).
    Colleague {
        agent: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since_ms: Option<u64>,
    },
    /// A contact's earlier interactions by any agent, newest first.
    ContactHistory {
        contact: u64,
        items: Vec<earshot_directory::PastInteraction>,
    },
    /// What `export-contacts` wrote.
    ContactsExported {
        file: String,
        count: usize,
    },
    /// `gone` was merged into `contact` (as it now is).
    ContactsMerged {
        contact: earshot_directory::Contact,
        gone: u64,
    },
    /// The contact an interaction is with, found by its identity as it arrived (or made
    /// for an identity not known yet: `new`, without a name), with its last few earlier
    /// interactions by anyone in the team, newest first.
    ContactMatched {
        interaction: u64,
        contact: earshot_directory::Contact,
        new: bool,
        recent: Vec<earshot_directory::PastInteraction>,
    },
    /// The team store (`[store] url`): whether it can be reached, and how many of this
    /// phone's writes wait in its outbox for it. Sent when either changes.
    TeamStore {
        online: bool,
        waiting: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<String>,
    },
    /// What `import-contacts` read: contacts added, contacts an existing one took in (an
    /// identity already known), and the lines refused with why.
    ContactsImported {
        file: String,
        added: usize,
        merged: usize,
        rejected: Vec<earshot_directory::Rejected>,
    },
    /// A chat message, when it arrives or is written, and again at each step of its
    /// delivery. `delivery`: `sending`, `sent` (a server has it: all a peer without
    /// delivery notices tells), `delivered`, `read`, `failed` (with `why`).
    Message {
        interaction: InteractionNumber,
        /// The message's id in its chat (`in-N`, `out-N`).
        id: String,
        from: String,
        text: String,
        sent_ms: u64,
        /// `in` or `out`.
        direction: String,
        delivery: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<String>,
    },
    /// The peer of chat `interaction` started (`active`) or stopped typing.
    Typing {
        interaction: InteractionNumber,
        from: String,
        active: bool,
    },
    /// A chat's transcript as the store keeps it (`transcript`), oldest first.
    Transcript {
        interaction: InteractionNumber,
        agent: String,
        lines: Vec<earshot_store::ChatLine>,
    },
    /// A chat of an agent we follow: `open` (its transcript follows as
    /// `followed-message` events) or `ended`.
    FollowedChat {
        agent: String,
        /// The agent's interaction number.
        interaction: InteractionNumber,
        customer: String,
        name: Option<String>,
        state: String,
    },
    /// A message in a chat of an agent we follow (the customer's, the agent's, a
    /// colleague's or a supervisor's).
    FollowedMessage {
        agent: String,
        interaction: InteractionNumber,
        from: String,
        name: Option<String>,
        text: String,
        sent_ms: u64,
    },
    /// A chat ended: `customer-left`, `inactive` (no word for the configured time),
    /// `agent` (the agent ended it), `transferred` (a colleague took it), `ended` (the
    /// colleague of a consultation ended it), `refused` (the colleague could not be
    /// reached).
    ChatEnded {
        interaction: InteractionNumber,
        reason: String,
    },
    /// An email of an email interaction: one that arrived (`direction` `in`), or one of
    /// ours in its thread (`out`); `earlier` for the thread's earlier messages loaded from
    /// the server. `text` is what the agent reads (HTML rendered, links listed in `links`).
    Email {
        interaction: InteractionNumber,
        message_id: String,
        from: String,
        to: Vec<String>,
        cc: Vec<String>,
        subject: String,
        date_ms: Option<i64>,
        text: String,
        links: Vec<String>,
        attachments: Vec<super::emails::AttachmentView>,
        direction: String,
        earlier: bool,
        /// What could not be read as written (the message is shown as well as it can be).
        problems: Vec<String>,
        /// Who an answer to it goes to and its subject, for the composer to start from
        /// (a message that arrived).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<Box<super::email_drafts::AnswerHeads>>,
    },
    /// What the agent was writing in email `interaction` (none: a new email), given back
    /// after a restart.
    EmailDraft {
        interaction: Option<InteractionNumber>,
        draft: super::email_drafts::TypedDraft,
    },
    /// The submission server took what email `interaction` sent.
    EmailSent {
        interaction: InteractionNumber,
        message_id: String,
    },
    /// What email `interaction` sent was refused or could not be sent: the draft is kept.
    EmailFailed {
        interaction: InteractionNumber,
        message_id: String,
        why: String,
    },
    /// A queue's mailbox can (or cannot) be reached.
    Mailbox {
        queue: String,
        address: String,
        online: bool,
        why: Option<String>,
    },
    /// An attachment was saved where the agent asked.
    AttachmentSaved {
        interaction: InteractionNumber,
        path: String,
        bytes: u64,
    },
    /// Something went wrong; the phone carries on.
    Error {
        message: String,
        command: Option<String>,
        /// The same as a code and values, for the window to word in the agent's language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        problem: Option<Problem>,
    },
    /// The phone stopped (after `quit`).
    Stopped,
}

/// One call of an agent, as its dialog events show it (RFC 4235 §4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCall {
    /// The agent's name for it.
    pub id: String,
    /// `trying`, `proceeding`, `early` or `confirmed`.
    pub state: String,
    /// The customer (or whoever the agent talks to).
    pub remote: String,
    pub incoming: bool,
    /// The dialog, for a monitoring INVITE's Join (RFC 3911).
    pub call_id: Option<String>,
    pub local_tag: Option<String>,
    pub remote_tag: Option<String>,
}

/// An interaction as the API shows it (`interaction` events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionView {
    pub id: InteractionNumber,
    /// `voice`, `chat`, `email`.
    pub channel: String,
    /// `offered`, `active`, `wrap-up`, `done`, `declined`, `missed`, `abandoned`,
    /// `transferred`.
    pub state: String,
    /// `inbound`, `outbound`.
    pub direction: String,
    pub contact: String,
    pub contact_name: Option<String>,
    /// The queue it came by (none: dialled directly).
    pub queue: Option<String>,
    /// Case data: field → value (every field, hidden ones included).
    pub case: std::collections::BTreeMap<String, String>,
    /// The fields in order, as the agent sees them.
    pub fields: Vec<CaseFieldView>,
    /// The call, for voice.
    pub call: Option<CallId>,
    pub held: bool,
    pub disposition: Option<String>,
    pub note: String,
    /// `optional`, `mandatory`, `time-boxed`.
    pub wrap_up: String,
    /// Done is allowed (a mandatory wrap-up has its code).
    pub may_finish: bool,
    /// `consultation`, `transfer` or `conference` of `parent`.
    pub link: Option<(String, InteractionNumber)>,
    pub offered_ms: u64,
    pub accepted_ms: Option<u64>,
    pub ended_ms: Option<u64>,
    pub done_ms: Option<u64>,
    /// The queue's screen-pop links: the URL, or why there is none.
    pub screen_pops: Vec<ScreenPopView>,
    /// For a chat: unread messages, waiting time, the peer's typing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatSummary>,
}

/// A chat interaction's state beside its transcript (`message` events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ChatSummary {
    /// The customer's messages the agent has not seen (`chat-read`).
    pub unread: u32,
    /// When the customer's oldest unanswered message came: the customer waits since then.
    pub waiting_since_ms: Option<u64>,
    /// The first message (the offer's preview).
    pub first: Option<String>,
    pub peer_typing: bool,
    /// The peer sends delivery and read notices; without them `sent` is all there is.
    pub receipts: bool,
    /// A conference: a colleague is in the customer's chat (ours, or theirs we joined).
    #[serde(default)]
    pub conference: bool,
    /// Offered to a colleague (`chat-transfer`), not yet taken.
    #[serde(default)]
    pub transferring: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFieldView {
    pub name: String,
    pub label: String,
    pub value: String,
    pub editable: bool,
    pub hidden: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenPopView {
    pub label: String,
    pub url: Option<String>,
    pub problem: Option<String>,
}

fn twenty() -> usize {
    20
}

impl Event {
    /// The `error` event of a problem: its English sentence, and its code and values for
    /// the window to word in the agent's language.
    pub fn problem(problem: Problem, command: Option<String>) -> Event {
        Event::Error { message: problem.to_string(), command, problem: Some(problem) }
    }
}
