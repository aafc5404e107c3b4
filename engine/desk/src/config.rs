//! The desk's configuration (the `[desk]` tables of the phone's configuration file):
//! not-ready reasons, capacity per channel, how offers are previewed and for how long,
//! queues with their wrap-up mode and screen-pop templates, the disposition catalogue and
//! the rules that turn what arrives into case data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::case::CaseRule;
use crate::interaction::Channel;
use crate::wrap_up::{Disposition, WrapUpMode};

/// How an offered interaction reaches the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreviewMode {
    /// The preview waits for Accept or Decline (or the offer times out).
    #[default]
    Manual,
    /// The preview shows for `preview_s`, then the interaction is accepted by itself.
    AutoAcceptWithPreview,
    /// Accepted at once; no preview.
    AutoAccept,
}

/// How many interactions of a channel the agent handles at once before being busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Capacity {
    pub voice: usize,
    pub chat: usize,
    pub email: usize,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity { voice: 1, chat: 3, email: 2 }
    }
}

impl Capacity {
    pub fn of(&self, channel: Channel) -> usize {
        match channel {
            Channel::Voice => self.voice,
            Channel::Chat => self.chat,
            Channel::Email => self.email,
        }
    }
}

/// One queue (route) interactions arrive by.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Shown in the preview and the list instead of the queue's address.
    pub label: Option<String>,
    pub wrap_up: WrapUpMode,
    /// Seconds of a time-boxed wrap-up.
    pub wrap_up_s: u64,
    /// Screen-pop templates (see [`crate::screen_pop`]).
    pub screen_pops: Vec<ScreenPopConfig>,
}

/// One screen-pop link of a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenPopConfig {
    /// The link's label in the context panel.
    pub label: String,
    /// A URL with `{field}` placeholders filled from case data, e.g.
    /// `https://crm.example.com/search?phone={caller}`.
    pub url: String,
    /// Opened in the system browser when the interaction is accepted.
    #[serde(default)]
    pub on_accept: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeskConfig {
    /// The reasons an agent may give for Not Ready ("missed offer" is always there: the
    /// desk sets it when an offer times out).
    pub not_ready_reasons: Vec<String>,
    pub capacity: Capacity,
    pub preview: PreviewMode,
    /// How long an auto-accepted preview shows.
    pub preview_s: u64,
    /// An offer not accepted within this is withdrawn (missed): the site offers it to the
    /// next agent.
    pub offer_timeout_s: u64,
    /// The wrap-up of interactions that came by no configured queue (dialled directly).
    pub wrap_up: WrapUpMode,
    pub wrap_up_s: u64,
    pub dispositions: Vec<Disposition>,
    /// Queues by address (`support@site.example`, or the user part alone).
    pub queues: BTreeMap<String, QueueConfig>,
    /// Rules that rename, label, order, hide and mark case fields editable.
    pub case_fields: Vec<CaseRule>,
}

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            not_ready_reasons: ["Break", "Lunch", "Meeting", "Training"]
                .into_iter()
                .map(String::from)
                .collect(),
            capacity: Capacity::default(),
            preview: PreviewMode::Manual,
            preview_s: 3,
            offer_timeout_s: 15,
            wrap_up: WrapUpMode::Optional,
            wrap_up_s: 60,
            dispositions: Disposition::defaults(),
            queues: BTreeMap::new(),
            case_fields: Vec::new(),
        }
    }
}

impl DeskConfig {
    /// The queue an address names: the whole address, or its user part.
    pub fn queue(&self, address: &str) -> Option<&QueueConfig> {
        let user = address.split('@').next().unwrap_or(address);
        self.queues.get(address).or_else(|| self.queues.get(user))
    }
}
