//! `[email]`: the email channel's settings (DESIGN.md §7 "Email") — each queue's shared
//! mailbox (IMAP and SMTP submission servers, account, the CA to trust), the folders
//! claimed mail, sent mail and finished threads go to, whose address replies are sent
//! from, the signature, and how long a customer's answer waits for the agent who wrote.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// One shared mailbox per email queue.
    pub mailboxes: Vec<MailboxSettings>,
    /// Under this folder each agent's claimed mail is kept (`Earshot/alice`).
    pub agents_folder: String,
    /// Where a copy of what we send is appended.
    pub sent_folder: String,
    /// Where a finished thread's messages go when its interaction is done.
    pub done_folder: String,
    /// `queue`: replies are sent from the queue's address; `agent`: from `agent_address`.
    pub send_as: SendAs,
    /// The agent's own address (with `send_as = "agent"`).
    pub agent_address: Option<String>,
    /// The signature under what the agent writes: `{agent}`, `{queue}` and case fields
    /// (`{Account-Id}`, …) filled in.
    pub signature: String,
    /// A customer's answer to mail an agent sent waits this long for that agent (while
    /// their Earshot is Ready it takes it at once) before any agent may take it.
    pub reply_hold_s: u64,
    /// Mail this agent declined (or let time out) is not offered to them again for this
    /// long, so colleagues get it.
    pub decline_skip_s: u64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            mailboxes: Vec::new(),
            agents_folder: "Earshot".into(),
            sent_folder: "Sent".into(),
            done_folder: "Done".into(),
            send_as: SendAs::Queue,
            agent_address: None,
            signature: "{agent}\n{queue}".into(),
            reply_hold_s: 120,
            decline_skip_s: 300,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SendAs {
    #[default]
    Queue,
    Agent,
}

/// `[[email.mailboxes]]`: one queue's shared mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxSettings {
    /// The desk queue its mail is offered by (`[desk.queues]`).
    pub queue: String,
    /// The queue's address (`support@example.com`): From of what is sent as the queue.
    pub address: String,
    /// The name shown with it (`Example Support`).
    pub name: Option<String>,
    /// `imaps://host[:993]` (TLS) or `imap://host[:143]` (STARTTLS, required).
    pub imap: String,
    /// `smtps://host[:465]` (TLS) or `smtp://host[:587]` (STARTTLS, required; RFC 6409).
    pub smtp: String,
    /// The mailbox's login, for IMAP and SMTP.
    pub user: String,
    pub password: String,
    /// A CA certificate (PEM) to trust besides the system's (a site's own CA).
    pub ca_file: Option<PathBuf>,
}

/// A server named by a URL: TLS from the start, or STARTTLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    pub host: String,
    pub port: u16,
    pub implicit_tls: bool,
}

impl ServerUrl {
    /// Reads `imaps://`, `imap://`, `smtps://`, `smtp://`, with the port or its default.
    pub fn parse(url: &str, kind: &str) -> Result<ServerUrl, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("{url:?}: expected {kind}s://host or {kind}://host"))?;
        let (implicit_tls, default_port) = match (kind, scheme) {
            ("imap", "imaps") => (true, 993),
            ("imap", "imap") => (false, 143),
            ("smtp", "smtps") => (true, 465),
            ("smtp", "smtp" | "submission") => (false, 587),
            _ => return Err(format!("{url:?}: expected {kind}s:// or {kind}://")),
        };
        let host_port = rest.trim_end_matches('/');
        let bad_port = |p: &str| format!("{url:?}: bad port {p:?}");
        let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
            // [::1]:993 or [::1]
            let (host, after) = v6.split_once(']').ok_or_else(|| format!("{url:?}: no ']'"))?;
            match after.strip_prefix(':') {
                Some(p) => (host.to_owned(), p.parse().map_err(|_| bad_port(p))?),
                None => (host.to_owned(), default_port),
            }
        } else {
            match host_port.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().map_err(|_| bad_port(p))?),
                None => (host_port.to_owned(), default_port),
            }
        };
        if host.is_empty() {
            return Err(format!("{url:?}: no host"));
        }
        Ok(ServerUrl { host, port, implicit_tls })
    }
}

/// This agent's name in its mail folder and our Message-IDs: the account's user (or the
/// configured user), letters, digits, `-` and `_` only.
pub fn mail_me(config: &super::config::Config) -> String {
    let user = config
        .accounts
        .first()
        .and_then(|a| a.aor.strip_prefix("sip:").or(a.aor.strip_prefix("sips:")).map(str::to_owned))
        .and_then(|a| a.split('@').next().map(str::to_owned))
        .unwrap_or_else(|| config.user.clone());
    let clean: String =
        user.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    if clean.is_empty() { "agent".into() } else { clean.to_lowercase() }
}
