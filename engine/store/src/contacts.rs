//! What the directory needs kept (DESIGN.md §7 "Directory"): contacts with their identities
//! and fields, each identity's key (its normal form, `earshot_directory::Numbering::key`)
//! to find the contact an interaction comes from, and the interactions of a contact by any
//! agent, newest first. One trait; each backend implements it beside `DeskStore`.

use earshot_desk::InteractionId;
use earshot_directory::{Contact, ContactId, Identity, PastInteraction};

use crate::StoreError;

pub trait ContactStore: Send {
    /// Saves `contact` with the keys of its identities: a new one (id 0) gets its number,
    /// which is returned; an existing one is replaced, its keys with it.
    fn save_contact(&mut self, contact: &Contact, keys: &[String])
    -> Result<ContactId, StoreError>;
    fn contact(&mut self, id: ContactId) -> Result<Option<Contact>, StoreError>;
    /// Every contact, by number (what the search index is loaded from).
    fn contacts(&mut self) -> Result<Vec<Contact>, StoreError>;
    /// The contact an identity key belongs to (the oldest, should two share it).
    fn contact_by_key(&mut self, key: &str) -> Result<Option<ContactId>, StoreError>;
    /// `gone` merged into `keep`: `keep` saved as `merged` with `keys`, `gone`'s
    /// interactions moved to `keep`, `gone` deleted; all or nothing.
    fn merge_contacts(
        &mut self,
        keep: ContactId,
        gone: ContactId,
        merged: &Contact,
        keys: &[String],
    ) -> Result<(), StoreError>;
    /// Records that the interaction `id` of `agent` was with `contact`.
    fn link_interaction(
        &mut self,
        agent: &str,
        id: InteractionId,
        contact: ContactId,
    ) -> Result<(), StoreError>;
    /// The contact's interactions, newest first: at most `limit`, offered before
    /// `before_ms` when paging on.
    fn contact_history(
        &mut self,
        contact: ContactId,
        before_ms: Option<u64>,
        limit: usize,
    ) -> Result<Vec<PastInteraction>, StoreError>;

    /// Interaction `id` of `agent` came from `identity`, whose keys are `keys`: links it to
    /// the contact holding one of them (the first key found wins), or to a new contact
    /// without a name holding `identity` (the agent names it, or merges it, later).
    /// Returns the contact and whether it is new.
    fn match_interaction(
        &mut self,
        agent: &str,
        id: InteractionId,
        identity: &Identity,
        keys: &[String],
    ) -> Result<(Contact, bool), StoreError> {
        for k in keys {
            if let Some(found) = self.contact_by_key(k)?
                && let Some(contact) = self.contact(found)?
            {
                self.link_interaction(agent, id, found)?;
                return Ok((contact, false));
            }
        }
        let mut contact = Contact { identities: vec![identity.clone()], ..Contact::default() };
        contact.id = self.save_contact(&contact, keys)?;
        self.link_interaction(agent, id, contact.id)?;
        Ok((contact, true))
    }

    /// Contacts read from a file: each one whose identity is already known is taken into
    /// the contact that has it (`Contact::absorb`), the others are added. `keys` gives a
    /// contact's identity keys. Returns the contacts as now stored, and how many were
    /// added and merged.
    fn import(
        &mut self,
        contacts: Vec<Contact>,
        keys: &dyn Fn(&Contact) -> Vec<String>,
    ) -> Result<Imported, StoreError> {
        import_each(self, contacts, keys)
    }
}

/// [`ContactStore::import`], one contact after the other (a backend may run it inside one
/// transaction).
pub fn import_each<S: ContactStore + ?Sized>(
    store: &mut S,
    contacts: Vec<Contact>,
    keys: &dyn Fn(&Contact) -> Vec<String>,
) -> Result<Imported, StoreError> {
    let mut out = Imported::default();
    for c in contacts {
        let mut known = None;
        for k in keys(&c) {
            if let Some(id) = store.contact_by_key(&k)? {
                known = Some(id);
                break;
            }
        }
        match known.map(|id| store.contact(id)).transpose()?.flatten() {
            Some(mut existing) => {
                existing.absorb(&c);
                store.save_contact(&existing, &keys(&existing))?;
                out.merged += 1;
                out.contacts.push(existing);
            }
            None => {
                let id = store.save_contact(&c, &keys(&c))?;
                out.added += 1;
                out.contacts.push(Contact { id, ..c });
            }
        }
    }
    Ok(out)
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    pub contacts: Vec<Contact>,
    pub added: usize,
    pub merged: usize,
}
