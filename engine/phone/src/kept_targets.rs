//! Team Communicator's lists in the phone core: the agent's favourites and the targets it
//! reached lately (called, consulted, transferred to), held in memory for an empty search
//! box and kept in the store (`Effect::KeepTarget`, `Effect::DropTarget`). Each is shown as
//! the directory has it now — its name and, for a colleague, its live state.

use earshot_directory::{Hit, KeptList, KeptTarget, RECENT_KEPT, TargetKind};

use super::api::Event;
use super::core::Phone;
use super::effect::Effect;
use super::errors::CommandError;

/// The agent's lists, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kept {
    pub favourites: Vec<KeptTarget>,
    pub recent: Vec<KeptTarget>,
}

impl Kept {
    /// The colleagues in either list (their presence is followed).
    pub fn agents(&self) -> impl Iterator<Item = &str> {
        self.favourites
            .iter()
            .chain(&self.recent)
            .filter(|k| k.kind == Some(TargetKind::Agent))
            .map(|k| k.id.as_str())
    }

    fn list(&mut self, list: KeptList) -> &mut Vec<KeptTarget> {
        match list {
            KeptList::Favourite => &mut self.favourites,
            KeptList::Recent => &mut self.recent,
        }
    }

    /// `target` first in `list` (once), the recent list cut to its length.
    fn put(&mut self, list: KeptList, target: KeptTarget) {
        let l = self.list(list);
        l.retain(|k| k.address != target.address);
        l.insert(0, target);
        if list == KeptList::Recent {
            l.truncate(RECENT_KEPT);
        }
    }
}

impl Phone {
    /// What the directory knows of `address`, to keep in a list.
    fn kept_target(&self, address: &str) -> KeptTarget {
        let found = self.directory.find_address(address);
        KeptTarget {
            address: address.trim().to_owned(),
            kind: found.as_ref().map(|h| h.kind),
            id: found.as_ref().map(|h| h.id.clone()).unwrap_or_default(),
            name: found.map(|h| h.name).unwrap_or_default(),
            at_ms: self.moment().unix_ms,
        }
    }

    /// `favourite ADDRESS` (`on`) or `unfavourite ADDRESS`: a `targets` event.
    pub(super) fn favourite(&mut self, address: &str, on: bool) -> Result<(), CommandError> {
        let address = address.trim();
        if address.is_empty() {
            return Err(CommandError::NotFavourite(String::new()));
        }
        if on {
            let target = self.kept_target(address);
            if target.kind == Some(TargetKind::Agent) {
                self.follow_colleagues(std::iter::once(target.id.clone()), true);
            }
            self.kept.put(KeptList::Favourite, target.clone());
            self.effects.push_back(Effect::KeepTarget { list: KeptList::Favourite, target });
        } else {
            let before = self.kept.favourites.len();
            self.kept.favourites.retain(|k| k.address != address);
            if self.kept.favourites.len() == before {
                return Err(CommandError::NotFavourite(address.to_owned()));
            }
            let list = KeptList::Favourite;
            self.effects.push_back(Effect::DropTarget { list, address: address.to_owned() });
        }
        self.targets_event();
        Ok(())
    }

    /// The agent reached `address` (a call, consultation or transfer placed): first in
    /// the recent list.
    pub(super) fn reached(&mut self, address: &str) {
        let target = self.kept_target(address);
        if target.kind == Some(TargetKind::Agent) {
            self.follow_colleagues(std::iter::once(target.id.clone()), true);
        }
        self.kept.put(KeptList::Recent, target.clone());
        self.effects.push_back(Effect::KeepTarget { list: KeptList::Recent, target });
        self.targets_event();
    }

    /// `targets`: both lists as the directory has them now.
    pub(super) fn targets_event(&mut self) {
        let shown = |k: &KeptTarget| -> Hit {
            let current = k.kind.and_then(|kind| self.directory.hit(kind, &k.id));
            k.hit(current)
        };
        let favourites = self.kept.favourites.iter().map(shown).collect();
        let recent = self.kept.recent.iter().map(shown).collect();
        self.emit(Event::Targets { favourites, recent });
    }
}
