//! The softphone's configuration: a TOML file in the platform's config directory, written
//! with commented defaults on first start. With no account, Earshot is a peer-to-peer
//! phone (the embedded default): callable as `sip:USER@HOST:PORT` on the first free port
//! from 5060, no server needed.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole file. Every key has a default, so an empty file is a working phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The user part of our address when no account is configured.
    pub user: String,
    pub display_name: Option<String>,
    pub sip: SipSettings,
    pub accounts: Vec<Account>,
    pub audio: AudioSettings,
    /// Codecs in order of preference (rtpmap names).
    pub codecs: Vec<String>,
    /// `delay` keeps the jitter buffer as short as the network allows; `quality` lets
    /// it hold more before it conceals.
    pub preference: Preference,
    pub auto_answer: AutoAnswer,
    pub monitoring: Monitoring,
    pub calls: CallLimits,
    pub do_not_disturb: bool,
    /// Where the call history (SQLite) lives; the platform's data directory by default.
    pub data_dir: Option<PathBuf>,
    /// The interaction desk: reasons, capacity, previews, queues, wrap-up, dispositions,
    /// case fields (`earshot_desk::DeskConfig`).
    pub desk: earshot_desk::DeskConfig,
    /// The window's language and theme (the phone itself does not use them).
    pub window: WindowSettings,
    /// Contacts and Team Communicator.
    pub directory: DirectorySettings,
    /// Where interactions, contacts and their history are kept for the team.
    pub store: StoreSettings,
    /// The chat channel: inactivity, quick replies, flood limit.
    pub chat: ChatSettings,
    /// The email channel: each queue's shared mailbox, folders, signature.
    pub email: super::email_config::EmailSettings,
}

/// `[chat]`: chats with customers and colleagues (DESIGN.md §7 "Chat").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChatSettings {
    /// A chat whose customer has written nothing for this many seconds goes to wrap-up
    /// (the customer left). 0: never.
    pub inactivity_timeout_s: u64,
    /// Answers the agent sends with one click.
    pub quick_replies: Vec<String>,
    /// The most MESSAGEs one sender may send in 10 s; beyond it they are answered 503
    /// (Retry-After) and the agent is told once.
    pub flood_limit: u32,
}

impl Default for ChatSettings {
    fn default() -> Self {
        ChatSettings { inactivity_timeout_s: 600, quick_replies: Vec::new(), flood_limit: 30 }
    }
}

/// `[store]`: the team store. Without one, everything stays in the SQLite file in the
/// data directory; with one, that file is the outbox in front of it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// The team's PostgreSQL database: `postgresql://user:password@host:port/db` or
    /// `host=… port=… user=… dbname=…`.
    pub url: Option<String>,
}

/// `[directory]`: how contacts' identities are read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectorySettings {
    /// The country a number written without its country code is in (ISO 3166: `GB`,
    /// `CA`, `FR`); none: only numbers written with `+` and their country code are
    /// recognised as one whatever their format.
    pub country: Option<String>,
}

/// `[window]`: how the desk window looks and speaks.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WindowSettings {
    /// A language tag (`en`, `fr-CA`); none: the system's locale.
    pub language: Option<String>,
    pub theme: ThemeChoice,
    /// A folder of the site's own translations: `<language>/*.ftl` (Fluent), read over
    /// the built-in ones (its reasons, dispositions, or its own wording).
    pub translations: Option<PathBuf>,
}

/// Light or dark, or whatever the desktop uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipSettings {
    /// The port to listen on; none: the first free one from 5060.
    pub port: Option<u16>,
    /// The address to listen on and advertise; none: this host's address on its default
    /// route (127.0.0.1 without a network).
    pub address: Option<IpAddr>,
    /// DNS servers (`IP:PORT`) to find the site's SIP servers by name (RFC 3263: NAPTR,
    /// SRV, A/AAAA); none: the system's (`/etc/resolv.conf`).
    pub dns_servers: Vec<std::net::SocketAddr>,
    /// Seconds between keep-alives of the account's registration (RFC 5626 §4.4.1): an
    /// OPTIONS to the registrar on UDP, a CRLF ping on TCP. None: 25 s on UDP (NAT
    /// bindings often last 30 s), 90 s on TCP; 0: no keep-alives.
    pub keepalive_s: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Address of record, e.g. `sip:1001@pbx.example.com`.
    pub aor: String,
    /// Authentication user; the AOR's user part when absent.
    pub auth_user: Option<String>,
    #[serde(default)]
    pub password: String,
    /// The registrar, `host[:port]`; the AOR's host when absent.
    pub registrar: Option<String>,
    /// Every request goes through this proxy, `host[:port]`.
    pub outbound_proxy: Option<String>,
    #[serde(default)]
    pub transport: Transport,
    /// Registration lifetime asked for, in seconds.
    #[serde(default = "default_expires")]
    pub expires: u32,
}

fn default_expires() -> u32 {
    600
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    #[default]
    Udp,
    Tcp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudioSettings {
    /// Capture device by name; the system default when absent.
    pub input: Option<String>,
    pub output: Option<String>,
    /// Where incoming calls ring; the output device when absent.
    pub ringing: Option<String>,
    /// The loudness of the offer sounds and the missed-offer beep, in percent of their
    /// level (0: silent, 100: full).
    pub ring_volume: u8,
}

impl Default for AudioSettings {
    fn default() -> AudioSettings {
        AudioSettings { input: None, output: None, ringing: None, ring_volume: 100 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preference {
    #[default]
    Delay,
    Quality,
}

impl Preference {
    /// The most the jitter buffer may hold, in ms.
    pub fn max_delay_ms(self) -> u32 {
        match self {
            Preference::Delay => 200,
            Preference::Quality => 400,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoAnswer {
    /// Answer every incoming call.
    pub always: bool,
    /// Answer calls from these addresses (as in `sip:user@host`, compared by user and
    /// host).
    pub from: Vec<String>,
    /// Honour `Call-Info: ;answer-after=N` and `Alert-Info: ...;info=alert-autoanswer`
    /// — only when the INVITE came from a host in `trusted_hosts` (the address it was
    /// received from, e.g. the site's proxy; never the From header, which anyone can
    /// write).
    pub honour_headers: bool,
    pub trusted_hosts: Vec<String>,
    /// Wait this long before answering, in ms.
    pub delay_ms: u32,
    /// While another call is up: `when-idle` lets the new call ring (an agent's default),
    /// `hold-current` answers it and holds the call that was up.
    pub in_call: earshot_desk::InCallAutoAnswer,
}

/// How many calls at once, and when a call whose peer has gone silent is ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallLimits {
    /// The most calls at once (ringing, held and supervisor legs included); a call beyond it
    /// is answered 486 Busy Here without ringing.
    pub max: usize,
    /// An answered call from whose peer neither RTP nor RTCP has arrived for this many
    /// seconds is ended (the peer is gone); a call held both ways, which carries no RTP,
    /// is watched through RTCP and the session timer. 0: never.
    pub silence_timeout_s: u32,
    /// An incoming call not answered within this many seconds stops ringing (480, as if
    /// nobody were there): a caller that vanished without a CANCEL leaves nothing ringing.
    /// The INVITE's own `Expires` (RFC 3261 §13.3.1.1) ends it sooner (487). 0: never.
    pub ring_timeout_s: u32,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            max: earshot_desk::take::DEFAULT_MAX_CALLS,
            silence_timeout_s: 30,
            ring_timeout_s: 120,
        }
    }
}

/// Supervisor monitoring, agent side (DESIGN.md "Monitoring protocol").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Monitoring {
    /// Supervisors who may see this agent's calls (dialog event package, RFC 4235) and
    /// monitor them (addresses of record).
    pub supervisors: Vec<String>,
    /// Proxies trusted to authenticate supervisors: their P-Asserted-Identity (RFC 3325)
    /// is believed (the site's proxy address). Nothing else identifies a supervisor.
    pub trusted_proxies: Vec<String>,
    /// Supervisor side: the agents whose calls to follow from the start (addresses of
    /// record, or numbers at the account's domain).
    pub agents: Vec<String>,
    /// Show the agent that a supervisor is on the call (a `call-state` for the
    /// supervisor's leg); off: the agent is not told.
    pub indicator: bool,
    /// A short beep in the agent's earpiece when a supervisor joins.
    pub beep: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            user: std::env::var("USER")
                .ok()
                .filter(|u| {
                    !u.is_empty()
                        && u.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                })
                .unwrap_or_else(|| "earshot".into()),
            display_name: None,
            sip: SipSettings::default(),
            accounts: Vec::new(),
            audio: AudioSettings::default(),
            codecs: ["opus", "G722", "PCMU", "PCMA"].map(String::from).to_vec(),
            preference: Preference::Delay,
            auto_answer: AutoAnswer::default(),
            monitoring: Monitoring::default(),
            calls: CallLimits::default(),
            do_not_disturb: false,
            data_dir: None,
            desk: earshot_desk::DeskConfig::default(),
            window: WindowSettings::default(),
            directory: DirectorySettings::default(),
            store: StoreSettings::default(),
            chat: ChatSettings::default(),
            email: super::email_config::EmailSettings::default(),
        }
    }
}

/// The file written on first start: every setting, commented out at its default.
pub const DEFAULT_FILE: &str = r#"# Earshot configuration. Every setting is optional; the values shown are the defaults.
# With no [[accounts]], Earshot is a peer-to-peer phone: others call it at
# sip:USER@HOST:PORT (shown in the window and in the headless "ready" event).

# user = "your login name"        # the USER part of sip:USER@HOST:PORT
# display_name = "Jane Agent"
# codecs = ["opus", "G722", "PCMU", "PCMA"]   # order of preference
# preference = "delay"            # or "quality": more jitter buffer before concealing
# do_not_disturb = false
# data_dir = "/path/for/history"  # default: the platform's data directory

[sip]
# port = 5060                     # default: the first free port from 5060
# address = "192.0.2.10"          # default: this host's address on its default route
# dns_servers = ["192.0.2.53:53"] # where to look up the site's servers; default: the system's
# keepalive_s = 25                # registration keep-alives; default 25 on UDP, 90 on TCP; 0: off

[audio]
# input = "USB Headset"           # device names as listed in the window; default: system default
# output = "USB Headset"
# ringing = "Speakers"
# ring_volume = 100               # offer sounds and the missed-offer beep, 0-100 %

[auto_answer]
# always = false
# from = ["sip:queue@pbx.example.com"]
# honour_headers = false          # Call-Info answer-after / Alert-Info auto-answer ...
# trusted_hosts = ["192.0.2.5"]  # ... only when sent by these (the proxy's address)
# delay_ms = 0
# in_call = "when-idle"           # or "hold-current": auto-answer holds the call that is up

[calls]
# max = 4                         # calls at once; beyond it 486 Busy Here, no ringing
# silence_timeout_s = 30          # end a call whose peer sent no RTP or RTCP this long; 0: never
# ring_timeout_s = 120            # stop ringing an unanswered incoming call (480); 0: never

[monitoring]
# supervisors = ["sip:2001@pbx.example.com"]  # may see this agent's calls and monitor them
# trusted_proxies = ["192.0.2.5"] # whose P-Asserted-Identity names the supervisor
# agents = ["1001", "1002"]       # supervisor: the team whose calls to follow
# indicator = false               # show the agent that a supervisor is on the call
# beep = false                    # and beep when one joins

[desk]
# not_ready_reasons = ["Break", "Lunch", "Meeting", "Training"]
# preview = "manual"              # or "auto-accept-with-preview" (after preview_s), "auto-accept"
# preview_s = 3
# offer_timeout_s = 15            # a routed offer not accepted by then is missed: Not Ready ("missed offer")
# wrap_up = "optional"            # calls dialled directly: "optional", "mandatory", "time-boxed"
# wrap_up_s = 60                  # the time box
# capacity = { voice = 1, chat = 3, email = 2 }
# dispositions = [{ code = "resolved", label = "Resolved", group = "Outcome", key = "1" }]
# case_fields = [{ source = "Account-Id", rename = "account", label = "Account", order = 1, editable = true }]
# queues = { support = { label = "Support", wrap_up = "mandatory", screen_pops = [{ label = "CRM", url = "https://crm.example.com/find?phone={caller}", on_accept = true }] } }

[chat]
# inactivity_timeout_s = 600      # a customer silent this long has left: the chat goes to wrap-up; 0: never
# quick_replies = ["One moment please, I am looking into it."]
# flood_limit = 30                # messages one sender may send in 10 s; beyond: 503 and a notice

[email]
# signature = "{agent}\n{queue}"   # under what the agent writes; {agent}, {queue} and case fields
# send_as = "queue"               # or "agent": replies from agent_address
# agent_address = "jane@example.com"
# agents_folder = "Earshot"       # claimed mail is kept in Earshot/<user> of the queue's mailbox
# sent_folder = "Sent"
# done_folder = "Done"            # a thread's messages go here when its interaction is done
# reply_hold_s = 120              # a customer's answer waits this long for the agent who wrote
# decline_skip_s = 300            # mail this agent declined is left to colleagues this long
# [[email.mailboxes]]             # one per email queue
# queue = "support"               # the desk queue it is offered by
# address = "support@example.com"
# name = "Example Support"
# imap = "imaps://mail.example.com"      # or imap://host (STARTTLS)
# smtp = "smtp://mail.example.com:587"   # STARTTLS; or smtps://host (port 465)
# user = "support@example.com"
# password = "secret"
# ca_file = "/etc/earshot/site-ca.pem"   # a site's own CA, besides the system's

[directory]
# country = "GB"                  # numbers written nationally (020 7946 0000) are in this country

[store]
# url = "postgresql://earshot@db.example.com/earshot"  # the team store; default: this computer only

[window]
# language = "fr-CA"              # default: the system's locale (built in: en, fr-CA)
# theme = "system"                # or "light", "dark"
# translations = "/etc/earshot/locales"  # the site's own strings: fr-CA/*.ftl, en/*.ftl

# [[accounts]]
# aor = "sip:1001@pbx.example.com"
# auth_user = "1001"
# password = "secret"
# registrar = "pbx.example.com:5060"
# outbound_proxy = "pbx.example.com:5060"
# transport = "udp"               # or "tcp"
# expires = 600
"#;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    /// Names the key and the line (toml's message carries both).
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Parses the text of a configuration file (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })
    }

    /// Loads `path`; when it does not exist, writes [`DEFAULT_FILE`] there first.
    pub fn load_or_create(path: &Path) -> Result<Config, ConfigError> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|source| ConfigError::Write { path: dir.to_owned(), source })?;
            }
            std::fs::write(path, DEFAULT_FILE)
                .map_err(|source| ConfigError::Write { path: path.to_owned(), source })?;
        }
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Config::parse(&text, path)
    }

    /// The platform's place for the file (`~/.config/earshot/earshot.toml` on Linux).
    pub fn default_path() -> PathBuf {
        dirs::config_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("earshot")
            .join("earshot.toml")
    }

    /// Where the history database goes.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("earshot")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_parses_to_the_defaults() {
        let c = Config::parse(DEFAULT_FILE, Path::new("earshot.toml")).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn an_uncommented_default_file_parses_too() {
        let text: String = DEFAULT_FILE
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|r| r.contains(" = ") || r.starts_with("[["))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let c = Config::parse(&text, Path::new("earshot.toml")).unwrap();
        assert_eq!(c.accounts.len(), 1);
        assert_eq!(c.accounts[0].aor, "sip:1001@pbx.example.com");
        assert_eq!(c.sip.port, Some(5060));
        assert_eq!(c.preference, Preference::Delay);
    }

    #[test]
    fn a_bad_value_names_the_key_and_the_line() {
        let text = "user = \"a\"\n\n[sip]\nport = \"five\"\n";
        let e = Config::parse(text, Path::new("x.toml")).unwrap_err().to_string();
        assert!(e.contains("line 4"), "{e}");
        assert!(e.contains("port"), "{e}");
        let e = Config::parse("[audio]\nmicrophone = \"x\"\n", Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("microphone"), "{e}");
        let e = Config::parse("user = \n", Path::new("x.toml")).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn a_missing_file_is_created_with_the_commented_defaults() {
        let dir = std::env::temp_dir().join(format!("earshot-config-{}", std::process::id()));
        let path = dir.join("sub").join("earshot.toml");
        let _ = std::fs::remove_dir_all(&dir);
        let c = Config::load_or_create(&path).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), DEFAULT_FILE);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
